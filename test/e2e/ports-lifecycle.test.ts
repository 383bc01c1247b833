// End-to-end: a container's published and exposed ports through its life, as inspect and ps show them.
// dockerd fills NetworkSettings.Ports when the container's network is set up and empties it when the
// network is released (moby daemon/container_operations.go releaseNetwork: Ports = nil), so a created
// or stopped container lists no ports, in inspect ({}) or in docker ps. Same expectations on dockerd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

/** The ports bound on the host now (TCP listening, UDP bound; IPv4 and IPv6), from /proc/net. */
function boundPorts(proto: 'tcp' | 'udp'): Set<number> {
  const out = new Set<number>();
  for (const f of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    if (!fs.existsSync(f)) continue;
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || (proto === 'tcp' && cols[3] !== '0A')) continue;
      out.add(parseInt(cols[1]!.split(':').pop()!, 16));
    }
  }
  return out;
}

describe('ports through a container\'s life', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const view = async (n: string) => ({
    inspect: ok(await dk(['inspect', '-f', '{{json .NetworkSettings.Ports}}', n])).trim(),
    ps: ok(await dk(['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.Ports}}'])).trim(),
  });

  test('created and stopped containers list no ports; a running one lists its bindings', T, async () => {
    const n = uniq('ports');
    try {
      ok(await dk(['create', '--name', n, '-p', '127.0.0.1::80', '--expose', '81', t.image, 'sleep', '300']));
      const created = await view(n);
      ok(await dk(['start', n]));
      const running = await view(n);
      ok(await dk(['stop', '-t', '0', n]));
      const stopped = await view(n);
      assert.deepEqual(created, { inspect: '{}', ps: '' });
      assert.match(running.inspect, /"80\/tcp":\[\{"HostIp":"127\.0\.0\.1","HostPort":"\d+"\}\]/);
      assert.match(running.inspect, /"81\/tcp":null/);
      assert.match(running.ps, /^127\.0\.0\.1:\d+->80\/tcp, 81\/tcp$|^81\/tcp, 127\.0\.0\.1:\d+->80\/tcp$/);
      assert.deepEqual(stopped, { inspect: '{}', ps: '' });
    } finally {
      await dk(['rm', '-f', n]);
    }
  });

  test('ports without a host port come in dockerd\'s order: from the start of the ephemeral range, one after the other, per protocol', T, async () => {
    // (the first test of the file publishing on every address: the daemon has handed out no such port yet)
    const [begin, end] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    const reserved = fs.readFileSync('/proc/sys/net/ipv4/ip_local_reserved_ports', 'utf8').trim();
    assert.equal(reserved, '', 'the expectations below assume no reserved ports');
    const tcpBound = boundPorts('tcp');
    const udpBound = boundPorts('udp');
    /** the first port after `after` (wrapping round) that nothing else holds */
    const nextFree = (after: number, bound: Set<number>) => {
      for (let p = after + 1, i = 0; i <= end - begin; i++, p++) {
        if (p > end) p = begin;
        if (!bound.has(p)) return p;
      }
      throw new Error('no free port');
    };
    const hostPort = async (n: string, port: string) => Number(ok(await dk(['inspect', '-f', `{{(index (index .NetworkSettings.Ports "${port}") 0).HostPort}}`, n])).trim());
    const names = [uniq('eph'), uniq('eph'), uniq('eph'), uniq('eph')];
    try {
      ok(await dk(['run', '-d', '--name', names[0]!, '-p', '80', t.image, 'sleep', '300']));
      const p1 = await hostPort(names[0]!, '80/tcp');
      assert.equal(p1, nextFree(end, tcpBound), `the first free port of ${begin}-${end}`);
      ok(await dk(['run', '-d', '--name', names[1]!, '-p', '80', t.image, 'sleep', '300']));
      const p2 = await hostPort(names[1]!, '80/tcp');
      assert.equal(p2, nextFree(p1, tcpBound), 'the next one');
      // a port freed comes round again only after the rest of the range
      ok(await dk(['rm', '-f', names[0]!]));
      ok(await dk(['run', '-d', '--name', names[2]!, '-p', '80', t.image, 'sleep', '300']));
      assert.equal(await hostPort(names[2]!, '80/tcp'), nextFree(p2, tcpBound), 'after the last one given, not the one freed');
      // UDP has its own order
      ok(await dk(['run', '-d', '--name', names[3]!, '-p', '53/udp', t.image, 'sleep', '300']));
      assert.equal(await hostPort(names[3]!, '53/udp'), nextFree(end, udpBound), 'UDP: the first free port of the range');
    } finally {
      await dk(['rm', '-f', ...names]);
    }
  });
});
