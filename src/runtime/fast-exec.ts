// An exec without a terminal in a runc container, run by native/berth-exec instead of `runc exec`:
// the same steps as runc 1.1 takes (see the helper's header), without runc's two Go processes and
// the libseccomp compile runc does on every exec (the container's profile is compiled once and the
// BPF cached beside its bundle). docker exec C true: 16 ms in runc without seccomp, 27 ms with
// Docker's default profile; the helper is a fork and a few system calls.
//
// The helper does only what runc does for the exec's process, and only the fields listed here: an
// exec with anything else (a user namespace, an AppArmor or SELinux label, a field of the process
// or of the container's seccomp we do not know) goes to runc, never with a field dropped. When the
// helper is not built (no gcc or libseccomp-dev when npm ci ran) runc runs every exec, said once.
// BERTH_FAST_EXEC=0 in berthd's environment turns the helper off (tests compare both paths).
//
// The OCI fields that apply to an exec, and who does them:
// Only for runc 1.1 (its version asked once), whose exec this is.
//   process.args, env, cwd            helper (Go 1.19's LookPath with the process's PATH; Go's
//                                     Setenv for a repeated name; runc's chdir errors)
//   process.user.uid/gid/additionalGids  helper (HOME from the container's /etc/passwd when unset)
//   process.user.umask/username       runc (berthd sets neither)
//   process.capabilities (5 sets)     helper; names runc does not know are ignored by both
//   process.rlimits                   helper (set by the parent, as runc's prlimit)
//   process.noNewPrivileges           helper
//   process.oomScoreAdj               helper writes the container's, as runc 1.1 does for an exec
//   process.terminal, consoleSize     runc (under conmon)
//   process.apparmorProfile, selinuxLabel, ioPriority, scheduler, execCPUAffinity, anything else: runc
//   linux.namespaces                  helper joins ipc uts net pid mnt cgroup at the init's paths
//                                     (as runc's state has them); user (and any other type): runc
//   linux.uid/gidMappings, personality, intelRdt, mountLabel; rootless; LSM labels in the state: runc
//   cgroups                           helper writes the pid into every path of runc's state
//   linux.seccomp                     helper (compiled once per profile, runc's ENOSYS stub);
//                                     flags, listenerPath, SCMP_ACT_NOTIFY, other arches: runc
//   session keyring (_ses.ID unless no_new_keyring)  helper
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { RLIM_INFINITY, type OciProcess, type OciSpec } from './oci.ts';
import { CAPABILITY_NAMES } from '../platform/linux/capabilities.ts';
import { RLIMIT_TYPES } from '../platform/linux/rlimits.ts';
import type { OciSeccomp } from './seccomp.ts';
import { log } from '../util/log.ts';

const HELPER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/berth-exec');

let helperChecked: string | null | undefined;
let helperBuild = '';

/** The helper's path, or null when execs go to runc (the reason logged the first time). */
export function fastExecHelper(): string | null {
  if (helperChecked !== undefined) return helperChecked;
  if (process.env.BERTH_FAST_EXEC === '0') {
    log.info('exec: BERTH_FAST_EXEC=0, every exec runs through runc exec');
    return (helperChecked = null);
  }
  try {
    fs.accessSync(HELPER, fs.constants.X_OK);
    const st = fs.statSync(HELPER);
    // (a rebuilt helper, maybe with another libseccomp, compiles the profiles anew)
    helperBuild = `${st.mtimeMs}:${st.size}`;
    helperChecked = HELPER;
  } catch {
    log.info(`exec: ${HELPER} is not built (gcc and libseccomp-dev are needed: sh native/build.sh), every exec runs through runc exec`);
    helperChecked = null;
  }
  return helperChecked;
}

const runcVersions = new Map<string, string>();

/** The helper does what runc 1.1 does; another runc (1.2 changed what an exec gets) keeps its execs.
 * Asked once per binary (about 10 ms, on the first exec). */
