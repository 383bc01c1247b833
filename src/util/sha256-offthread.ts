// sha256 of long streams (a pull's downloads and their uncompressed layers) on worker threads.
// A 5-layer 300 MB pull hashes ~530 MB: on the main thread that was half of the pull's CPU, done by
// one thread, so under contention the whole pull queued behind it while the other core (and the
// zlib threads) waited. Here the bytes are copied in 1 MiB batches to a small pool of workers, each
// stream sticking to one worker (the hash state lives there); short streams (under one batch) are
// hashed in place, as a worker's round trip would cost more than the hashing.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { createHash } from 'node:crypto';

/** Plain CommonJS (eval'd): no module loading in the worker, it starts in a few milliseconds. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (!h) hashes.set(m.id, (h = createHash('sha256')));
    h.update(m.data);
    parentPort.postMessage({ id: m.id, acked: m.data.byteLength });
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, digest: h.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

const BATCH = 1 << 20;
/** Bytes sent to a worker and not hashed yet, per stream, before update() asks the caller to wait. */
const MAX_IN_FLIGHT = 4 << 20;
/** A worker left without streams this long is ended (no memory held at rest). */
const IDLE_MS = 10_000;
const POOL_SIZE = Math.max(2, Math.min(4, os.availableParallelism()));

interface Reply {
  id: number;
  acked?: number;
  digest?: string;
}

class Slot {
  worker?: Worker;
  readonly streams = new Map<number, OffThreadSha256>();
  private idle?: NodeJS.Timeout;

  post(msg: object, transfer?: ArrayBuffer[]): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (!this.worker) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (r: Reply) => this.streams.get(r.id)?.onReply(r));
      const fail = (e: Error) => {
        if (this.worker !== w) return;
        this.worker = undefined;
        for (const s of this.streams.values()) s.onFailure(e);
        this.streams.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`sha256 worker exited (${code})`)));
      this.worker = w;
    }
    this.worker.postMessage(msg, transfer as never);
  }

  release(id: number): void {
    this.streams.delete(id);
    if (this.streams.size || !this.worker || this.idle) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      const w = this.worker;
      this.worker = undefined;
      void w?.terminate();
    }, IDLE_MS);
    this.idle.unref();
  }
}

const pool: Slot[] = Array.from({ length: POOL_SIZE }, () => new Slot());
let nextId = 1;

function leastBusy(): Slot {
  return pool.reduce((a, b) => (b.streams.size < a.streams.size ? b : a));
}

/** An incremental sha256 whose work happens off the main thread once the stream is long. */
export class OffThreadSha256 {
  private readonly id = nextId++;
  private slot?: Slot;
  private batch?: Buffer;
  private fill = 0;
  private inFlight = 0;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private pendingDigest?: { resolve: (hex: string) => void; reject: (e: Error) => void };
  private failed?: Error;
  private finished = false;
  /** digest given or failure reported: nothing more to do */
  private settled = false;

  /** Feed bytes (copied: the caller keeps its chunk). A promise: wait for it before the next update
   * (the worker is behind); undefined: go on. */
  update(chunk: Buffer): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    if (this.finished) throw new Error('sha256: update after digest');
    let off = 0;
    while (off < chunk.length) {
      this.batch ??= Buffer.allocUnsafeSlow(BATCH);
      const n = chunk.copy(this.batch, this.fill, off);
      off += n;
      this.fill += n;
      if (this.fill === BATCH) this.send();
    }
    if (this.inFlight <= MAX_IN_FLIGHT) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The hex digest of everything fed. */
  digest(): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.finished) return Promise.reject(new Error('sha256: digest twice'));
    this.finished = true;
    if (!this.slot) {
      // never reached a worker: a short stream, hashed here
      const hex = createHash('sha256')
        .update(this.batch?.subarray(0, this.fill) ?? Buffer.alloc(0))
        .digest('hex');
      this.batch = undefined;
      this.settled = true;
      return Promise.resolve(hex);
    }
    if (this.fill) this.send();
    return new Promise((resolve, reject) => {
      this.pendingDigest = { resolve, reject };
      this.slot!.post({ op: 'digest', id: this.id });
    });
  }

  /** Give up (the stream failed): the worker forgets the state. */
  cancel(): void {
    if (this.settled) return;
    if (this.slot) {
      // (after a digest request the worker forgets the state by itself)
      if (!this.pendingDigest) this.slot.post({ op: 'drop', id: this.id });
      this.slot.release(this.id);
    }
    this.finished = true;
    this.batch = undefined;
    this.onFailure(new Error('sha256: cancelled'));
  }

  private send(): void {
    if (!this.slot) {
      this.slot = leastBusy();
      this.slot.streams.set(this.id, this);
    }
    const ab = this.batch!.buffer as ArrayBuffer;
    const data = new Uint8Array(ab, this.batch!.byteOffset, this.fill);
    this.inFlight += this.fill;
    this.batch = undefined;
    this.fill = 0;
    this.slot.post({ op: 'update', id: this.id, data }, [ab]);
  }

  /** @internal from the worker */
  onReply(r: Reply): void {
    if (r.acked !== undefined) {
      this.inFlight -= r.acked;
      if (this.inFlight <= MAX_IN_FLIGHT) for (const w of this.waiters.splice(0)) w.resolve();
    }
    if (r.digest !== undefined && this.pendingDigest) {
      const p = this.pendingDigest;
      this.pendingDigest = undefined;
      this.settled = true;
      this.slot!.release(this.id);
      p.resolve(r.digest);
    }
  }

  /** @internal the worker died, or the stream was cancelled */
  onFailure(e: Error): void {
    this.settled = true;
    this.failed ??= e;
    for (const w of this.waiters.splice(0)) w.reject(e);
    const p = this.pendingDigest;
    this.pendingDigest = undefined;
    p?.reject(e);
  }
}
