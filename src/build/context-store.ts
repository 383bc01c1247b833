// Where build contexts are unpacked. A build context is many small files, and on a disk creating
// them costs more than a whole cached build, so small contexts (the usual case) go to a memory
// filesystem (/dev/shm). The docker CLI sends the same bytes for an unchanged directory, so the
// last few small contexts are kept, by the digest of their bytes, and an identical one is not
// unpacked again: a rebuild with nothing changed touches no files at all. Big contexts stream to
// the daemon's disk.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { extractTar } from '../images/tar-extract.ts';
import { newId } from '../util/ids.ts';

/** Contexts up to this size are read whole and unpacked in memory. */
const SMALL_CONTEXT = 32 * 1024 * 1024;
/** ... and those up to this size are kept for the next identical build, this many of them. */
const KEPT_CONTEXT = 4 * 1024 * 1024;
const KEPT_COUNT = 4;
const TMPFS_MAGIC = 0x01021994;
/** Another daemon's leftovers in /dev/shm/berth-build are removed once unused for this long. */
const ABANDONED_MS = 3600_000;

export interface UnpackedContext {
  dir: string;
  /** The build is done with it. */
  release(): void;
}

interface Kept {
  dir: string;
  users: number;
}

const MEM_ROOT = '/dev/shm/berth-build';

export class ContextStore {
  private memDir: string | null | undefined;
  /** digest → unpacked directory, least recently used first */
  private readonly kept = new Map<string, Kept>();
  /** This daemon's own directory under MEM_ROOT (several daemons may share the host). */
  private readonly ownDir: string;

  /**
   * `owner` names the daemon (its data root, which only one daemon holds at a time): what a
   * killed predecessor left in its directory is removed now, at start, not an hour later.
   */
  constructor(owner: string) {
    this.ownDir = path.join(MEM_ROOT, crypto.createHash('sha256').update(owner).digest('hex').slice(0, 16));
    fs.rmSync(this.ownDir, { recursive: true, force: true });
  }

  async unpack(stream: Readable, diskBase: string): Promise<UnpackedContext> {
    const name = `build-${newId().slice(0, 16)}`;
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head: Buffer[] = [];
    let size = 0;
    let ended = false;
    while (size <= SMALL_CONTEXT) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      size += r.value.length;
    }
    const mem = ended ? this.memoryDir() : null;
    if (!mem) {
      // big (or no memory filesystem): stream to disk, removed after the build
      const rest = Readable.from(
        (async function* () {
          yield* head;
          if (!ended) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
        })(),
      );
      const dir = await extractTo(rest, path.join(diskBase, name));
      return { dir, release: () => removeLater(dir) };
    }
    const bytes = Buffer.concat(head);
    if (size > KEPT_CONTEXT) {
      const dir = await extractTo(Readable.from([bytes]), path.join(mem, name));
      return { dir, release: () => removeLater(dir) };
    }
    const digest = crypto.createHash('sha256').update(bytes).digest('hex');
    let k = this.kept.get(digest);
    if (k && !fs.existsSync(k.dir)) {
      this.kept.delete(digest);
      k = undefined;
    }
    if (k) {
      // most recently used last; the time keeps other daemons' sweeps away from it
      this.kept.delete(digest);
      this.kept.set(digest, k);
      fs.utimes(k.dir, new Date(), new Date(), () => {});
    } else {
      const dir = await extractTo(Readable.from([bytes]), path.join(mem, name));
      k = { dir, users: 0 };
      this.kept.set(digest, k);
      this.evict();
    }
    k.users++;
    const entry = k;
    return {
      dir: entry.dir,
      release: () => {
        entry.users--;
        this.evict();
      },
    };
  }

  /** Remove every kept context (daemon shutdown). */
  close(): void {
    for (const k of this.kept.values()) fs.rmSync(k.dir, { recursive: true, force: true });
    this.kept.clear();
    fs.rmSync(this.ownDir, { recursive: true, force: true });
  }

  /** Drop the least recently used kept contexts beyond the limit (not while a build reads them). */
  private evict(): void {
    for (const [digest, k] of this.kept) {
      if (this.kept.size <= KEPT_COUNT) break;
      if (k.users > 0) continue;
      this.kept.delete(digest);
      removeLater(k.dir);
    }
  }

  /** Berth's directory on /dev/shm when that is a tmpfs; abandoned leftovers go. */
  private memoryDir(): string | null {
    if (this.memDir !== undefined) return this.memDir;
    this.memDir = null;
    try {
      if (Number(fs.statfsSync('/dev/shm').type) !== TMPFS_MAGIC) return this.memDir;
      fs.mkdirSync(MEM_ROOT, { recursive: true, mode: 0o700 });
      for (const e of fs.readdirSync(MEM_ROOT)) {
        const p = path.join(MEM_ROOT, e);
        // other daemons may be building or keeping contexts here: only what is clearly abandoned
        if (p !== this.ownDir && Date.now() - fs.statSync(p).mtimeMs > ABANDONED_MS) fs.rmSync(p, { recursive: true, force: true });
      }
      fs.mkdirSync(this.ownDir, { recursive: true, mode: 0o700 });
      this.memDir = this.ownDir;
    } catch {
      this.memDir = null;
    }
    return this.memDir;
  }
}

/** Off the build's path; a crash leaves disk contexts to the layer store's sweep at start. */
function removeLater(dir: string): void {
  void fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {}); // a leftover is swept by the layer store at the next start
}

/** Unpack a context tar into `dir` (made here). The docker CLI appends a Dockerfile from outside
 * the context to the tar and may leave out the end-of-archive blocks (Go's reader does not need
 * them): the archive is ended here. */
async function extractTo(tarStream: Readable, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let n = 0;
  const complete = tarStream.pipe(
    new Transform({
      transform: (c: Buffer, _e, cb) => {
        n += c.length;
        cb(null, c);
      },
      flush: (cb) => cb(null, Buffer.alloc(((512 - (n % 512)) % 512) + 1024)),
    }),
  );
  tarStream.once('error', (e) => complete.destroy(e));
  try {
    // (dockerd unpacks a context chrooted into its directory: `../x` lands at x, symlinks stay as they are)
    await extractTar(complete, { dest: dir, chrooted: true });
  } catch (e) {
    removeLater(dir);
    throw e;
  }
  return dir;
}
