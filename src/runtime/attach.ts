// An AttachSession over conmon's attach socket: a SOCK_SEQPACKET unix socket whose packets from conmon carry
// one byte of stream id (2 = stdout, 3 = stderr) before the data; what we write goes to the process's stdin.
import fs from 'node:fs';
import { SeqpacketSocket } from 'node-unix-socket';
import type { AttachSession, StreamName } from './types.ts';
import { conflict, systemError } from '../errdefs.ts';
import { log } from '../util/log.ts';
import { openUnlinkedSync } from '../util/spool.ts';

const STDOUT = 2;
const STDERR = 3;
/** conmon reads at most 32 KiB - 1 per packet (and a SEQPACKET read truncates the rest); stay well below. */
const MAX_PACKET = 16 * 1024;
const SUN_PATH_MAX = 107;
/** Output kept for a session nobody listens to yet. */
const MAX_PENDING = 4 * 1024 * 1024;
/** Output held in memory for a listener that paused (a client that does not keep up); beyond it, in
 * a file (see Spill), up to MAX_SPILL, then dropped. conmon writes to its attach sockets without ever
 * holding the container back (it drops what a full socket cannot take), so the daemon must read the
 * socket as it comes: Docker instead holds the container back for the client. Either way the client
 * gets every byte, without the daemon's memory growing with the container's output. */
export const MAX_HELD = 4 * 1024 * 1024;
export const MAX_SPILL = 1024 * 1024 * 1024;

type DataCb = (stream: StreamName, data: Buffer) => void;

/** Output kept in an unlinked file, in order, as records: stream byte, 32-bit length, data. */
class Spill {
  private readonly fd: number;
  private closed = false;
  private writePos = 0;
  private readPos = 0;

  constructor(dir: string) {
    // (unlinked: gone with the daemon, whatever happens to it)
    this.fd = openUnlinkedSync(dir);
  }

  get size(): number {
    return this.writePos - this.readPos;
  }

  add(stream: StreamName, data: Buffer): void {
    const head = Buffer.alloc(5);
    head[0] = stream === 'stderr' ? STDERR : STDOUT;
    head.writeUInt32BE(data.length, 1);
    for (const b of [head, data]) {
      for (let off = 0; off < b.length; ) off += fs.writeSync(this.fd, b, off, b.length - off, this.writePos + off);
      this.writePos += b.length;
    }
  }

  /** The next record, or undefined when everything written has been read. */
  next(): [StreamName, Buffer] | undefined {
    if (this.readPos >= this.writePos) return undefined;
    const head = Buffer.alloc(5);
    if (fs.readSync(this.fd, head, 0, 5, this.readPos) !== 5) throw new Error('the spool file ended early');
    const data = Buffer.allocUnsafe(head.readUInt32BE(1));
    for (let off = 0; off < data.length; ) {
      const n = fs.readSync(this.fd, data, off, data.length - off, this.readPos + 5 + off);
      if (n <= 0) throw new Error('the spool file ended early');
      off += n;
    }
    this.readPos += 5 + data.length;
    return [head[0] === STDERR ? 'stderr' : 'stdout', data];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

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
  private spill?: Spill;
  /** bytes dropped for a client that fell more than MAX_HELD + MAX_SPILL behind */
  dropped = 0;
  private afterHeld?: () => void;
  /** where held output beyond MAX_HELD goes (none: it is dropped there) */
  private readonly spoolDir?: string;

  constructor(sock: SeqpacketSocket, spoolDir?: string) {
    this.sock = sock;
    this.spoolDir = spoolDir;
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
        if (this.held.length || this.spill) this.afterHeld = cb;
        else cb();
      }),
    );
  }

  private hold(stream: StreamName, data: Buffer): void {
    // (once output went to the file, the rest follows it there: the order is kept)
    if (!this.spill && this.heldBytes + data.length <= MAX_HELD) {
      this.held.push([stream, data]);
      this.heldBytes += data.length;
      return;
    }
    try {
      if (!this.spill && this.spoolDir) this.spill = new Spill(this.spoolDir);
      if (this.spill && this.spill.size + data.length <= MAX_SPILL) return this.spill.add(stream, data);
    } catch (e) {
      log.warn(`attach: holding output for a slow client: ${(e as Error).message}`);
    }
    if (!this.dropped) log.warn(`attach: a client more than ${MAX_HELD + MAX_SPILL} bytes behind: its output is dropped`);
    this.dropped += data.length;
  }

  /**
   * The listener cannot take more for now (its client's socket is full): output is held until
   * resume(), in memory and then in a file (see MAX_HELD). The socket itself cannot stop being read
   * (node-unix-socket has no pause), and conmon would not hold the container back for it anyway.
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
    while (!this.paused && this.spill) {
      let r: [StreamName, Buffer] | undefined;
      try {
        r = this.spill.next();
      } catch (e) {
        log.warn(`attach: reading held output back: ${(e as Error).message}`);
      }
      if (!r) {
        this.spill.close();
        this.spill = undefined;
        break;
      }
      for (const cb of this.dataCbs) cb(r[0], r[1]);
    }
    if (!this.held.length && !this.spill && this.afterHeld) {
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
    this.spill?.close();
    this.spill = undefined;
    this.held = [];
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
export function connectAttach(socketPath: string, timeoutMs = 10_000, spoolDir?: string): Promise<SeqpacketAttach> {
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
        resolve(new SeqpacketAttach(sock, spoolDir));
      });
    } catch (e) {
      fail(e as Error);
    }
  });
}
