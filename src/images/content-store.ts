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
  private hash: Hash = createHash('sha256');
  size = 0;
  /** After commit: whether the blob was there already (this write added nothing). */
  existed = false;
  private done = false;

  constructor(store: ContentStore, tmp: string) {
    this.store = store;
    this.tmp = tmp;
    this.fd = fs.openSync(tmp, 'wx', 0o644);
  }

  /** Synchronous on purpose: page-cache writes are fast and keep stream ordering trivial. */
  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off);
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  /** Verify and move into place. Returns the digest. A blob already present is kept (same bytes by definition). */
  commit(expected?: string): string {
    if (this.done) throw systemError('blob writer already finished');
    this.done = true;
    const digest = 'sha256:' + this.hash.digest('hex');
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

  writer(): BlobWriter {
    return new BlobWriter(this, path.join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`));
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
