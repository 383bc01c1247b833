// The container filesystem operations behind `docker cp`: stat a path, tar it out, untar into a
// directory. Every path is resolved as the container sees it, its volumes and bind mounts laid over
// its root filesystem (MountedRoot): symlinks (absolute or relative) are followed as the container
// would follow them and can never lead outside the rootfs and the mount sources.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { invalidParameter, notFound } from '../errdefs.ts';
import { MountedRoot } from '../platform/linux/mounted-root.ts';
import { decompress } from '../images/compression.ts';
import { extractTar } from '../images/tar-extract.ts';
import { packPath } from '../images/tar-pack.ts';
import type { ContainerRecord } from './containers/record.ts';
import { resolveMounts } from './containers/mounts.ts';
import { etcFileMounts } from './containers/run-spec.ts';

/**
 * The container's filesystem for a copy: its rootfs with the bind mounts of its volumes and host
 * directories, and the daemon's /etc files (those that exist: a container never started has none),
 * as dockerd mounts them for a copy. tmpfs mounts are not there (dockerd cannot reach them either).
 */
export function copyRoot(c: ContainerRecord, rootfs: string): MountedRoot {
  const specs = c.mountSpecs ?? resolveMounts(c.HostConfig).specs;
  const user = specs.filter((m) => m.type === 'bind').map((m) => ({ destination: m.destination, source: m.source, readOnly: m.options.includes('ro'), user: true }));
  const etc = etcFileMounts(c, specs)
    .filter((m) => m.source && fs.existsSync(m.source))
    .map((m) => ({ destination: m.destination, source: m.source, readOnly: false, user: false }));
  return new MountedRoot(rootfs, [...etc, ...user]);
}

/**
 * The other running containers that mount a volume or host directory this one mounts (or one
 * inside or around it): their processes can swap a directory of the shared mount for a symlink
 * while a copy walks it, so they are held still too (copy-freeze.ts).
 */
export function copySharers(c: ContainerRecord, all: ContainerRecord[]): string[] {
  const sources = (x: ContainerRecord) => (x.mountSpecs ?? []).filter((m) => m.type === 'bind').map((m) => path.resolve(m.source));
  const mine = sources(c);
  if (!mine.length) return [];
  const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith('/') ? b : b + '/');
  return all.filter((o) => o.Id !== c.Id && o.State.Running && sources(o).some((s) => mine.some((m) => within(s, m) || within(m, s)))).map((o) => o.Id);
}