export function runcIsOneOne(runcPath: string): boolean {
  let v = runcVersions.get(runcPath);
  if (v === undefined) {
    const r = spawnSync(runcPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    v = /^runc version (\S+)/m.exec(r.stdout ?? '')?.[1] ?? '';
    runcVersions.set(runcPath, v);
    if (!/^1\.1\./.test(v)) log.info(`exec: ${runcPath} is runc ${v || '(unknown version)'}, not 1.1: its execs run through runc exec`);
  }
  return /^1\.1\./.test(v);
}

/** runc's order of joining (configs.NamespaceTypes), in the names of /proc/PID/ns. */
const NS_ORDER: [string, string][] = [
  ['NEWIPC', 'ipc'],
  ['NEWUTS', 'uts'],
  ['NEWNET', 'net'],
  ['NEWPID', 'pid'],
  ['NEWNS', 'mnt'],
  ['NEWCGROUP', 'cgroup'],
];

/** What the helper needs of runc's state.json, kept while the file is unchanged. */
interface InitState {
  key: string;
  pid: number;
  start: number;
  cgroups: string[];
  ns: string[];
  keyring?: string;
  /** why runc must do it, if it must */
  unsupported?: string;
}
const states = new Map<string, InitState>();
const MAX_STATES = 1024;

function initState(runcRoot: string, id: string): InitState | undefined {
  const file = path.join(runcRoot, id, 'state.json');
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  const key = `${st.ino}:${st.mtimeMs}:${st.size}`;
  const known = states.get(id);
  if (known?.key === key) return known;
  let s: any;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const cfg = s.config ?? {};
  const types = new Set<string>((cfg.namespaces ?? []).map((n: { type: string }) => n.type));
  let unsupported: string | undefined;
  if (types.has('NEWUSER') || cfg.uid_mappings?.length || cfg.gid_mappings?.length) unsupported = 'a user namespace';
  else if ([...types].some((t) => !NS_ORDER.some(([k]) => k === t))) unsupported = `a namespace the helper does not join (${[...types].join(',')})`;
  else if (cfg.process_label || cfg.app_armor_profile) unsupported = 'an LSM label';
  else if (cfg.rootless_euid || cfg.rootless_cgroups || s.rootless) unsupported = 'a rootless container';
  else if (cfg.intel_rdt) unsupported = 'Intel RDT';
  else if (s.intel_rdt_path) unsupported = 'Intel RDT';
  const ns = NS_ORDER.filter(([k]) => types.has(k)).map(([, n]) => n);
  const paths = (s.namespace_paths ?? {}) as Record<string, string>;
  // (runc joins the paths of its state: the init's own, or the ones it was given to share)
  const pid = Number(s.init_process_pid) || 0;
  for (const [k, n] of NS_ORDER) {
    const p = paths[k];
    if (types.has(k) && p !== undefined && p !== `/proc/${pid}/ns/${n}`) unsupported ??= `namespace path ${p}`;
  }
  const cgroups = Object.values((s.cgroup_paths ?? {}) as Record<string, string>);
  const v: InitState = { key, pid, start: Number(s.init_process_start) || 0, cgroups, ns, keyring: cfg.no_new_keyring ? undefined : `_ses.${id}`, unsupported };
  states.delete(id);
  states.set(id, v);
  // (bounded: the oldest container's entry goes first, read again if it execs again)
  if (states.size > MAX_STATES) states.delete(states.keys().next().value!);
  return v;
}

export function forgetFastExec(id: string): void {
  states.delete(id);
}


/** A capability list as the helper's mask; names runc does not know it ignores (with a warning), so do we. */
function capMask(names: string[] | undefined): bigint {
  let m = 0n;
  for (const n of names ?? []) {
    const i = CAPABILITY_NAMES.indexOf(`CAP_${n.toUpperCase().replace(/^CAP_/, '')}`);
    if (i >= 0) m |= 1n << BigInt(i);
  }
  return m;
}


/** A limit as the helper reads it (strtoull): unlimited is RLIM_INFINITY. */
const rlimitValue = (n: number) => (n === Number.POSITIVE_INFINITY ? RLIM_INFINITY : BigInt(n));

// ---- seccomp -------------------------------------------------------------------------------------

const ACTIONS: Record<string, (errno?: number) => number> = {
  SCMP_ACT_KILL: () => 0,
  SCMP_ACT_KILL_THREAD: () => 0,
  SCMP_ACT_KILL_PROCESS: () => 0x80000000,
  SCMP_ACT_TRAP: () => 0x00030000,
  SCMP_ACT_ERRNO: (e = 1) => (0x00050000 | (e & 0xffff)) >>> 0,
  SCMP_ACT_TRACE: (e = 1) => (0x7ff00000 | (e & 0xffff)) >>> 0,
  SCMP_ACT_LOG: () => 0x7ffc0000,
  SCMP_ACT_ALLOW: () => 0x7fff0000,
};
const ALLOWISH = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);
const OPS: Record<string, number> = { SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7 };
const ARCHES = new Set(['x86', 'x86_64', 'x32', 'arm', 'aarch64', 'mips', 'mips64', 'mips64n32', 'mipsel', 'mipsel64', 'mipsel64n32', 'ppc', 'ppc64', 'ppc64le', 'riscv64']);

