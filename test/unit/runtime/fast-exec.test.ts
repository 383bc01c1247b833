// What the exec helper is given (fast-exec.ts): the execs it takes and the ones it leaves to runc,
// and the seccomp profile's line format (actions and operators as libseccomp numbers them).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fastExecSpec, seccompProfileText, forgetFastExec } from '../../../src/runtime/fast-exec.ts';
import type { OciProcess, OciSpec } from '../../../src/runtime/oci.ts';

const pid = process.pid;
const state = (extra: Record<string, unknown> = {}, cfg: Record<string, unknown> = {}) => ({
  init_process_pid: pid,
  init_process_start: 123,
  cgroup_paths: { memory: '/sys/fs/cgroup/memory/x', cpu: '/sys/fs/cgroup/cpu/x' },
  namespace_paths: { NEWNET: `/proc/${pid}/ns/net`, NEWPID: `/proc/${pid}/ns/pid`, NEWNS: `/proc/${pid}/ns/mnt` },
  config: { namespaces: [{ type: 'NEWNS' }, { type: 'NEWNET' }, { type: 'NEWPID' }], ...cfg },
  ...extra,
});

describe('the exec helper spec', () => {
  let dir: string;
  let n = 0;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fast-exec-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const proc = (o: Partial<OciProcess> = {}): OciProcess => ({ terminal: false, user: { uid: 1000, gid: 1000, additionalGids: [10] }, args: ['sh', '-c', 'x'], env: ['PATH=/bin', 'A=b'], cwd: '/w', capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'] }, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }], ...o });
  const spec = (linux: Record<string, unknown> = {}, process: Record<string, unknown> = {}) => ({ process: { oomScoreAdj: 5, ...process }, root: { path: '/' }, linux }) as unknown as OciSpec;
  function make(st: object, p: OciProcess = proc(), s: OciSpec = spec(), groupFile?: string) {
    const id = `c${++n}`;
    fs.mkdirSync(path.join(dir, id));
    fs.writeFileSync(path.join(dir, id, 'state.json'), JSON.stringify(st));
    forgetFastExec(id);
    return fastExecSpec({ id, runcRoot: dir, bundle: dir, spec: s, process: p, pidFile: '/p', logFile: '/l', groupFile });
  }
  const pairs = (s: string) => {
    const body = s.slice(s.indexOf('\n') + 1).split('\0');
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < body.length; i += 2) out.push([body[i]!, body[i + 1]!]);
    return out;
  };

  test('an ordinary exec: every field in the spec, namespaces in runc order, length first', () => {
    const r = make(state());
    assert.ok(r.spec, r.unsupported);
    const [len, rest] = [r.spec!.slice(0, r.spec!.indexOf('\n')), r.spec!.slice(r.spec!.indexOf('\n') + 1)];
    assert.equal(Number(len), Buffer.byteLength(rest));
    const kv = pairs(r.spec!);
    const get = (k: string) => kv.filter(([a]) => a === k).map(([, v]) => v);
    assert.deepEqual(get('ns'), ['net', 'pid', 'mnt']);
    assert.deepEqual(get('cgroup'), ['/sys/fs/cgroup/memory/x', '/sys/fs/cgroup/cpu/x']);
    assert.deepEqual(get('rlimit'), ['7 1024 2048']);
    assert.deepEqual(get('oom'), ['5']);
    assert.deepEqual(get('keyring'), [`_ses.c${n}`]);
    assert.deepEqual(get('uid'), ['1000']);
    assert.deepEqual(get('group'), ['10']);
    assert.deepEqual(get('cap0'), [String((1 << 0) | (1 << 5))]);
    assert.deepEqual(get('cap1'), ['0']);
    assert.deepEqual(get('arg'), ['sh', '-c', 'x']);
    assert.deepEqual(get('env'), ['PATH=/bin', 'A=b']);
    assert.deepEqual(get('nnp'), []);
    assert.deepEqual(get('bpf'), []);
  });

  test('an unlimited rlimit (--ulimit core=-1) is RLIM_INFINITY, as runc reads it', () => {
    const r = make(state(), proc({ rlimits: [{ type: 'RLIMIT_CORE', soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY }] }));
    assert.ok(r.spec, r.unsupported);
    assert.deepEqual(pairs(r.spec!).filter(([k]) => k === 'rlimit').map(([, v]) => v), ['4 18446744073709551615 18446744073709551615']);
  });

  test('what runc must do: user namespace, LSM labels, a terminal, unknown fields, other namespace paths', () => {
    assert.match(make(state({}, { namespaces: [{ type: 'NEWUSER' }, { type: 'NEWNS' }] })).unsupported!, /user namespace/);
    assert.match(make(state({}, { process_label: 'x' })).unsupported!, /LSM/);
    assert.match(make(state(), proc({ apparmorProfile: 'docker-default' })).unsupported!, /process fields/);
    assert.match(make(state(), proc({ terminal: true })).unsupported!, /terminal/);
    assert.match(make(state(), proc({ selinuxLabel: 'x' })).unsupported!, /process fields/);
    assert.match(make(state(), proc(), spec({}, { apparmorProfile: 'p' })).unsupported!, /LSM/);
    assert.match(make(state(), proc(), spec({ personality: { domain: 'LINUX32' } })).unsupported!, /personality/);
    assert.match(make(state({ namespace_paths: { NEWNET: '/run/netns/x' } })).unsupported!, /namespace path/);
    assert.match(make(state(), proc({ rlimits: [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }] })).unsupported!, /rlimit/);
    assert.match(make(state(), proc({ env: ['A=\0'] })).unsupported!, /NUL/);
    assert.match(make(state(), proc({ user: { uid: 2 ** 31, gid: 0 } })).unsupported!, /out of range/);
    assert.match(make(state(), proc(), spec(), 'wheel:x:10:\n10:x:50:\n').unsupported!, /named like a gid/);
    assert.ok(make(state(), proc(), spec(), 'wheel:x:10:\n').spec);
    assert.ok(fastExecSpec({ id: 'nosuch', runcRoot: dir, bundle: dir, spec: spec(), process: proc(), pidFile: '/p', logFile: '/l' }).unsupported);
  });

  test('seccomp: the cache path, and the profile text only while there is no cache', () => {
    const sc = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
    const r = make(state(), proc(), spec({ seccomp: sc }));
    const kv = pairs(r.spec!);
    const bpf = kv.find(([k]) => k === 'bpf')![1];
    assert.match(bpf, /seccomp-[0-9a-f]{16}\.bpf$/);
    assert.ok(kv.some(([k]) => k === 'seccomp'));
    fs.writeFileSync(bpf, 'x');
    assert.ok(!pairs(make(state(), proc(), spec({ seccomp: sc })).spec!).some(([k]) => k === 'seccomp'));
  });
});

