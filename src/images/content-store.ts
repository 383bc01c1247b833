// Blobs by digest: image configs, manifests and layer tars, as bytes addressed by their sha256.
// A blob lands under its name only after its digest is known (and checked when one was expected):
// it is written to a temp file in the data root, fsynced, then renamed into place.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { invalidParameter, notFound, systemError } from '../errdefs.ts';

const HEX64 = /^[a-f0-9]{64}$/;

export function hexOf(digest: string): string {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest;
  if (!HEX64.test(hex)) throw invalidParameter(`invalid digest: ${digest}`);
  return hex;
}

/** A blob being written: feed it bytes, then commit (under its digest) or abort. */
export class BlobWriter {
  private readonly store: ContentStore;
  private readonly tmp: string;
  private fd: number;
  /** undefined when the caller hashes the bytes itself (commitVerified) */
  private hash: Hash | undefined;
  size = 0;
  /** After commit: whether the blob was there already (this write added nothing). */
  existed = false;
  private done = false;

  constructor(store: ContentStore, tmp: string, hashed = true) {
    this.store = store;
    this.tmp = tmp;
    this.hash = hashed ? createHash('sha256') : undefined;
    this.fd = fs.openSync(tmp, 'wx', 0o644);
  }

  /** Synchronous on purpose: page-cache writes are fast and keep stream ordering trivial. */
  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off);
    this.hash?.update(chunk);
    this.size += chunk.length;
  }

  /** The bytes written so far to disk, off the main thread: commit's own fsync then finds little
   * left to do instead of blocking every other stream for the whole blob. */
  async flush(): Promise<void> {
    await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
  }

  /** Verify and move into place. Returns the digest. A blob already present is kept (same bytes by definition). */
  commit(expected?: string): string {
    if (!this.hash) throw systemError('blob writer without a hash: commitVerified');
    if (this.done) throw systemError('blob writer already finished');
    return this.finish('sha256:' + this.hash.digest('hex'), expected);
  }

  /** Move into place under `digest`, which the caller computed over these very bytes (a pull's
   * download is hashed once, as it arrives, not a second time here: sha256 is most of a pull's CPU). */
  commitVerified(digest: string): string {
    hexOf(digest);
    return this.finish(digest);
  }

  private finish(digest: string, expected?: string): string {
    if (this.done) throw systemError('blob writer already finished');
    this.done = true;
    try {
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
    if (expected && expected !== digest) {
      fs.rmSync(this.tmp, { force: true });
      throw invalidParameter(`digest mismatch: expected ${expected}, got ${digest}`);
    }
    const dest = this.store.path(digest);
    this.existed = fs.existsSync(dest);
    if (this.existed) fs.rmSync(this.tmp, { force: true });
    else fs.renameSync(this.tmp, dest);
    return digest;
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed: the temporary file goes below regardless
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

export class ContentStore {
  readonly dir: string;
  readonly tmpDir: string;

  /** `dir` holds the blobs (…/blobs/sha256); `tmpDir` must be on the same filesystem. */
  constructor(dir: string, tmpDir: string) {
    this.dir = dir;
    this.tmpDir = tmpDir;
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(tmpDir, { recursive: true });
  }

  path(digest: string): string {
    return path.join(this.dir, hexOf(digest));
  }

  has(digest: string): boolean {
    try {
      return fs.statSync(this.path(digest)).isFile();
    } catch {
      return false;
    }
  }

  size(digest: string): number {
    return fs.statSync(this.path(digest)).size;
  }

  /** `hashed` false: the caller hashes the bytes and commits with commitVerified. */
  writer(hashed = true): BlobWriter {
    return new BlobWriter(this, path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`), hashed);
  }

  /** Store bytes already in memory (configs, manifests). */
  put(data: Buffer | string, expected?: string): string {
    const w = this.writer();
    try {
      w.write(Buffer.isBuffer(data) ? data : Buffer.from(data));
    } catch (e) {
      w.abort();
      throw e;
    }
    return w.commit(expected);
  }

  /** Store a stream. The source is consumed to its end. */
  async putStream(src: Readable, expected?: string): Promise<{ digest: string; size: number; existed: boolean }> {
    const w = this.writer();
    try {
      for await (const chunk of src) w.write(chunk as Buffer);
    } catch (e) {
      w.abort();
      throw e;
    }
    const digest = w.commit(expected);
    return { digest, size: w.size, existed: w.existed };
  }

  read(digest: string): Buffer {
    try {
      return fs.readFileSync(this.path(digest));
    } catch (e: any) {
      if (e.code === 'ENOENT') throw notFound(`content ${digest}: not found`);
      throw e;
    }
  }

  readStream(digest: string): Readable {
    if (!this.has(digest)) throw notFound(`content ${digest}: not found`);
    return fs.createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  delete(digest: string): void {
    fs.rmSync(this.path(digest), { force: true });
  }

  list(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((n) => HEX64.test(n))
      .map((n) => 'sha256:' + n);
  }

  /** Leftover temp files from a crash. Only call when no write is in flight (daemon start). */
  cleanTemp(): void {
    for (const n of fs.readdirSync(this.tmpDir)) if (n.startsWith('blob-')) fs.rmSync(path.join(this.tmpDir, n), { force: true });
  }
}
