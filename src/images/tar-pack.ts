// Tar streams of directories, as Docker's archive package writes them: used by `docker export`,
// `docker cp` (GET archive) and `docker commit` (an overlay upper dir turned into an OCI layer).
// Entries come in sorted walk order, hard links are detected by inode, sockets are skipped,
// times are truncated to seconds. Files are read from disk as the consumer pulls.
import { toContainer } from '../platform/linux/idmap.ts';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Pack } from 'tar-stream';
import { goTarHeader, type GoTarHeader } from './go-tar-header.ts';
import { log } from '../util/log.ts';

export interface PackOptions {
  /**
   * Convert an overlayfs upper dir to an OCI layer: whiteout char devices (0/0) become
   * `.wh.NAME` files, directories listed in `opaque` (relative paths) get `.wh..wh..opq`.
   */
  overlayToOCI?: { opaque: Set<string> };
}

export interface PackItem {
  /** Host path of the file or directory. */
  abs: string;
  /** Its name in the archive. */
  name: string;
  /**
   * What is mounted below it, by path relative to it → host path: the walk shows a mount's source
   * in place of what the directory holds there (docker cp of a directory with volumes inside).
   */
  mounts?: Map<string, string>;
}

/** A tar-stream pack whose headers are the bytes Go's archive/tar writes. (tar-stream's own encoder
 * pads numbers differently; its one per-pack hook, _encode, writes Docker's bytes instead: a header
 * and, when needed, its PAX records.) */
export function goPack(): Pack {
  const pack = tar.pack();
  const p = pack as unknown as { _encode(h: GoTarHeader): void; push(b: Buffer): boolean };
  p._encode = (h) => void p.push(goTarHeader(h));
  // (the mode as given: tar-stream's entry() replaces a 0 mode by a default one before _encode)
  const entry = pack.entry.bind(pack) as (h: GoTarHeader, ...rest: unknown[]) => ReturnType<Pack['entry']>;
  pack.entry = ((h: GoTarHeader, ...rest: unknown[]) => entry({ ...h, exactMode: h.mode }, ...rest)) as unknown as Pack['entry'];
  return pack;
}

/** The contents of dir (not dir itself), names relative to it, like `docker export`. */
export function packDir(dir: string, opts: PackOptions = {}): Readable {
  return packWith(async (p) => {
    for (const child of sortedChildren(dir)) await p.walk(path.join(dir, child), child, child);
  }, opts);
}

/** One path (file, symlink or directory tree) under a given archive name, like `docker cp` from a container. */
export function packPath(item: PackItem, opts: PackOptions = {}): Readable {
  return packWith((p) => p.walk(item.abs, item.name, ''), opts, item.mounts);
}

function packWith(produce: (p: Packer) => Promise<void>, opts: PackOptions, mounts?: Map<string, string>): Readable {
  const pack = goPack();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const packer = new Packer(pack, opts, mounts);
  produce(packer).then(
    () => pack.finalize(),
    (err) => pack.destroy(err),
  );
  pipeline(pack as unknown as Readable, out).catch((err) => out.destroy(err));
  return out;
}

// Byte order, as Go's WalkDir.
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function sortedChildren(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort(byteOrder);
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
    throw e;
  }
}

export function devMajor(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
export function devMinor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
}

class Packer {
  private readonly pack: Pack;
  private readonly opts: PackOptions;
  /** "dev:ino" of files with several links → the first name written. */
  private links = new Map<string, string>();
  private readonly mounts: Map<string, string>;

  constructor(pack: Pack, opts: PackOptions, mounts = new Map<string, string>()) {
    this.pack = pack;
    this.opts = opts;
    this.mounts = mounts;
  }

  /** The entries of the directory at rel: what is on disk, and the mount points inside it. */
  private children(abs: string, rel: string): string[] {
    const names = sortedChildren(abs);
    if (!this.mounts.size) return names;
    const all = new Set(names);
    for (const m of this.mounts.keys()) {
      const cut = m.lastIndexOf('/');
      if ((cut < 0 ? '' : m.slice(0, cut)) === rel) all.add(m.slice(cut + 1));
    }
    return [...all].sort(byteOrder);
  }

