// The container filesystem operations behind `docker cp`: stat a path, tar it out, untar into a
// directory. Every path is resolved inside the container's root filesystem: symlinks (absolute
// or relative) are followed as the container would see them and can never lead outside it.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { invalidParameter, notFound } from '../errdefs.ts';
import { secureJoin, readFileInRoot } from '../platform/linux/securejoin.ts';
import { decompress } from '../images/compression.ts';
import { extractTar } from '../images/tar-extract.ts';
import { packPath } from '../images/tar-pack.ts';

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

/**
 * Host path for a container path, without following a final symlink unless the path ends in
 * "/" or "/." (then, as lstat does, the link is followed).
 */
function hostPath(rootfs: string, p: string): string {
  const followLast = p.endsWith('/') || p.endsWith('/.');
  const clean = path.posix.normalize('/' + p).replace(/\/+$/, '') || '/';
  if (followLast || clean === '/') return secureJoin(rootfs, clean);
  return path.join(secureJoin(rootfs, path.posix.dirname(clean)), path.posix.basename(clean));
}

function lstatOrNotFound(host: string, p: string, containerId: string): fs.Stats {
  try {
    return fs.lstatSync(host);
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw notFound(`Could not find the file ${p} in container ${containerId}`);
    throw e;
  }
}

export async function statPath(rootfs: string, p: string, containerId: string): Promise<PathStat> {
  const host = hostPath(rootfs, p);
  const st = lstatOrNotFound(host, p, containerId);
  const nsStat = fs.lstatSync(host, { bigint: true });
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    const resolved = secureJoin(rootfs, path.posix.normalize('/' + p));
    linkTarget = '/' + path.relative(rootfs, resolved);
  }
  const clean = path.posix.normalize('/' + p).replace(/\/+$/, '') || '/';
  return { name: path.posix.basename(clean) || '/', size: st.size, mode: goFileMode(st), mtime: goTimeNs(nsStat.mtimeNs), linkTarget };
}

/** A tar of the path: a directory's contents under its base name, or the single file/link. */
export async function getArchive(rootfs: string, p: string, containerId: string): Promise<Readable> {
  const abs = cleanPreserving(p);
  const host = hostPath(rootfs, abs);
  const st = lstatOrNotFound(host, p, containerId);
  let name = abs === '/' ? '/' : path.posix.basename(abs.replace(/\/+$/, '')) || '/';
  if (abs.endsWith('/.')) name = '.';
  if (!st.isDirectory()) name = path.posix.basename(abs.replace(/\/+$/, ''));
  return packPath({ abs: host, name });
}

export interface PutArchiveOptions {
  noOverwriteDirNonDir?: boolean;
  copyUIDGID?: boolean;
  /** The container's Config.User; with copyUIDGID the files get its uid/gid. */
  user?: string;
}

/** Extract a (possibly compressed) tar into the directory at p. */
export async function putArchive(rootfs: string, p: string, tarStream: Readable, opts: PutArchiveOptions, containerId: string): Promise<void> {
  const dest = secureJoin(rootfs, path.posix.normalize('/' + p));
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dest);
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw notFound(`Could not find the file ${p} in container ${containerId}`);
    throw e;
  }
  if (!st.isDirectory()) throw invalidParameter('extraction point is not a directory');
  const chown = opts.copyUIDGID && opts.user ? containerUser(rootfs, opts.user) : undefined;
  const { stream } = await decompress(tarStream);
  await extractTar(stream, { root: rootfs, dest, noOverwriteDirNonDir: opts.noOverwriteDirNonDir, chown });
}

/** Docker's getUIDGID: "user[:group]" by name or id, looked up in the container's passwd and group files. */
export function containerUser(rootfs: string, spec: string): { uid: number; gid: number } {
  const [u = '', g = ''] = spec.split(':', 2);
  const isId = (s: string) => /^\d+$/.test(s) && Number(s) <= 2 ** 31 - 1;
  let uid = 0;
  let gid = 0;
  const passwd = (readFileInRoot(rootfs, '/etc/passwd') ?? '').split('\n').map((l) => l.split(':'));
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
      const groups = (readFileInRoot(rootfs, '/etc/group') ?? '').split('\n').map((l) => l.split(':'));
      const entry = groups.find((f) => f[0] === g);
      if (!entry || entry.length < 3) throw invalidParameter(`failed to look up group ${JSON.stringify(g)} in container: no matching entries in group file`);
      gid = Number(entry[2]);
    }
  }
  return { uid, gid };
}
