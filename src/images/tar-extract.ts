// Streaming tar extraction onto the filesystem, for layer unpacking and `docker cp` uploads.
//
// Safety: entry names are cleaned and may not climb out of the destination; symlinks met in
// parent paths are resolved inside `root` (as Docker does by chrooting), never on the host;
// the final component of an entry is never followed (files are created O_EXCL, existing
// entries are removed first). Operations that need a child process (mknod for whiteouts and
// device nodes, setfattr for opaque dirs and xattrs) are rare; they are collected and run at
// the end (tar-deferred.ts), after re-checking that no parent of their path has become a symlink.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { systemError, invalidParameter } from '../errdefs.ts';
import { toHost, daemonIdMap } from '../platform/linux/idmap.ts';
import { patchTarStream, xattrsOf, mtimeOf, atimeOf, uidOf, gidOf, type TarHeader } from './tar-pax.ts';
import { DeferredOps, lexists } from './tar-deferred.ts';
import { MountRouter } from './tar-mount-router.ts';

patchTarStream();

export interface ExtractOptions {
  /** Absolute directory the entries land in; must exist. */
  dest: string;
  /** Symlinks in parent paths resolve inside this directory (default: dest). dest must be inside it. */
  root?: string;
  /** Layer mode: `.wh.NAME` → overlay whiteout (char device 0/0), `.wh..wh..opq` → opaque xattr. */
  overlayWhiteouts?: boolean;
  /** Refuse to replace a directory with a non-directory or the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** Force this owner on every entry instead of the one in the archive. */
  chown?: { uid: number; gid: number };
  /**
   * Filesystems mounted below dest, as the container sees them (docker cp into a directory that
   * holds a volume or a bind mount): an entry below one lands in its source, as it does when dockerd
   * extracts into the mounted container. `rel` is the mount point relative to dest.
   */
  mounts?: BelowMount[];
  /**
   * As dockerd's chrootarchive extracts (build contexts, ADD of a local tar) or as a layer made
   * here from a container's own files (commit): dest is the root, so `..` at the top stays at the
   * root, and a symlink may point anywhere (when followed, it resolves inside root). Otherwise an
   * entry climbing out is refused, and so is a symlink whose target climbs out of dest, as dockerd
   * refuses them in layers it applies (load, pull, import).
   */
  chrooted?: boolean;
}

export interface BelowMount {
  rel: string;
  /** the host directory (or file) mounted there */
  source: string;
  readOnly: boolean;
  /** the mount point as the container sees it, for messages */
  containerPath: string;
}

export interface ExtractResult {
  /** Bytes as Docker's layer size counts them: regular files (hard links once) and symlink targets. */
  size: number;
  entries: number;
}

const MAX_SYMLINK_HOPS = 255;
const IMPLIED_DIR_MODE = 0o755;
const WH_PREFIX = '.wh.';
const WH_META_PREFIX = '.wh..wh.';
const WH_OPAQUE = '.wh..wh..opq';

export async function extractTar(src: Readable, opts: ExtractOptions): Promise<ExtractResult> {
  const x = new Extractor(opts);
  const route = opts.mounts?.length ? new MountRouter(x, opts, (o) => new Extractor(o)) : undefined;
  const ex = tar.extract({ allowUnknownFormat: true } as object);
  ex.on('entry', (h, stream, next) => (route ?? x).entry(h as unknown as TarHeader, stream as unknown as Readable, next as (err?: unknown) => void));
  try {
    await pipeline(src, ex as unknown as NodeJS.WritableStream);
  } catch (e) {
    // tar-stream's parse errors (a corrupt or truncated archive) are bad input, in the words of Go's
    // archive/tar, which current dockerd passes on as they are (20.10's re-exec'd unpacker prefixed
    // "Error processing tar file(exit status 1): ")
    if (e instanceof Error && !(e as NodeJS.ErrnoException).code && !('kind' in e)) throw invalidParameter(goTarMessage(e.message));
    throw e;
  }
  await x.finish();
  if (route) await route.finish();
  return { size: x.totalSize() + (route?.size() ?? 0), entries: x.entries + (route?.entries() ?? 0) };
}

