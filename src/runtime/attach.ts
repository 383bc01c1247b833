// An AttachSession over conmon's attach socket: a SOCK_SEQPACKET unix socket whose packets from conmon carry
// one byte of stream id (2 = stdout, 3 = stderr) before the data; what we write goes to the process's stdin.
import fs from 'node:fs';
import { SeqpacketSocket } from 'node-unix-socket';
import type { AttachSession, StreamName } from './types.ts';
import { conflict, systemError } from '../errdefs.ts';

const STDOUT = 2;
const STDERR = 3;
/** conmon reads at most 32 KiB - 1 per packet (and a SEQPACKET read truncates the rest); stay well below. */
const MAX_PACKET = 16 * 1024;
const SUN_PATH_MAX = 107;
/** Output kept for a session nobody listens to yet. */
const MAX_PENDING = 4 * 1024 * 1024;
/** Output held for a listener that paused (a client that does not keep up): conmon writes to its
 * attach sockets without blocking the container and drops what a full socket cannot take, so the
 * process is never held back here; we hold this much for the client, then drop as conmon does,
 * instead of buffering without bound. */
export const MAX_HELD = 4 * 1024 * 1024;

type DataCb = (stream: StreamName, data: Buffer) => void;

export class SeqpacketAttach implements AttachSession {
  private readonly sock: SeqpacketSocket;
  private dataCbs: DataCb[] = [];
  /** Output that arrived before anyone listened (attach happens before start; listeners come a tick later). */
  private pending: [StreamName, Buffer][] = [];
  private pendingBytes = 0;
  private ended = false;
  private closed = false;
  private stdinEnded = false;
  /** An optional gate: the end is reported only after it settles (exec: after the exit code is known). */
  private endGate: Promise<unknown> | undefined;
  private endResolve!: () => void;
  private readonly endReady = new Promise<void>((r) => (this.endResolve = r));
  /** see pause() */
  private paused = false;
  private held: [StreamName, Buffer][] = [];
  private heldBytes = 0;
  /** bytes dropped for a client that fell more than MAX_HELD behind */
  dropped = 0;
  private afterHeld?: () => void;

  constructor(sock: SeqpacketSocket) {
    this.sock = sock;
    sock.on('data', (buf: Buffer) => {
      if (buf.length === 0 || (buf[0] !== STDOUT && buf[0] !== STDERR)) return;
      const stream: StreamName = buf[0] === STDERR ? 'stderr' : 'stdout';
      const data = buf.subarray(1);
      if (this.dataCbs.length === 0) this.buffer(stream, data);
      else if (this.paused) this.hold(stream, data);
      else for (const cb of this.dataCbs) cb(stream, data);
    });
    const end = () => this.markEnded();
    sock.on('end', end);
    sock.on('close', end);
    sock.on('error', end);
  }

  /** Delay the end notification until `p` settles (bounded by `maxMs`). */
  gateEnd(p: Promise<unknown>, maxMs = 5000): void {
    this.endGate = Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, maxMs).unref())]); // the gate only delays the end notification; p's failure is its owner's
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.closed) {
      this.closed = true;
      try {
        this.sock.destroy();
      } catch {
        // a socket already torn down has nothing left to release
      }
    }
    void (this.endGate ?? Promise.resolve()).then(() => this.endResolve());
  }

  /** Keep output until a listener comes, bounded: with nobody listening (a detached exec) the oldest goes. */
  private buffer(stream: StreamName, data: Buffer): void {
    this.pending.push([stream, data]);
    this.pendingBytes += data.length;
    while (this.pendingBytes > MAX_PENDING && this.pending.length > 1) this.pendingBytes -= this.pending.shift()![1].length;
  }

  private flushPending(): void {
    this.pendingBytes = 0;
    const p = this.pending;
    this.pending = [];
    for (const [s, d] of p) for (const cb of this.dataCbs) cb(s, d);
  }

  onData(cb: DataCb): void {
    this.dataCbs.push(cb);
    if (this.pending.length) this.flushPending();
  }

  onEnd(cb: () => void): void {
    void this.endReady.then(() =>
      setImmediate(() => {
        if (this.pending.length && this.dataCbs.length) this.flushPending();
        // what is held for a paused listener goes first
        if (this.held.length) this.afterHeld = cb;
        else cb();
      }),
    );
  }

  private hold(stream: StreamName, data: Buffer): void {
    if (this.heldBytes + data.length > MAX_HELD) {
      this.dropped += data.length;
      return;
    }
    this.held.push([stream, data]);
    this.heldBytes += data.length;
  }

  /**
   * The listener cannot take more for now (its client's socket is full): output is held, up to
   * MAX_HELD, until resume(). The socket cannot stop being read (node-unix-socket has no pause),
   * and conmon would not hold the container back for it anyway: beyond that, output is dropped
   * for this session, as conmon drops it for a full attach socket. The log has all of it.
   */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    while (!this.paused && this.held.length) {
      const [s, d] = this.held.shift()!;
      this.heldBytes -= d.length;
      for (const cb of this.dataCbs) cb(s, d);
    }
    if (!this.held.length && this.afterHeld) {
      const cb = this.afterHeld;
      this.afterHeld = undefined;
      cb();
    }
  }

  write(data: Buffer): void {
    if (this.closed || this.stdinEnded || data.length === 0) return;
    try {
      for (let off = 0; off < data.length; off += MAX_PACKET) {
        const chunk = data.subarray(off, Math.min(off + MAX_PACKET, data.length));
        this.sock.write(chunk, 0, chunk.length);
      }
    } catch {
      // The monitor is gone; the end notification follows.
    }
  }

  endStdin(): void {
    if (this.closed || this.stdinEnded) return;
    this.stdinEnded = true;
    try {
      this.sock.end();
    } catch {
      // a socket already closed: stdin is over either way
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.sock.destroy();
    } catch {
      // a socket already torn down has nothing left to release
    }
    this.markEnded();
  }
}

/**
 * Connect to an attach socket. Paths longer than sun_path are reached through /proc/self/fd/N of their
 * directory, so deep state directories work.
 */
export function connectAttach(socketPath: string, timeoutMs = 10_000): Promise<SeqpacketAttach> {
  return new Promise((resolve, reject) => {
    let dirFd: number | undefined;
    let target = socketPath;
    if (Buffer.byteLength(socketPath) > SUN_PATH_MAX) {
      const slash = socketPath.lastIndexOf('/');
      try {
        dirFd = fs.openSync(socketPath.slice(0, slash) || '/', fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      } catch (e) {
        return reject(systemError(`attach: ${(e as Error).message}`));
      }
      target = `/proc/self/fd/${dirFd}/${socketPath.slice(slash + 1)}`;
    }
    const cleanup = () => {
      if (dirFd !== undefined) fs.closeSync(dirFd);
      dirFd = undefined;
    };
    const sock = new SeqpacketSocket();
    let settled = false;
    const timer = setTimeout(() => fail(new Error('timed out')), timeoutMs);
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      try {
        sock.destroy();
      } catch {
        // a socket already torn down has nothing left to release; the error below is reported
      }
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const gone = code === 'ENOENT' || code === 'ECONNREFUSED' || /No such file|Connection refused/i.test(e.message);
      reject(gone ? conflict('the process is not running') : systemError(`cannot attach to ${socketPath}: ${e.message}`));
    };
    sock.once('error', fail);
    try {
      sock.connect(target, () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cleanup();
        sock.off('error', fail);
        resolve(new SeqpacketAttach(sock));
      });
    } catch (e) {
      fail(e as Error);
    }
  });
}
