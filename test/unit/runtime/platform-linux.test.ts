// src/platform/linux helpers used by the runtime.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cgroupLayout, parseProcCgroup } from '../../../src/platform/linux/cgroups.ts';
import { parseLimits, clampRlimit, hostRlimits } from '../../../src/platform/linux/rlimits.ts';
import { capsFromMask, hostCapabilities } from '../../../src/platform/linux/capabilities.ts';
import { majorOf, minorOf } from '../../../src/platform/linux/devices.ts';
import { secureJoin, readFileInRoot } from '../../../src/platform/linux/securejoin.ts';
import { runtimeMessage } from '../../../src/runtime/conmon.ts';
import { tempDir } from './rootfs.ts';

const dir = tempDir('berth-plat-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('cgroup layout: v2 only when /sys/fs/cgroup itself is cgroup2', () => {
  const l = cgroupLayout();
  const isV2 = Number(fs.statfsSync('/sys/fs/cgroup').type) === 0x63677270;
  assert.equal(l.version, isV2 ? 2 : 1);
  if (!isV2) {
    assert.equal(l.mode, fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? 'hybrid' : 'legacy');
    assert.ok(l.controllers.memory);
  }
  assert.deepEqual(parseProcCgroup('4:memory:/a/b\n2:cpu,cpuacct:/\n0::/x\n'), { memory: '/a/b', cpu: '/', cpuacct: '/', '': '/x' });
});

test('rlimits: parse /proc/self/limits, clamp to the hard limit', () => {
  const text = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 20000                files
Max realtime timeout      unlimited            unlimited            us
`;
  const l = parseLimits(text);
  assert.deepEqual(l.RLIMIT_NOFILE, { soft: 1024, hard: 20000 });
  assert.deepEqual(l.RLIMIT_CPU, { soft: Infinity, hard: Infinity });
  assert.ok(l.RLIMIT_RTTIME);
  assert.deepEqual(clampRlimit({ soft: 1048576, hard: 1048576 }, l.RLIMIT_NOFILE), { soft: 20000, hard: 20000 });
  assert.deepEqual(clampRlimit({ soft: 100, hard: 200 }, l.RLIMIT_NOFILE), { soft: 100, hard: 200 });
  assert.ok(hostRlimits().RLIMIT_NOFILE.hard > 0);
});

test('capabilities from a mask', () => {
  assert.deepEqual(capsFromMask('3'), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
  assert.equal(capsFromMask('000001fffeffffff').length, 40);
  assert.ok(!capsFromMask('000001fffeffffff').includes('CAP_SYS_RESOURCE'));
  assert.ok(hostCapabilities().includes('CAP_CHOWN'));
});

test('device numbers', () => {
  const rdev = BigInt(fs.statSync('/dev/null', { bigint: true }).rdev);
  assert.equal(majorOf(rdev), 1);
  assert.equal(minorOf(rdev), 3);
});

test('secureJoin keeps symlinks inside the root', () => {
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(root, 'real'), { recursive: true });
  fs.writeFileSync(path.join(root, 'real/passwd'), 'inside');
  fs.symlinkSync('/real/passwd', path.join(root, 'etc/passwd'));
  fs.symlinkSync('/etc/shadow-', path.join(root, 'etc/shadow'));
  fs.symlinkSync('loop', path.join(root, 'loop'));
  fs.symlinkSync('../../../../../etc', path.join(root, 'up'));
  assert.equal(readFileInRoot(root, '/etc/passwd'), 'inside');
  assert.equal(secureJoin(root, '/etc/shadow'), path.join(root, 'etc/shadow-'));
  assert.throws(() => secureJoin(root, '/loop'), /too many symlinks/);
  assert.equal(secureJoin(root, '/up/hostname'), path.join(root, 'etc/hostname'));
  assert.equal(secureJoin(root, '../../x'), path.join(root, 'x'));
  assert.equal(readFileInRoot(root, '/etc/group'), undefined);
});

test('runtime error text: the message of runc\'s last error line', () => {
  assert.equal(
    runtimeMessage('time="2026-01-01T00:00:00Z" level=error msg="runc create failed: unable to start container process: exec: \\"x\\": executable file not found in $PATH"\n'),
    'runc create failed: unable to start container process: exec: "x": executable file not found in $PATH',
  );
  assert.equal(runtimeMessage('{"level":"error","msg":"boom","time":"x"}\n'), 'boom');
  assert.equal(runtimeMessage('plain failure\n'), 'plain failure');
});