/** tar-stream's message as Go's archive/tar says it. */
function goTarMessage(msg: string): string {
  if (/Unexpected end of data/i.test(msg)) return 'unexpected EOF';
  if (/Invalid tar header/i.test(msg)) return 'archive/tar: invalid tar header';
  return msg;
}

export class Extractor {
  private readonly root: string;
  private readonly dest: string;
  private readonly opts: ExtractOptions;
  /** dest-relative dir path → real absolute dir (already verified: real dirs only). */
  private dirCache = new Map<string, string>();
  private sizes = new Map<string, number>();
  /** mknod, setfattr and directory times, run at the end */
  private readonly deferred: DeferredOps;
  entries = 0;

  constructor(opts: ExtractOptions) {
    this.opts = opts;
    this.dest = path.resolve(opts.dest);
    this.root = path.resolve(opts.root ?? opts.dest);
    const rel = path.relative(this.root, this.dest);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`extract destination ${this.dest} is outside ${this.root}`);
    this.dirCache.set('', this.dest);
    this.deferred = new DeferredOps(this.root);
  }

  totalSize(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  entry(h: TarHeader, stream: Readable, next: (err?: unknown) => void): void {
    let called = false;
    const done = (err?: unknown) => {
      if (called) return;
      called = true;
      next(err);
    };
    try {
      this.entries++;
      if (h.type === 'file' || h.type === 'contiguous-file') {
        const target = this.prepare(h);
        if (target) return this.writeFile(stream, target.abs, h, done);
      } else {
        this.prepareOther(h);
      }
      drain(stream, done);
    } catch (e) {
      drain(stream, () => done(e));
    }
  }

  /** Clean an entry name as Docker does; undefined for the root itself. Refuses names climbing out. */
  private clean(name: string): string | undefined {
    return cleanEntryName(this.opts.chrooted ? path.posix.join('/', name) : name, this.dest);
  }

  private ids(h: TarHeader): [number, number] {
    const [uid, gid] = this.opts.chown ? [this.opts.chown.uid, this.opts.chown.gid] : [uidOf(h), gidOf(h)];
    // archives carry container ids; with --userns-remap the files on disk get the host ids
    return [toHost(uid, 'uid'), toHost(gid, 'gid')];
  }

  /** For regular files: resolve the parent, handle whiteouts. Returns where to write, or undefined to skip. */
  private prepare(h: TarHeader): { abs: string; rel: string } | undefined {
    const rel = this.clean(h.name);
    if (rel === undefined) return undefined;
    const slash = rel.lastIndexOf('/');
    const dirRel = slash < 0 ? '' : rel.slice(0, slash);
    const base = slash < 0 ? rel : rel.slice(slash + 1);
    if (this.opts.overlayWhiteouts && base.startsWith(WH_PREFIX)) {
      this.whiteout(h, dirRel, base);
      return undefined;
    }
    const abs = path.join(this.resolveDir(dirRel), base);
    if (this.deferred.specials.size) this.deferred.specials.delete(abs);
    return { abs, rel };
  }

  private whiteout(h: TarHeader, dirRel: string, base: string): void {
    const dir = this.resolveDir(dirRel);
    if (base === WH_OPAQUE) return this.deferred.addXattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
    if (base.startsWith(WH_META_PREFIX)) return; // AUFS bookkeeping (.wh..wh.plnk etc.)
    const abs = path.join(dir, base.slice(WH_PREFIX.length));
    // Whiteouts hide lower layers only: an entry of this same layer at that path wins.
    if (lexists(abs)) return;
    const [uid, gid] = this.ids(h);
    this.deferred.specials.set(abs, { type: 'c', major: 0, minor: 0, mode: 0, uid, gid, whiteout: true });
  }

  private prepareOther(h: TarHeader): void {
    const t = this.prepare(h);
    if (!t) return;
    const { abs, rel } = t;
    const [uid, gid] = this.ids(h);
    const mtime = mtimeOf(h);
    const atime = atimeOf(h, mtime);
    const mode = (h.mode ?? 0) & 0o7777;
    switch (h.type) {
      case 'directory': {
        try {
          fs.mkdirSync(abs, 0o700);
        } catch (e: any) {
          if (e.code !== 'EEXIST') throw e;
          this.replace(abs, rel, true);
          if (!isDir(abs)) fs.mkdirSync(abs, 0o700);
        }
        this.dirCache.set(rel, abs);
        fs.lchownSync(abs, uid, gid);
        fs.chmodSync(abs, mode);
        this.deferred.dirTimes.set(abs, [atime, mtime]);
        break;
      }
      case 'symlink': {
        const target = h.linkname ?? '';
        const logical = path.join(this.dest, path.dirname(rel), target);
        if (!this.opts.chrooted && !inside(this.dest, logical)) throw invalidParameter(`invalid symlink ${JSON.stringify(path.join(this.dest, rel))} -> ${JSON.stringify(target)}`);
        this.create(abs, rel, () => fs.symlinkSync(target, abs));
        fs.lchownSync(abs, uid, gid);
        fs.lutimesSync(abs, atime, mtime);
        this.sizes.set(abs, Buffer.byteLength(target));
        break;
      }
      case 'link': {
        const targetRel = this.clean(h.linkname ?? '');
        if (targetRel === undefined) throw invalidParameter(`invalid hardlink ${JSON.stringify(abs)} -> ${JSON.stringify(h.linkname)}`);
        const ts = targetRel.lastIndexOf('/');
        const targetAbs = path.join(this.resolveDir(ts < 0 ? '' : targetRel.slice(0, ts)), ts < 0 ? targetRel : targetRel.slice(ts + 1));
        if (targetAbs === abs) break;
        this.create(abs, rel, () => {
          try {
            fs.linkSync(targetAbs, abs);
          } catch (e) {
            // a link to something that is not there is the archive's fault, not the daemon's
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw invalidParameter(`invalid hardlink ${JSON.stringify(h.name)} -> ${JSON.stringify(h.linkname)}: no such file`);
            throw e;
          }
        });
        const st = fs.lstatSync(abs);
        if (!st.isSymbolicLink()) {
          fs.lchownSync(abs, uid, gid);
          fs.chmodSync(abs, mode);
          fs.lutimesSync(abs, atime, mtime);
        }
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        this.replace(abs, rel, false);
        const type = h.type === 'fifo' ? 'p' : h.type === 'block-device' ? 'b' : 'c';
        this.deferred.specials.set(abs, { type, major: h.devmajor ?? 0, minor: h.devminor ?? 0, mode, uid, gid, atime, mtime, whiteout: false });
        break;
      }
      default:
        throw invalidParameter(`unhandled tar header type ${JSON.stringify(h.type)} for ${JSON.stringify(h.name)}`);
    }
    const xa = xattrsOf(h);
    if (xa) for (const [k, v] of xa) this.deferred.addXattr(abs, k, v);
  }

  private writeFile(stream: Readable, abs: string, h: TarHeader, done: (err?: unknown) => void): void {
    let fd: number;
    try {
      fd = this.openExclusive(abs, path.relative(this.dest, abs));
    } catch (e) {
      return drain(stream, () => done(e));
    }
    let err: unknown;
    let written = 0;
    stream.on('data', (c: Buffer) => {
      if (err) return;
      try {
        let off = 0;
        while (off < c.length) off += fs.writeSync(fd, c, off);
        written += c.length;
      } catch (e) {
        err = e;
      }
    });
    stream.once('error', (e) => {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed; the stream's error is what is reported
      }
      done(e);
    });
    stream.once('end', () => {
      try {
        fs.closeSync(fd);
        if (!err) {
          const [uid, gid] = this.ids(h);
          const mtime = mtimeOf(h);
          fs.lchownSync(abs, uid, gid);
          fs.chmodSync(abs, (h.mode ?? 0) & 0o7777);
          fs.lutimesSync(abs, atimeOf(h, mtime), mtime);
          this.sizes.set(abs, written);
          const xa = xattrsOf(h);
          if (xa) for (const [k, v] of xa) this.deferred.addXattr(abs, k, v);
        }
      } catch (e) {
        err ??= e;
      }
      done(err);
    });
  }

  private openExclusive(abs: string, rel: string): number {
    try {
      return fs.openSync(abs, 'wx', 0o600);
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      this.replace(abs, rel, false);
      return fs.openSync(abs, 'wx', 0o600);
    }
  }

  /** Run a create; if the name is taken, replace what is there (Docker's rule) and try once more. */
  private create(abs: string, rel: string, fn: () => void): void {
    try {
      fn();
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      this.replace(abs, rel, false);
      fn();
    }
  }

  /**
   * Make room for a new entry at abs. An existing directory is kept when the new entry is a
   * directory too (its metadata is merged); anything else is removed.
   */
  private replace(abs: string, rel: string, newIsDir: boolean): void {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (e: any) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    const shown = '/' + path.relative(this.root, abs);
    const destShown = '/' + path.relative(this.root, this.dest);
    if (st.isDirectory()) {
      if (newIsDir) return;
      if (this.opts.noOverwriteDirNonDir) throw systemError(`cannot overwrite directory ${JSON.stringify(shown)} with non-directory ${JSON.stringify(destShown)}`);
      fs.rmSync(abs, { recursive: true, force: true });
      this.forgetUnder(abs);
    } else {
      if (newIsDir && this.opts.noOverwriteDirNonDir) throw systemError(`cannot overwrite non-directory ${JSON.stringify(shown)} with directory ${JSON.stringify(destShown)}`);
      fs.unlinkSync(abs);
      this.sizes.delete(abs);
      if (st.isSymbolicLink()) this.dirCache = new Map([['', this.dest]]);
    }
    void rel;
  }

  private forgetUnder(abs: string): void {
    const prefix = abs + '/';
    for (const k of this.sizes.keys()) if (k === abs || k.startsWith(prefix)) this.sizes.delete(k);
    for (const k of this.deferred.dirTimes.keys()) if (k === abs || k.startsWith(prefix)) this.deferred.dirTimes.delete(k);
    this.dirCache = new Map([['', this.dest]]);
  }

  /**
   * The real directory for a dest-relative path: missing components are created (0755, as
   * Docker's implied directories), symlinks are followed inside root, a non-directory fails.
   */
  private resolveDir(rel: string): string {
    const hit = this.dirCache.get(rel);
    if (hit) return hit;
    const resolved = path.relative(this.root, this.dest).split('/').filter(Boolean);
    const todo = rel.split('/').filter(Boolean);
    let hops = 0;
    while (todo.length) {
      const part = todo.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const abs = path.join(this.root, ...resolved, part);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(abs);
      } catch (e: any) {
        if (e.code !== 'ENOENT') throw e;
        fs.mkdirSync(abs);
        fs.chmodSync(abs, IMPLIED_DIR_MODE);
        if (this.opts.chown) fs.lchownSync(abs, toHost(this.opts.chown.uid, 'uid'), toHost(this.opts.chown.gid, 'gid'));
        else if (daemonIdMap()) fs.lchownSync(abs, toHost(0, 'uid'), toHost(0, 'gid'));
        resolved.push(part);
        continue;
      }
      if (st.isDirectory()) {
        resolved.push(part);
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw systemError(`too many levels of symbolic links: ${rel}`);
        const target = fs.readlinkSync(abs);
        if (target.startsWith('/')) resolved.length = 0;
        todo.unshift(...target.split('/').filter(Boolean));
      } else {
        throw systemError(`mkdir ${path.join('/', path.relative(this.root, abs))}: not a directory`);
      }
    }
    const out = path.join(this.root, ...resolved);
    this.dirCache.set(rel, out);
    return out;
  }

  finish(): Promise<void> {
    return this.deferred.apply();
  }
}

/** An entry name cleaned as Docker does, relative to the destination; undefined for the root itself. Refuses names climbing out. */
export function cleanEntryName(name: string, dest: string): string | undefined {
  let n = path.posix.normalize(name);
  if (n.startsWith('/')) n = path.posix.normalize(n.replace(/^\/+/, '') || '.');
  n = n.replace(/\/+$/, '');
  if (n === '' || n === '.') return undefined;
  if (n === '..' || n.startsWith('../')) throw invalidParameter(`${JSON.stringify(n)} is outside of ${JSON.stringify(dest)}`);
  return n;
}

export function drain(stream: Readable, cb: (err?: unknown) => void): void {
  stream.once('end', () => cb());
  stream.once('error', (e) => cb(e));
  stream.resume();
}

function isDir(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Docker's check that a joined path stays under the extraction directory (lexically). */
function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('../') && rel !== '..' && !path.isAbsolute(rel));
}
