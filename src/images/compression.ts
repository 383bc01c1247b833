// Compression detection by magic bytes (as Docker's DecompressStream) and streaming decompression.
import zlib from 'node:zlib';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import { invalidParameter } from '../errdefs.ts';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

export const MEDIA_TYPES: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  bzip2: 'application/vnd.oci.image.layer.v1.tar',
  xz: 'application/vnd.oci.image.layer.v1.tar',
};

/**
 * Read the first bytes of a stream without losing them: returns them and a stream that
 * replays them followed by the rest (pull-based, so backpressure is kept).
 */
export async function peek(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = src[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const c = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(c);
    len += c.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay() {
    if (head.length) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value as Buffer;
    }
  }
  const stream = Readable.from(replay(), { objectMode: false, highWaterMark: 1 << 16 });
  // Tearing down the replay stream must tear down the source too.
  stream.once('close', () => {
    if (!src.destroyed && !src.readableEnded) src.destroy();
  });
  return { head, stream };
}

/** Output chunk of the decompressors: zlib's default (16 KiB) costs a round trip to the thread pool,
 * a buffer allocation and a trip down the stream pipeline per 16 KiB of a layer. */
const OUT_CHUNK = 256 * 1024;

/** Detect the compression of `src` and return the uncompressed stream. */
export async function decompress(src: Readable): Promise<{ stream: Readable; compression: Compression }> {
  const { head, stream } = await peek(src, 6);
  const compression = detectCompression(head);
  switch (compression) {
    case 'none':
      return { stream, compression };
    case 'gzip':
      return { stream: chain(stream, zlib.createGunzip({ chunkSize: OUT_CHUNK })), compression };
    case 'zstd':
      return { stream: chain(stream, (zlib as any).createZstdDecompress({ chunkSize: OUT_CHUNK })), compression };
    default:
      stream.destroy();
      throw invalidParameter(`unsupported compression format ${compression}`);
  }
}

/** src | t, with errors from src reaching t's readers. */
function chain(src: Readable, t: Transform): Readable {
  src.on('error', (e) => t.destroy(e));
  t.once('close', () => {
    if (!src.destroyed) src.destroy();
  });
  return src.pipe(t);
}

/** A pass-through that hashes (sha256) and counts what flows through, optionally calling `tap` on
 * each chunk. `hashed` false: it only counts and taps (the bytes are hashed elsewhere already). */
export class HashingTap extends Transform {
  private hash: Hash | undefined;
  bytes = 0;
  private readonly tap?: (chunk: Buffer) => void;
  private result?: string;

  constructor(tap?: (chunk: Buffer) => void, hashed = true) {
    super({ highWaterMark: 1 << 16 });
    this.tap = tap;
    this.hash = hashed ? createHash('sha256') : undefined;
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.hash?.update(chunk);
      this.bytes += chunk.length;
      this.tap?.(chunk);
    } catch (e) {
      return cb(e as Error);
    }
    cb(null, chunk);
  }

  digest(): string {
    if (!this.hash) throw new Error('HashingTap: not hashing');
    this.result ??= 'sha256:' + this.hash.digest('hex');
    return this.result;
  }
}
