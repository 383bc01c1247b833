// User-namespace remapping (dockerd's --userns-remap): container root is an unprivileged host uid.
//
// The daemon takes one subordinate range (/etc/subuid, /etc/subgid) for a user; container uid N is
// host uid start+N. Files keep container ids inside tar archives (images, docker cp, export) and
// host ids on disk: the daemon's one mapping, set at start, shifts ids when archives are unpacked
// into container filesystems and shifts them back when container filesystems are packed.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface IdMap {
  /** host uid and gid of container root */
  uid: number;
  gid: number;
  /** how many ids are mapped (container ids 0..size-1) */
  size: number;
  /** the user the ranges belong to */
  user: string;
}

/** The user `--userns-remap=default` makes and uses, as dockerd does. */
export const DEFAULT_REMAP_USER = 'dockremap';
const DEFAULT_SIZE = 65536;

let daemonMap: IdMap | undefined;

/** The daemon's mapping, or undefined when containers run without a user namespace. */
export function daemonIdMap(): IdMap | undefined {
  return daemonMap;
}

export function setDaemonIdMap(m: IdMap | undefined): void {
  daemonMap = m;
}

/** A container id → the host id (ids beyond the range become the overflow id, as the kernel shows them). */
export function toHost(id: number, kind: 'uid' | 'gid', m: IdMap | undefined = daemonMap): number {
  if (!m) return id;
  if (id < 0 || id >= m.size) return 65534 + (kind === 'uid' ? m.uid : m.gid);
  return id + (kind === 'uid' ? m.uid : m.gid);
}

/** A host id → the container id (ids outside the range show as nobody, 65534). */
export function toContainer(id: number, kind: 'uid' | 'gid', m: IdMap | undefined = daemonMap): number {
  if (!m) return id;
  const start = kind === 'uid' ? m.uid : m.gid;
  return id >= start && id < start + m.size ? id - start : 65534;
}

interface Range {
  start: number;
  size: number;
}

/** The ranges of `/etc/subuid`-style text for a user (by name or numeric id). */
export function rangesFor(text: string, user: string, uid?: number): Range[] {
  const out: Range[] = [];
  for (const line of text.split('\n')) {
    const [name, start, size] = line.trim().split(':');
    if (!name || start === undefined || size === undefined) continue;
    if (name !== user && name !== String(uid)) continue;
    const r = { start: Number(start), size: Number(size) };
    if (Number.isInteger(r.start) && Number.isInteger(r.size) && r.size > 0) out.push(r);
  }
  return out;
}

function read(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function passwdEntry(name: string): { name: string; uid: number } | undefined {
  for (const line of read('/etc/passwd').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && (f[0] === name || f[2] === name)) return { name: f[0]!, uid: Number(f[2]) };
  }
  return undefined;
}

/** The first free start for a new range of `size` above 100000 in a subuid/subgid file. */
function freeStart(text: string, size: number): number {
  let start = 100000;
  const taken = text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3)
    .map((f) => ({ start: Number(f[1]), end: Number(f[1]) + Number(f[2]) }))
    .sort((a, b) => a.start - b.start);
  for (const r of taken) if (start + size > r.start && start < r.end) start = r.end;
  return start;
}

/**
 * The mapping for --userns-remap VALUE: "default" (the dockremap user, created with ranges when
 * missing), or "user[:group]" / "uid[:gid]" with ranges in /etc/subuid and /etc/subgid.
 */
export function resolveRemap(value: string): IdMap {
  const [userPart = '', groupPart] = value.split(':');
  let user = userPart;
  if (value === 'default') {
    user = DEFAULT_REMAP_USER;
    if (!passwdEntry(user)) {
      const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/false', user], { encoding: 'utf8' });
      if (r.status !== 0 && !passwdEntry(user)) throw new Error(`Error during "${user}" lookup: could not create it: ${(r.stderr || r.error?.message || '').trim()}`);
    }
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      const text = read(file);
      if (rangesFor(text, user).length) continue;
      fs.appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${user}:${freeStart(text, DEFAULT_SIZE)}:${DEFAULT_SIZE}\n`);
    }
  }
  const pw = passwdEntry(user);
  if (!pw && !/^\d+$/.test(user)) throw new Error(`Error during "${user}" lookup: user not found`);
  const name = pw?.name ?? user;
  const uids = rangesFor(read('/etc/subuid'), name, pw?.uid);
  if (!uids.length) throw new Error(`Can't create ID mappings: No subuid ranges found for user "${name}"`);
  const gids = rangesFor(read('/etc/subgid'), groupPart ?? name, groupPart ? undefined : pw?.uid);
  if (!gids.length) throw new Error(`Can't create ID mappings: No subgid ranges found for group "${groupPart ?? name}"`);
  return { uid: uids[0]!.start, gid: gids[0]!.start, size: Math.min(uids[0]!.size, gids[0]!.size), user: name };
}

/**
 * The store of a remapped daemon, <data-root>/<uid>.<gid>, made ready as dockerd makes it: container
 * root (inside its namespace) must reach the container filesystems below, so the data root is
 * root:<remapped gid> 0710 and the store inside it the remapped ids'. Every parent must be
 * searchable by others.
 */
export function remappedRoot(dataRoot: string, m: IdMap): string {
  for (let dir = path.dirname(path.resolve(dataRoot)); dir !== '/'; dir = path.dirname(dir)) {
    const st = fs.statSync(dir);
    if (!(st.mode & 0o001)) throw new Error(`${dir} must be searchable by others (mode ${(st.mode & 0o777).toString(8)}) for the remapped root to reach ${dataRoot}`);
  }
  const remapped = path.join(dataRoot, `${m.uid}.${m.gid}`);
  fs.mkdirSync(remapped, { recursive: true, mode: 0o710 });
  fs.chownSync(dataRoot, 0, m.gid);
  fs.chmodSync(dataRoot, 0o710);
  fs.chownSync(remapped, m.uid, m.gid);
  fs.chmodSync(remapped, 0o710);
  return remapped;
}