const only = (o: object, keys: string[]) => Object.keys(o).every((k) => keys.includes(k) || (o as any)[k] === undefined);
const errnoOk = (e: unknown) => e === undefined || (Number.isInteger(e) && (e as number) >= 0 && (e as number) <= 32767);

/** The profile in the helper's line format, or a reason runc must load it. */
export function seccompProfileText(sc: OciSeccomp): { text?: string; unsupported?: string } {
  if (!only(sc, ['defaultAction', 'defaultErrnoRet', 'architectures', 'syscalls'])) return { unsupported: `seccomp fields ${Object.keys(sc).join(',')}` };
  const act = (a: string, e?: number) => (ACTIONS[a] && errnoOk(e) ? ACTIONS[a](e) : undefined);
  const def = act(sc.defaultAction, sc.defaultErrnoRet);
  if (def === undefined) return { unsupported: `seccomp default action ${sc.defaultAction}` };
  // (runc's patchbpf compares the errno with the whole action value: never equal in practice)
  const stub = !ALLOWISH.has(sc.defaultAction) && sc.defaultErrnoRet !== ACTIONS.SCMP_ACT_ERRNO(38);
  const lines = [`default ${def}`, `stub ${stub ? 1 : 0}`];
  for (const a of sc.architectures ?? []) {
    const name = a.replace(/^SCMP_ARCH_/, '').toLowerCase();
    if (!ARCHES.has(name)) return { unsupported: `seccomp architecture ${a}` };
    lines.push(`arch ${name}`);
  }
  for (const call of sc.syscalls ?? []) {
    if (!only(call, ['names', 'action', 'errnoRet', 'args'])) return { unsupported: `seccomp rule fields ${Object.keys(call).join(',')}` };
    const a = act(call.action, call.errnoRet);
    if (a === undefined) return { unsupported: `seccomp action ${call.action}` };
    const conds: string[] = [];
    for (const c of call.args ?? []) {
      if (!only(c, ['index', 'value', 'valueTwo', 'op']) || OPS[c.op] === undefined || !(c.index >= 0 && c.index <= 5)) return { unsupported: `seccomp argument ${JSON.stringify(c)}` };
      conds.push(`${c.index} ${OPS[c.op]} ${BigInt(c.value ?? 0)} ${BigInt(c.valueTwo ?? 0)}`);
    }
    for (const n of call.names ?? []) {
      if (!/^[a-z0-9_]+$/i.test(n)) return { unsupported: `seccomp syscall name ${JSON.stringify(n)}` };
      lines.push(`rule ${n} ${a} ${conds.length}${conds.length ? ' ' + conds.join(' ') : ''}`);
    }
  }
  return { text: lines.join('\n') + '\n' };
}

const profiles = new WeakMap<object, { text?: string; unsupported?: string; hash?: string }>();

function profileOf(sc: OciSeccomp) {
  let p = profiles.get(sc);
  if (!p) {
    p = seccompProfileText(sc);
    if (p.text) p.hash = createHash('sha256').update(helperBuild).update(p.text).digest('hex').slice(0, 16);
    profiles.set(sc, p);
  }
  return p;
}

// ---- the spec ------------------------------------------------------------------------------------

const PROCESS_FIELDS = ['terminal', 'user', 'args', 'env', 'cwd', 'capabilities', 'rlimits', 'noNewPrivileges', 'oomScoreAdj'];

/**
 * The helper's spec (NUL-separated keys and values) for this exec, or why runc must run it.
 * `runcRoot` is runc's --root; `bundle` the container's bundle (the seccomp cache goes there).
 */
