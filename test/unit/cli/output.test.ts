import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TabWriter, table } from '../../../src/cli/tabwriter.ts';
import { renderFormat, templateString, chooseFormat } from '../../../src/cli/formatter.ts';
import { ContainerContext, displayablePorts, CONTAINER_HEADER } from '../../../src/cli/commands/ps.ts';
import { computeStats } from '../../../src/cli/commands/container-misc.ts';
import { indentJSON, compactJSON } from '../../../src/cli/jsonfmt.ts';
import { formatEvent } from '../../../src/cli/commands/system.ts';
import { plainLine } from '../../../src/cli/progress.ts';
import { parseMessage } from '../../../src/sdk/jsonstream.ts';
import type { EventMessage } from '../../../src/sdk/types.ts';

test("tabwriter: docker's minwidth 10, padding 3, last column unpadded", () => {
  const out = table([
    ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
    ['abcdef123456', 'busybox', '"sh"', '2 seconds ago', 'Up 1 second', '', 'foo'],
  ]);
  assert.equal(out, 'CONTAINER ID   IMAGE     COMMAND   CREATED         STATUS        PORTS     NAMES\nabcdef123456   busybox   "sh"      2 seconds ago   Up 1 second             foo\n');
});

test('tabwriter: column blocks end at lines with fewer cells', () => {
  const tw = new TabWriter(0, 1);
  tw.write('a\tbbbb\tc\nxx\ty\n\nlonglong\tz\n');
  assert.equal(tw.flush(), 'a  bbbb c\nxx y\n\nlonglong z\n');
});

const summary = {
  Id: 'ef537eadfdd481475deacf8eeedb95826f01c9efad91b4107a6f30c9fb2a7ca4',
  Names: ['/web', '/other/link'],
  Image: 'docker.io/library/busybox:latest',
  ImageID: 'sha256:76ccc41a5d8c81a964a9910986b8e437188fe201005a3e92846dda4f47d3d4d5',
  Command: 'sh -c "echo a long command line here"',
  Created: Math.floor(Date.now() / 1000) - 125,
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' as const },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' as const },
    { PrivatePort: 9000, Type: 'tcp' as const },
    { PrivatePort: 9001, Type: 'tcp' as const },
  ],
  Labels: { b: '2', a: '1' },
  State: 'running' as const,
  Status: 'Up 2 minutes',
  Mounts: [],
  NetworkSettings: { Networks: { bridge: {} } },
};

test('container context fields, as docker ps shows them', () => {
  // (set here, not at load: with --experimental-test-isolation=none every file loads at the start)
  summary.Created = Math.floor(Date.now() / 1000) - 125;
  const c = new ContainerContext(summary, true);
  assert.equal(c.ID(), 'ef537eadfdd4');
  assert.equal(c.Names(), 'web');
  assert.equal(new ContainerContext(summary, false).Names(), 'web,other/link');
  assert.equal(c.Image(), 'busybox:latest');
  assert.equal(c.Command(), '"sh -c \\"echo a long …"');
  assert.equal(c.RunningFor(), '2 minutes ago');
  assert.equal(c.Labels(), 'a=1,b=2');
  assert.equal(c.Label('a'), '1');
  assert.equal(c.Ports(), '9000-9001/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp');
  assert.equal(c.Networks(), 'bridge');
});

test('displayablePorts groups ranges per IP', () => {
  assert.equal(
    displayablePorts([
      { IP: '0.0.0.0', PrivatePort: 8000, PublicPort: 8000, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 8001, PublicPort: 8001, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
    ]),
    '53/udp, 0.0.0.0:8000-8001->8000-8001/tcp',
  );
  assert.equal(displayablePorts([]), '');
});

test('renderFormat: table header from the template, json and custom lines', () => {
  const rows = [new ContainerContext(summary, true)];
  assert.equal(renderFormat('table {{.ID}}\t{{.Names}}\t{{.Label "a"}}', rows, CONTAINER_HEADER), 'CONTAINER ID   NAMES     LABEL\nef537eadfdd4   web       1\n');
  assert.equal(renderFormat('{{.Names}}: {{.State}}', rows, CONTAINER_HEADER), 'web: running\n');
  const json = JSON.parse(renderFormat('json', rows, CONTAINER_HEADER));
  assert.equal(json.Names, 'web');
  assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort());
  assert.equal(renderFormat('table {{.ID}}', [], CONTAINER_HEADER), 'CONTAINER ID\n');
  assert.throws(() => renderFormat('{{.Nope}}', rows, CONTAINER_HEADER), /template parsing error: template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope in type \*formatter\.ContainerContext/);
  assert.equal(templateString('table {{.ID}}\\t{{.Names}}'), '{{.ID}}\t{{.Names}}');
  assert.equal(chooseFormat({ quiet: true, defaultTable: 'table x' }), '{{.ID}}');
  assert.equal(chooseFormat({ format: 'table', defaultTable: 'table x' }), 'table x');
});

test('stats: CPU and memory percentages as docker computes them', () => {
  const s = computeStats('abc', {
    name: '/web',
    cpu_stats: { cpu_usage: { total_usage: 2_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
    memory_stats: { usage: 10 * 1024 * 1024, limit: 100 * 1024 * 1024, stats: { inactive_file: 2 * 1024 * 1024 } },
    networks: { eth0: { rx_bytes: 1000, tx_bytes: 2000 } } as never,
    blkio_stats: { io_service_bytes_recursive: [{ op: 'read', value: 4096 }, { op: 'write', value: 8192 }] },
    pids_stats: { current: 3 },
  });
  assert.equal(s.cpu, 20);
  assert.equal(s.mem, 8 * 1024 * 1024);
  assert.equal(s.memPerc, 8);
  assert.deepEqual([s.netRx, s.netTx, s.blkRead, s.blkWrite, s.pids, s.name], [1000, 2000, 4096, 8192, 3, 'web']);
});

test("JSON re-indenting keeps the daemon's bytes", () => {
  const raw = '[{"Id":"x","A":[],"B":{},"C":[1,{"d":"\\u003c"}],"E":null}]';
  assert.equal(indentJSON(raw), '[\n    {\n        "Id": "x",\n        "A": [],\n        "B": {},\n        "C": [\n            1,\n            {\n                "d": "\\u003c"\n            }\n        ],\n        "E": null\n    }\n]');
  assert.equal(compactJSON('[ {"a" : 1 ,\n "b": "x y"} ]'), '[{"a":1,"b":"x y"}]');
});

test('events and progress lines', () => {
  const ev = parseMessage<EventMessage>('{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web","image":"busybox"}},"time":1700000000,"timeNano":1700000000123456789}');
  assert.equal(formatEvent(ev), '2023-11-14T22:13:20.123456789Z container start abc (image=busybox, name=web)');
  assert.equal(formatEvent({ Type: 'network', Action: 'create', Actor: { ID: 'n1' }, time: 1700000000 }), '2023-11-14T22:13:20.000000000Z network create n1');
  assert.equal(plainLine({ status: 'Loading layer', progressDetail: { current: 1, total: 2 }, id: 'abc' }), null);
  assert.equal(plainLine({ stream: 'Loaded image: busybox:latest\n' }), 'Loaded image: busybox:latest\n');
  assert.equal(plainLine({ id: 'abc', status: 'Pull complete' }), 'abc: Pull complete\n');
});