/** Docker's container PathStat (X-Docker-Container-Path-Stat), mode as Go's os.FileMode. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

// Go os.FileMode type bits.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR_DEVICE = 2 ** 21;
const MODE_STICKY = 2 ** 20;

export function goFileMode(st: fs.Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m += MODE_DIR;
  else if (st.isSymbolicLink()) m += MODE_SYMLINK;
  else if (st.isBlockDevice()) m += MODE_DEVICE;
  else if (st.isCharacterDevice()) m += MODE_DEVICE + MODE_CHAR_DEVICE;
  else if (st.isFIFO()) m += MODE_NAMED_PIPE;
  else if (st.isSocket()) m += MODE_SOCKET;
  if (st.mode & 0o4000) m += MODE_SETUID;
  if (st.mode & 0o2000) m += MODE_SETGID;
  if (st.mode & 0o1000) m += MODE_STICKY;
  return m;
}

/** Go's time.Time JSON (RFC3339Nano, UTC), from a stat's nanoseconds. */
function goTimeNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? '.' + frac : ''}Z`;
}

/** "/a/b/" and "/a/b/." keep their trailing part after cleaning (archive.PreserveTrailingDotOrSeparator). */
function cleanPreserving(p: string): string {
  let clean = path.posix.normalize('/' + p);
  if (clean.length > 1) clean = clean.replace(/\/+$/, '');
  if (/\/\.$/.test(p) && !clean.endsWith('/.')) clean = clean === '/' ? '/.' : clean + '/.';
  else if (p.endsWith('/') && !clean.endsWith('/')) clean += '/';
  return clean;
}

/** Resolve a container path, without following a final symlink unless the path ends in "/" or "/." (then, as lstat does, the link is followed). */
function resolveCopyPath(root: MountedRoot, p: string) {
  const followLast = p.endsWith('/') || p.endsWith('/.');
  const clean = path.posix.normalize('/' + p).replace(/\/+$/, '') || '/';
  return root.resolve(clean, followLast || clean === '/');
}

function lstatOrNotFound(host: string, p: string, containerRef: string): fs.Stats {
  try {
    return fs.lstatSync(host);
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw notFound(`Could not find the file ${p} in container ${containerRef}`);
    throw e;
  }
}

export async function statPath(root: MountedRoot, p: string, containerRef: string): Promise<PathStat> {
  const { host } = resolveCopyPath(root, p);
  const st = lstatOrNotFound(host, p, containerRef);
  const nsStat = fs.lstatSync(host, { bigint: true });
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = '/' + root.resolve(path.posix.normalize('/' + p)).parts.join('/');
  const clean = path.posix.normalize('/' + p).replace(/\/+$/, '') || '/';
  return { name: path.posix.basename(clean) || '/', size: st.size, mode: goFileMode(st), mtime: goTimeNs(nsStat.mtimeNs), linkTarget };
}

/** A tar of the path: a directory's contents under its base name (with what is mounted inside it), or the single file/link. */
export async function getArchive(root: MountedRoot, p: string, containerRef: string): Promise<Readable> {
  const abs = cleanPreserving(p);
  const at = resolveCopyPath(root, abs);
  const st = lstatOrNotFound(at.host, p, containerRef);
  let name = abs === '/' ? '/' : path.posix.basename(abs.replace(/\/+$/, '')) || '/';
  if (abs.endsWith('/.')) name = '.';
  if (!st.isDirectory()) name = path.posix.basename(abs.replace(/\/+$/, ''));
  return packPath({ abs: at.host, name, mounts: st.isDirectory() ? root.mountsBelow(at.parts) : undefined });
}

export interface PutArchiveOptions {
  noOverwriteDirNonDir?: boolean;
  copyUIDGID?: boolean;
  /** The container's Config.User; with copyUIDGID the files get its uid/gid. */
  user?: string;
  /** HostConfig.ReadonlyRootfs: only volumes and bind mounts can be written to */
  readonlyRootfs?: boolean;
}

/** Extract a (possibly compressed) tar into the directory at p (on the rootfs or in a mount). */
export async function putArchive(root: MountedRoot, p: string, tarStream: Readable, opts: PutArchiveOptions, containerRef: string): Promise<void> {
  const dest = root.resolve(path.posix.normalize('/' + p));
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dest.host);
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw notFound(`Could not find the file ${p} in container ${containerRef}`);
    throw e;
  }
  if (!st.isDirectory()) throw invalidParameter('extraction point is not a directory');
  // as dockerd: a read-only volume or bind mount, or a read-only rootfs outside them, is refused
  const toVolume = dest.mount?.user === true;
  if (toVolume && dest.mount!.readOnly) throw invalidParameter('mounted volume is marked read-only');
  if (!toVolume && opts.readonlyRootfs) throw invalidParameter('container rootfs is marked read-only');
  const chown = opts.copyUIDGID && opts.user ? containerUser(root, opts.user) : undefined;
  const { stream } = await decompress(tarStream);
  // links in the tar's parent paths resolve inside the filesystem written to (the rootfs, or the mount's source)
  // what is mounted below the destination gets the entries below it, as in the running container
  const mounts = root.mountPointsBelow(dest.parts).map((m) => ({ rel: m.rel, source: m.source, readOnly: m.readOnly, containerPath: '/' + [...dest.parts, m.rel].join('/') }));
  await extractTar(stream, { root: dest.base, dest: dest.host, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, chown, mounts });
}

/** Docker's getUIDGID: "user[:group]" by name or id, looked up in the container's passwd and group files. */
export function containerUser(root: MountedRoot, spec: string): { uid: number; gid: number } {
  const [u = '', g = ''] = spec.split(':', 2);
  const isId = (s: string) => /^\d+$/.test(s) && Number(s) <= 2 ** 31 - 1;
  let uid = 0;
  let gid = 0;
  const passwd = (readInRoot(root, '/etc/passwd') ?? '').split('\n').map((l) => l.split(':'));
  if (u) {
    const entry = isId(u) ? passwd.find((f) => f[2] === u) : passwd.find((f) => f[0] === u);
    if (entry && entry.length >= 4) {
      uid = Number(entry[2]);
      gid = Number(entry[3]);
    } else if (isId(u)) {
      uid = Number(u);
    } else throw invalidParameter(`failed to look up user ${JSON.stringify(u)} in container: no matching entries in passwd file`);
  }
  if (g) {
    if (isId(g)) gid = Number(g);
    else {
      const groups = (readInRoot(root, '/etc/group') ?? '').split('\n').map((l) => l.split(':'));
      const entry = groups.find((f) => f[0] === g);
      if (!entry || entry.length < 3) throw invalidParameter(`failed to look up group ${JSON.stringify(g)} in container: no matching entries in group file`);
      gid = Number(entry[2]);
    }
  }
  return { uid, gid };
}

/** A file of the container (through its mounts: /etc/passwd may be one); undefined if it does not exist. */
function readInRoot(root: MountedRoot, p: string): string | undefined {
  try {
    return fs.readFileSync(root.resolve(p).host, 'utf8');
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EISDIR') return undefined;
    throw e;
  }
}