export function fastExecSpec(o: { id: string; runcRoot: string; bundle: string; spec: OciSpec; process: OciProcess; pidFile: string; logFile: string; groupFile?: string }): { spec?: string; unsupported?: string } {
  const { spec: cspec, process: p } = o;
  if (!only(p, PROCESS_FIELDS)) return { unsupported: `process fields ${Object.keys(p).join(',')}` };
  if (p.terminal) return { unsupported: 'a terminal' };
  if (!only(p.user, ['uid', 'gid', 'additionalGids'])) return { unsupported: `user fields ${Object.keys(p.user).join(',')}` };
  if (p.capabilities && !only(p.capabilities, ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'])) return { unsupported: 'capability sets' };
  const lx = cspec.linux as unknown as Record<string, unknown>;
  for (const k of ['uidMappings', 'gidMappings', 'personality', 'intelRdt', 'mountLabel']) if (lx?.[k] !== undefined) return { unsupported: `linux.${k}` };
  if (cspec.process?.apparmorProfile || cspec.process?.selinuxLabel) return { unsupported: 'an LSM label' };
  const st = initState(o.runcRoot, o.id);
  if (!st) return { unsupported: 'no runc state' };
  if (st.unsupported) return { unsupported: st.unsupported };
  const kv: [string, string | number | bigint][] = [
    ['pidfile', o.pidFile],
    ['log', o.logFile],
    ['initpid', st.pid],
    ['start', st.start],
  ];
  for (const n of st.ns) kv.push(['ns', n]);
  for (const c of st.cgroups) kv.push(['cgroup', c]);
  for (const r of p.rlimits ?? []) {
    const res = RLIMIT_TYPES.indexOf(r.type);
    if (res < 0) return { unsupported: `rlimit ${r.type}` };
    kv.push(['rlimit', `${res} ${rlimitValue(r.soft)} ${rlimitValue(r.hard)}`]);
  }
  // (runc writes the container's own oom_score_adj for an exec, which is what the process says)
  const oom = cspec.process?.oomScoreAdj;
  if (oom !== undefined) kv.push(['oom', String(oom)]);
  if (st.keyring) kv.push(['keyring', st.keyring]);
  if (p.noNewPrivileges) kv.push(['nnp', '1']);
  // (runc refuses ids outside 0..2^31-1, and looks the additional groups up by name first: a group
  // named like another's number is its to resolve)
  const ids = [p.user.uid, p.user.gid, ...(p.user.additionalGids ?? [])];
  if (ids.some((i) => !Number.isInteger(i) || i < 0 || i > 2147483647)) return { unsupported: 'an id out of range' };
  if (p.user.additionalGids?.length && o.groupFile) {
    const wanted = new Set(p.user.additionalGids.map(String));
    for (const line of o.groupFile.split('\n')) {
      const [name, , gid] = line.trim().split(':');
      if (name && wanted.has(name) && gid !== name) return { unsupported: `group ${name} named like a gid` };
    }
  }
  kv.push(['uid', p.user.uid], ['gid', p.user.gid]);
  for (const g of p.user.additionalGids ?? []) kv.push(['group', g]);
  const caps = p.capabilities ?? cspec.process?.capabilities ?? {};
  (['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const).forEach((k, i) => kv.push([`cap${i}`, capMask(caps[k])]));
  kv.push(['cwd', p.cwd]);
  for (const a of p.args) kv.push(['arg', a]);
  for (const e of p.env ?? []) kv.push(['env', e]);
  const sc = cspec.linux?.seccomp;
  // (runc: no default action and no rules is no seccomp)
  if (sc && (sc.defaultAction || sc.syscalls?.length)) {
    const prof = profileOf(sc);
    if (!prof.text) return { unsupported: prof.unsupported };
    const bpf = path.join(o.bundle, `seccomp-${prof.hash}.bpf`);
    kv.push(['bpf', bpf]);
    // the text only for the exec that finds no cache yet (the helper compiles it then)
    if (!fs.existsSync(bpf)) kv.push(['seccomp', prof.text]);
  }
  for (const [k, v] of kv) if (String(v).includes('\0')) return { unsupported: `a NUL byte in ${k}` };
  const body = kv.map(([k, v]) => `${k}\0${v}\0`).join('');
  // (its length first: it may come through a fifo the daemon holds open)
  return { spec: `${Buffer.byteLength(body)}\n${body}` };
}
