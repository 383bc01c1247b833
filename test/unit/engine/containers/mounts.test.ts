// mounts.ts: -v, --tmpfs, --mount and --volumes-from as runtime mounts and Docker's MountPoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveMounts } from '../../../../src/engine/containers/mounts.ts';
import type { HostConfig } from '../../../../src/engine/containers/record.ts';
import { statusOf } from '../../../../src/api/errors.ts';

const hc = (o: Partial<HostConfig>) => o as HostConfig;

test('binds: host paths (made when missing), modes, propagation; refused specifications', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mounts-'));
  try {
    const src = path.join(dir, 'made');
    const { specs, points } = resolveMounts(hc({ Binds: [`${src}:/data:ro,rshared`] }));
    assert.ok(fs.existsSync(src), '-v creates a missing source directory, as Docker');
    assert.deepEqual(specs[0], { destination: '/data', source: src, type: 'bind', options: ['rbind', 'ro', 'rshared'] });
    assert.deepEqual(points[0], { Type: 'bind', Source: src, Destination: '/data', Mode: 'ro,rshared', RW: false, Propagation: 'rshared' });
    const bad = (b: string, re: RegExp) => assert.throws(() => resolveMounts(hc({ Binds: [b] })), (e: Error) => statusOf(e) === 400 && re.test(e.message));
    bad('/only', /invalid volume specification: '\/only'/);
    bad(`${dir}:rel`, /mount path must be absolute/);
    bad(`${dir}:/x:bogus`, /invalid mode: bogus/);
    assert.throws(() => resolveMounts(hc({ Binds: [`${dir}:/x`], Tmpfs: { '/x': '' } })), /Duplicate mount point: \/x/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tmpfs and --mount', () => {
  const t = resolveMounts(hc({ Tmpfs: { '/run': 'size=1m' }, Mounts: [{ Type: 'tmpfs', Target: '/cache', ReadOnly: true, TmpfsOptions: { SizeBytes: 4096, Mode: 0o700 } }] }));
  assert.deepEqual(t.specs.map((s) => s.options), [
    ['nosuid', 'nodev', 'noexec', 'size=1m'],
    ['nosuid', 'nodev', 'noexec', 'size=4096', 'mode=700', 'ro'],
  ]);
  assert.throws(() => resolveMounts(hc({ Mounts: [{ Type: 'bind', Target: '/x', Source: '/does/not/exist' }] })), /bind source path does not exist: \/does\/not\/exist/);
  assert.throws(() => resolveMounts(hc({ Mounts: [{ Type: 'npipe', Target: '/x' }] })), /invalid mount config for type "npipe": mount type unknown/);
  assert.throws(() => resolveMounts(hc({ Mounts: [{ Type: 'image', Target: '/x' }] })), /mount type "image" is not supported yet/);
  assert.throws(() => resolveMounts(hc({ Binds: ['named:/x'] })), /named volumes are not available/);
});

test('--volumes-from keeps the other container mounts, with the mode asked for', () => {
  const points = [{ Type: 'bind' as const, Source: '/h', Destination: '/d', Mode: '', RW: true, Propagation: 'rprivate' }];
  const specs = [{ destination: '/d', source: '/h', type: 'bind', options: ['rbind', 'rw', 'rprivate'] }];
  const r = resolveMounts(hc({ VolumesFrom: ['other:ro'] }), { volumesFrom: () => ({ points, specs }) });
  assert.deepEqual(r.specs[0].options, ['rbind', 'rprivate', 'ro']);
  assert.equal(r.points[0].RW, false);
  assert.throws(() => resolveMounts(hc({ VolumesFrom: ['other:rx'] }), { volumesFrom: () => ({ points, specs }) }), /invalid mode for volumes-from: rx/);
});