  /** Write abs under `name`, then (for directories) its children. `rel` is abs relative to the walk root. */
  async walk(abs: string, name: string, rel: string): Promise<void> {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (e: any) {
      // A running container may remove files while we walk; Docker logs and goes on.
      log.debug(`tar: skipping ${abs}: ${e.message}`);
      return;
    }
    await this.add(abs, name, st, rel);
    if (st.isDirectory()) {
      for (const child of this.children(abs, rel)) {
        const childRel = rel ? `${rel}/${child}` : child;
        await this.walk(this.mounts.get(childRel) ?? path.join(abs, child), name.endsWith('/') ? name + child : `${name}/${child}`, childRel);
      }
    }
  }

  private entry(h: GoTarHeader, body?: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      // A file entry without a body would wait for one: give empty files an empty body.
      if (!body && h.type === 'file') body = Buffer.alloc(0);
      if (body) this.pack.entry(h as any, body, cb);
      else this.pack.entry(h as any, cb);
    });
  }

  private async add(abs: string, name: string, st: fs.Stats, rel: string): Promise<void> {
    if (st.isSocket()) return;
    const base: GoTarHeader = {
      name,
      mode: st.mode & 0o7777,
      // host ids on disk, container ids in the archive (they differ with --userns-remap)
      uid: toContainer(st.uid, 'uid'),
      gid: toContainer(st.gid, 'gid'),
      mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
    };
    const ov = this.opts.overlayToOCI;
    if (st.isCharacterDevice() && st.rdev === 0 && ov) {
      const dir = path.posix.dirname(name);
      const wh = (dir === '.' ? '' : dir + '/') + '.wh.' + path.posix.basename(name);
      return this.entry({ ...base, name: wh, type: 'file', mode: 0o600, size: 0 });
    }
    if (st.isDirectory()) {
      await this.entry({ ...base, name: name.endsWith('/') ? name : name + '/', type: 'directory' });
      if (ov && ov.opaque.has(rel)) {
        await this.entry({ ...base, name: `${name}/.wh..wh..opq`, type: 'file', mode: st.mode & 0o777, size: 0 });
      }
      return;
    }
    if (st.isSymbolicLink()) {
      return this.entry({ ...base, type: 'symlink', linkname: fs.readlinkSync(abs) });
    }
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
      const type = st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block-device' : 'character-device';
      return this.entry({ ...base, type, devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) });
    }
    if (!st.isFile()) return;
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) return this.entry({ ...base, type: 'link', linkname: first, size: 0 });
      this.links.set(key, name);
    }
    await this.file(abs, { ...base, type: 'file', size: st.size });
  }

  /** Exactly header.size bytes: a file that shrank meanwhile is padded, one that grew is cut. */
  private async file(abs: string, h: GoTarHeader): Promise<void> {
    const size = h.size ?? 0;
    let fd: fs.promises.FileHandle;
    try {
      fd = await fs.promises.open(abs, 'r');
    } catch (e: any) {
      log.debug(`tar: skipping ${abs}: ${e.message}`);
      return;
    }
    try {
      if (size <= 1 << 20) {
        const buf = Buffer.alloc(size);
        let off = 0;
        while (off < size) {
          const { bytesRead } = await fd.read(buf, off, size - off, off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return await this.entry(h, buf);
      }
      await new Promise<void>((resolve, reject) => {
        const sink: any = this.pack.entry(h as any, (err?: Error | null) => (err ? reject(err) : resolve()));
        void (async () => {
          let pos = 0;
          while (pos < size) {
            const want = Math.min(1 << 20, size - pos);
            const buf = Buffer.alloc(want);
            const { bytesRead } = await fd.read(buf, 0, want, pos);
            const chunk = bytesRead === 0 ? buf : buf.subarray(0, bytesRead);
            pos += chunk.length;
            if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
          }
          sink.end();
        })().catch((e) => {
          sink.destroy(e);
          reject(e);
        });
      });
    } finally {
      await fd.close();
    }
  }
}
