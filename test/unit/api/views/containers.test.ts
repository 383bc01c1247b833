import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectView } from '../../../../src/api/views/containers.ts';
import type { ContainerRecord } from '../../../../src/engine/containers/record.ts';

const record = (over: { HostConfig?: object; Config?: object; Mounts?: object[]; started?: boolean } = {}) =>
  ({
    Id: 'a'.repeat(64),
    Created: '2026-01-01T00:00:00Z',
    Path: 'sh',
    Args: [],
    State: { Status: 'created', Running: false, StartedAt: over.started ? '2026-01-01T00:00:01Z' : '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
    Image: 'sha256:' + 'b'.repeat(64),
    ResolvConfPath: '/r',
    HostnamePath: '/h',
    HostsPath: '/hs',
    LogPath: '/l',
    Name: '/x',
    RestartCount: 0,
    ExecIDs: [],
    HostConfig: { ShmSize: 0, IpcMode: '', PidsLimit: 0, MemorySwappiness: -1, MaskedPaths: null, ReadonlyPaths: null, ...over.HostConfig },
    Config: { Volumes: {}, ...over.Config },
    Mounts: over.Mounts ?? [],
  }) as unknown as ContainerRecord;
const graph = { UpperDir: '', MergedDir: '', WorkDir: '' };

test('inspect: Go struct order with omitempty fields in their place or left out', () => {
  const v = inspectView(record({ Config: { Healthcheck: { Test: ['NONE'] }, ExposedPorts: { '80/tcp': {} }, StopTimeout: 0, Shell: [], StopSignal: '' }, HostConfig: { Init: false, Tmpfs: {}, Sysctls: { a: '1' } } }), graph);
  const keys = Object.keys(JSON.parse(JSON.stringify(v.Config)));
  assert.deepEqual(keys.filter((k) => ['AttachStderr', 'ExposedPorts', 'Tty', 'Cmd', 'Healthcheck', 'Image', 'Labels', 'StopTimeout'].includes(k)), ['AttachStderr', 'ExposedPorts', 'Tty', 'Cmd', 'Healthcheck', 'Image', 'Labels', 'StopTimeout']);
  assert.ok(!keys.includes('Shell') && !keys.includes('StopSignal'));
  const hc = Object.keys(JSON.parse(JSON.stringify(v.HostConfig)));
  assert.ok(!hc.includes('Tmpfs'));
  assert.deepEqual(hc.filter((k) => ['ShmSize', 'Sysctls', 'Runtime', 'ReadonlyPaths', 'Init'].includes(k)), ['ShmSize', 'Sysctls', 'Runtime', 'ReadonlyPaths', 'Init']);
});

test('inspect: the daemon\'s defaults where the CLI sent "unset"; no paths before the first start; an empty Volumes is null', () => {
  const v = inspectView(record(), graph);
  const hc = v.HostConfig as Record<string, unknown>;
  assert.deepEqual([hc.ShmSize, hc.IpcMode, hc.PidsLimit, hc.MemorySwappiness, (hc.MaskedPaths as string[]).length > 0], [67108864, 'private', null, null, true]);
  assert.deepEqual([v.ResolvConfPath, v.HostnamePath, v.HostsPath, v.LogPath], ['', '', '', '']);
  assert.equal(v.Config.Volumes, null);
  assert.equal(inspectView(record({ started: true }), graph).HostsPath, '/hs');
});

test('inspect: a --tmpfs is no mount point, a --mount type=tmpfs is', () => {
  const m = (d: string) => ({ Type: 'tmpfs', Source: '', Destination: d, Mode: '', RW: true, Propagation: '' });
  const v = inspectView(record({ HostConfig: { Tmpfs: { '/t': '' } }, Mounts: [m('/t'), m('/m')] }), graph);
  assert.deepEqual(v.Mounts.map((x) => x.Destination), ['/m']);
});
