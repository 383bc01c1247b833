// Berth's default seccomp profile decides as Docker's default profile does: the same answer for
// every system call (with sample arguments for those allowed by argument) under a range of
// capability sets, architectures and kernels. fixtures/docker-seccomp-default.json is Docker's
// profile as vendored by moby (github.com/moby/profiles/seccomp v0.2.3, Apache-2.0); it is read
// here with a resolver of its own, so that the comparison does not go through Berth's converter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSeccomp, ENOSYS, EPERM } from '../../../src/runtime/seccomp-default.ts';
import { containerSeccomp, dockerProfileToOci, type OciSeccomp } from '../../../src/runtime/seccomp.ts';

const UPSTREAM_TEXT = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'docker-seccomp-default.json'), 'utf8');
const UPSTREAM = JSON.parse(UPSTREAM_TEXT) as {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap: { architecture: string; subArchitectures: string[] | null }[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: { index: number; value: number; valueTwo?: number; op: string }[] | null; includes?: Cond; excludes?: Cond }[];
};
interface Cond {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', s390x: 's390x', riscv64: 'riscv64' };
const NATIVE: Record<string, string> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', s390x: 'SCMP_ARCH_S390X', riscv64: 'SCMP_ARCH_RISCV64' };

/** moby's setupSeccomp, written again for the test. */
function upstreamFor(caps: string[], nodeArch: string, kernel: [number, number]): OciSeccomp {
  const arch = GOARCH[nodeArch]!;
  const geq = (v: string) => {
    const [a, b] = v.split('.').map(Number) as [number, number];
    return kernel[0] > a || (kernel[0] === a && kernel[1] >= b);
  };
  const m = UPSTREAM.archMap.find((x) => x.architecture === NATIVE[arch]);
  const syscalls = UPSTREAM.syscalls.filter((s) => {
    const e = s.excludes ?? {};
    const i = s.includes ?? {};
    if (e.arches?.includes(arch) || e.caps?.some((c) => caps.includes(c)) || (e.minKernel && geq(e.minKernel))) return false;
    if ((i.arches?.length && !i.arches.includes(arch)) || (i.caps?.length && !i.caps.every((c) => caps.includes(c))) || (i.minKernel && !geq(i.minKernel))) return false;
    return true;
  });
  return { defaultAction: UPSTREAM.defaultAction, defaultErrnoRet: UPSTREAM.defaultErrnoRet, architectures: m ? [m.architecture, ...(m.subArchitectures ?? [])] : [], syscalls: syscalls.map((s) => ({ names: s.names, action: s.action, errnoRet: s.errnoRet, args: s.args ?? undefined })) };
}

/** What the filter answers for one call: "allow" or "errno N" (libseccomp's matching). */
function decide(p: OciSeccomp, name: string, args: number[]): string {
  const cmp = (a: { index: number; value: number; valueTwo?: number; op: string }) => {
    const x = args[a.index] ?? 0;
    switch (a.op) {
      case 'SCMP_CMP_EQ':
        return x === a.value;
      case 'SCMP_CMP_NE':
        return x !== a.value;
      case 'SCMP_CMP_LT':
        return x < a.value;
      case 'SCMP_CMP_LE':
        return x <= a.value;
      case 'SCMP_CMP_GT':
        return x > a.value;
      case 'SCMP_CMP_GE':
        return x >= a.value;
      case 'SCMP_CMP_MASKED_EQ':
        return Number(BigInt(x) & BigInt(a.value)) === (a.valueTwo ?? 0);
      default:
        throw new Error(`op ${a.op}`);
    }
  };
  const render = (action: string, errno: number | undefined) => (action === 'SCMP_ACT_ALLOW' ? 'allow' : action === 'SCMP_ACT_ERRNO' ? `errno ${errno ?? EPERM}` : action);
  const hits = new Set((p.syscalls ?? []).filter((r) => r.names.includes(name) && (r.args ?? []).every(cmp)).map((r) => render(r.action, r.errnoRet)));
  assert.ok(hits.size <= 1, `${name}(${args}) matches rules with different actions: ${[...hits]}`);
  return [...hits][0] ?? render(p.defaultAction, p.defaultErrnoRet);
}

const DOCKER_DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const EXTRA_CAPS = ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_TIME', 'CAP_SYS_MODULE', 'CAP_SYS_BOOT', 'CAP_SYS_PACCT', 'CAP_SYS_RAWIO', 'CAP_SYS_NICE', 'CAP_SYSLOG', 'CAP_BPF', 'CAP_PERFMON', 'CAP_DAC_READ_SEARCH', 'CAP_SYS_TTY_CONFIG'];
const CAP_SETS: string[][] = [[], DOCKER_DEFAULT_CAPS, ...EXTRA_CAPS.map((c) => [...DOCKER_DEFAULT_CAPS, c]), [...DOCKER_DEFAULT_CAPS, ...EXTRA_CAPS], ['CAP_SYS_ADMIN']];

/** Sample first arguments for the calls allowed by argument; everything else is tried with 0. */
const ARG_SAMPLES: Record<string, number[]> = {
  personality: [0, 8, 0x20000, 0x20008, 0xffffffff, 0x400000, 0x40000, 1, 0x28],
  socket: [1, 2, 10, 16, 17, 37, 38, 39, 40, 41, 44, 45],
  clone: [0x11, 0x3d0f00, 0x20000, 0x10000000, 0x40000000, 0x02000000, 0x80, 0x20000000 | 0x11, 0x7e020000],
};
const NAMES = [
  ...new Set([
    ...UPSTREAM.syscalls.flatMap((s) => s.names),
    ...(defaultSeccomp(EXTRA_CAPS, 'x64').syscalls ?? []).flatMap((s) => s.names),
    ...['io_uring_setup', 'io_uring_enter', 'io_uring_register', 'kexec_load', 'kexec_file_load', 'add_key', 'keyctl', 'request_key', 'userfaultfd', 'swapon', 'swapoff', 'pivot_root'],
    ...['uselib', 'vm86', 'vm86old', 'ustat', 'sysfs', '_sysctl', 'create_module', 'get_kernel_syms', 'query_module', 'nfsservctl', 'no_such_call_yet'],
  ]),
].sort();

test('the default profile leaves out x32 only where the kernel cannot run x32 programs', () => {
  assert.deepEqual(defaultSeccomp([], 'x64', [6, 1], true).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(defaultSeccomp([], 'x64', [6, 1], false).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(defaultSeccomp([], 'arm64', [6, 1], false).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

test('the default profile decides every system call as Docker\'s, for each capability set, architecture and kernel', () => {
  let compared = 0;
  for (const nodeArch of ['x64', 'arm64', 's390x', 'riscv64']) {
    for (const kernel of [[6, 1], [4, 4]] as [number, number][]) {
      for (const caps of CAP_SETS) {
        // on a kernel with the x32 ABI, x32 is covered as in Docker's profile
        const mine = defaultSeccomp(caps, nodeArch, kernel, true);
        const theirs = upstreamFor(caps, nodeArch, kernel);
        assert.deepEqual(mine.architectures, theirs.architectures, `architectures on ${nodeArch}`);
        for (const name of NAMES) {
          for (const v of ARG_SAMPLES[name] ?? [0]) {
            const args = name === 'clone' && nodeArch === 's390x' ? [0, v] : [v, 0];
            assert.equal(decide(mine, name, args), decide(theirs, name, args), `${name}(${args.join(', ')}) on ${nodeArch}, kernel ${kernel.join('.')}, caps [${caps.join(' ')}]`);
            compared++;
          }
        }
      }
    }
  }
  assert.ok(compared > 50_000, `only ${compared} decisions compared`);
});

test('the decisions the issue names: io_uring and unknown calls refused, clone without namespaces, linux32', () => {
  const p = defaultSeccomp(DOCKER_DEFAULT_CAPS, 'x64', [6, 1]);
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, EPERM);
  for (const n of ['io_uring_setup', 'io_uring_enter', 'io_uring_register', 'no_such_call_yet', 'unshare', 'mount', 'keyctl', 'bpf']) assert.equal(decide(p, n, [0]), 'errno 1', n);
  assert.equal(decide(p, 'clone3', [0]), `errno ${ENOSYS}`);
  assert.equal(decide(p, 'clone', [0x11]), 'allow');
  assert.equal(decide(p, 'clone', [0x10000000 | 0x11]), 'errno 1');
  assert.equal(decide(p, 'personality', [8]), 'allow');
  assert.equal(decide(p, 'personality', [0x400000]), 'errno 1');
  const admin = defaultSeccomp([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN'], 'x64', [6, 1]);
  assert.equal(decide(admin, 'clone', [0x10000000]), 'allow');
  assert.equal(decide(admin, 'unshare', [0]), 'allow');
});

test('custom profiles: Docker\'s own default.json given with --security-opt resolves to the same filter as the built-in one', () => {
  for (const caps of [DOCKER_DEFAULT_CAPS, [...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN']]) {
    const custom = dockerProfileToOci(UPSTREAM_TEXT, caps, 'x64', [6, 1]);
    const builtin = defaultSeccomp(caps, 'x64', [6, 1]);
    for (const name of NAMES) for (const v of ARG_SAMPLES[name] ?? [0]) assert.equal(decide(custom, name, [v]), decide(builtin, name, [v]), name);
  }
  assert.throws(() => dockerProfileToOci('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}', []), /both 'architectures' and 'archMap'/);
  assert.equal(containerSeccomp(['seccomp=unconfined'], false, []), undefined);
  assert.equal(containerSeccomp([], true, []), undefined);
  assert.equal(containerSeccomp([], false, [])?.defaultAction, 'SCMP_ACT_ERRNO');
});

test('a container\'s default profile is the one made for its capability set, made once and shared unchangeable', () => {
  const caps = ['CAP_CHOWN', 'CAP_KILL'];
  const a = containerSeccomp([], false, caps)!;
  assert.deepEqual(a, defaultSeccomp(caps));
  assert.equal(containerSeccomp(['seccomp=builtin'], false, [...caps]), a);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.syscalls) && Object.isFrozen(a.syscalls![0].names));
  assert.throws(() => (a.syscalls as unknown as unknown[]).push({}));
  const admin = containerSeccomp([], false, [...caps, 'CAP_SYS_ADMIN'])!;
  assert.notEqual(admin, a);
  assert.deepEqual(admin, defaultSeccomp([...caps, 'CAP_SYS_ADMIN']));
  assert.equal(containerSeccomp(['seccomp=unconfined'], false, caps), undefined);
  assert.equal(containerSeccomp([], true, caps), undefined);
});