describe('the seccomp profile lines', () => {
  test('actions, errno, arches, conditions as libseccomp numbers them', () => {
    const r = seccompProfileText({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    });
    assert.equal(
      r.text,
      ['default 327681', 'stub 1', 'arch x86_64', 'arch x86', 'arch x32', 'rule read 2147418112 0', 'rule write 2147418112 0', 'rule clone3 327718 0', 'rule personality 2147418112 1 0 4 4294967295 0', 'rule clone 2147418112 1 0 7 2114060288 0', 'rule kill 2147483648 0', ''].join('\n'),
    );
    // an allowing default: no ENOSYS stub (runc's patchbpf)
    assert.match(seccompProfileText({ defaultAction: 'SCMP_ACT_ALLOW' }).text!, /^stub 0$/m);
    assert.match(seccompProfileText({ defaultAction: 'SCMP_ACT_LOG' }).text!, /^stub 0$/m);
  });

  test('what the helper leaves to runc', () => {
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_NOTIFY' }).unsupported);
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['x'], action: 'SCMP_ACT_NOTIFY' }] }).unsupported);
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_LOG'] } as never).unsupported);
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_ERRNO', listenerPath: '/x' } as never).unsupported);
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_S390X'] }).unsupported);
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 70000 }).unsupported);
    assert.ok(seccompProfileText({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }).unsupported);
  });
});
