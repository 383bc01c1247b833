// Docker's stdcopy framing for non-TTY logs, attach and exec: each frame is an 8-byte header
// [stream, 0, 0, 0, size (uint32 big-endian)] followed by `size` bytes. stdin=0, stdout=1,
// stderr=2, and 3 is the daemon's "systemerr" (an error message, ending the stream).
import type { Readable, Writable } from 'node:stream';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;
const HEADER = 8;

export type FrameHandler = (stream: number, data: Buffer) => void;

export class StdcopyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StdcopyFormatError';
  }
}

/** Incremental demultiplexer: feed it chunks as they arrive; it calls onFrame per complete piece. */
export class Demuxer {
  private readonly onFrame: FrameHandler;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private header: Buffer | null = null;
  private remaining = 0;
  private stream = 0;

  constructor(onFrame: FrameHandler) {
    this.onFrame = onFrame;
  }

  feed(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.remaining > 0) {
        // Inside a frame's payload: pass bytes on as they come (large frames need not be buffered).
        const n = Math.min(this.remaining, chunk.length - off);
        this.onFrame(this.stream, chunk.subarray(off, off + n));
        this.remaining -= n;
        off += n;
        continue;
      }
      // Collect a header, which may be split across chunks.
      const need = HEADER - this.pendingLen;
      const take = Math.min(need, chunk.length - off);
      this.pending.push(chunk.subarray(off, off + take));
      this.pendingLen += take;
      off += take;
      if (this.pendingLen < HEADER) break;
      this.header = Buffer.concat(this.pending, HEADER);
      this.pending = [];
      this.pendingLen = 0;
      const stream = this.header[0];
      if (stream > SYSTEMERR) throw new StdcopyFormatError(`Unrecognized input header: ${stream}`);
      this.stream = stream;
      this.remaining = this.header.readUInt32BE(4);
      this.header = null;
    }
  }

  /** True when the input ended on a frame boundary. */
  get idle(): boolean {
    return this.remaining === 0 && this.pendingLen === 0;
  }
}

/** Splits a whole multiplexed buffer into frames (for tests and small responses). */
export function demuxBuffer(buf: Buffer): { stream: number; data: Buffer }[] {
  const out: { stream: number; data: Buffer }[] = [];
  let off = 0;
  while (off + HEADER <= buf.length) {
    const stream = buf[off];
    if (stream > SYSTEMERR) throw new StdcopyFormatError(`Unrecognized input header: ${stream}`);
    const size = buf.readUInt32BE(off + 4);
    out.push({ stream, data: buf.subarray(off + HEADER, Math.min(buf.length, off + HEADER + size)) });
    off += HEADER + size;
  }
  return out;
}

/** Encodes one frame (the inverse, used by tests and by anything that fakes a daemon). */
export function encodeFrame(stream: number, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const h = Buffer.alloc(HEADER);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/**
 * Copies a multiplexed stream to stdout/stderr writers until it ends, honouring backpressure.
 * A systemerr frame rejects with the daemon's message. Returns the number of payload bytes written.
 */
export function stdCopy(src: Readable, stdout: Writable | null, stderr: Writable | null): Promise<number> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let sysErr: Buffer[] | null = null;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      src.off('data', onData);
      if (err) reject(err);
      else resolve(written);
    };
    const demux = new Demuxer((stream, data) => {
      let w: Writable | null = null;
      if (stream === STDOUT || stream === STDIN) w = stdout;
      else if (stream === STDERR) w = stderr;
      else if (stream === SYSTEMERR) {
        (sysErr ??= []).push(Buffer.from(data));
        return;
      }
      if (!w) return;
      written += data.length;
      if (!w.write(data)) {
        src.pause();
        w.once('drain', () => src.resume());
      }
    });
    const onData = (chunk: Buffer) => {
      try {
        demux.feed(chunk);
      } catch (e) {
        finish(e as Error);
      }
    };
    src.on('data', onData);
    src.once('end', () => finish(sysErr ? new Error(Buffer.concat(sysErr).toString()) : undefined));
    src.once('close', () => finish(sysErr ? new Error(Buffer.concat(sysErr).toString()) : undefined));
    src.once('error', (e) => finish(e));
  });
}
