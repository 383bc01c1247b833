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
const streams = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'open') {
    streams.set(m.id, { ring: m.ring, segment: m.segment, hash: createHash('sha256') });
  } else if (m.op === 'update') {
    const s = streams.get(m.id);
    if (s) s.hash.update(new Uint8Array(s.ring, m.seg * s.segment, m.len));
    parentPort.postMessage({ id: m.id, acked: 1 });
  } else if (m.op === 'digest') {
    const s = streams.get(m.id);
    streams.delete(m.id);
    parentPort.postMessage({ id: m.id, digest: s ? s.hash.digest('hex') : '' });
  } else if (m.op === 'drop') {
    streams.delete(m.id);
  }
});
`;

/** The bytes travel through a ring of segments in memory shared with the worker: no allocation,
 * page fault or transfer per megabyte, one copy in and a message per segment. */
const SEGMENT = 1 << 20;
/** Segments per stream: how far the worker may lag before update() asks the caller to wait. */
const SEGMENTS = 4;
/** A worker left without streams this long is ended (no memory held at rest). */
const IDLE_MS = 30_000;
const POOL_SIZE = Math.max(2, Math.min(4, os.availableParallelism()));
/** Rings of finished streams, for the next ones (their pages are already faulted in). */
const freeRings: SharedArrayBuffer[] = [];
const MAX_FREE_RINGS = 6;

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
      if (pool.every((s) => !s.streams.size)) freeRings.length = 0;
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
  private ring?: SharedArrayBuffer;
  /** Where bytes are copied now: the first segment's bytes are staged in a plain buffer until the
   * stream proves long enough for a worker; then the ring's current segment. */
  private view?: Uint8Array;
  private seg = 0;
  private fill = 0;
  /** segments given to the worker and not hashed yet */
  private busy = 0;
  /** the part of the last update() not copied yet (the ring was full) */
  private rest?: Buffer;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private pendingDigest?: { resolve: (hex: string) => void; reject: (e: Error) => void };
  private failed?: Error;
  private finished = false;
  /** digest given or failure reported: nothing more to do */
  private settled = false;

  /** Feed bytes (copied: the caller keeps its chunk, but must leave it unchanged until a returned
   * promise settles). A promise: the worker is behind, wait for it before the next update. */
  update(chunk: Buffer): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    if (this.finished || this.rest) throw new Error('sha256: update after digest or before the last one was taken');
    this.rest = chunk;
    this.pump();
    if (!this.rest) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Copy what is left of the last update into free segments, handing each full one to the worker. */
  private pump(): void {
    while (this.rest) {
      if (this.ring && this.busy === SEGMENTS) return; // (an ack calls again)
      this.view ??= Buffer.allocUnsafeSlow(SEGMENT);
      const n = Math.min(this.rest.length, SEGMENT - this.fill);
      this.view.set(n === this.rest.length ? this.rest : this.rest.subarray(0, n), this.fill);
      this.fill += n;
      this.rest = n === this.rest.length ? undefined : this.rest.subarray(n);
      if (this.fill === SEGMENT) this.send();
    }
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** The hex digest of everything fed. */
  digest(): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.finished || this.rest) return Promise.reject(new Error('sha256: digest twice or before the last update was taken'));
    this.finished = true;
    if (!this.ring) {
      // never reached a worker: a short stream, hashed here
      const hex = createHash('sha256')
        .update(this.view?.subarray(0, this.fill) ?? Buffer.alloc(0))
        .digest('hex');
      this.view = undefined;
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
    this.view = undefined;
    this.rest = undefined;
    // (the ring is not reused: the worker may still be reading it)
    this.ring = undefined;
    this.onFailure(new Error('sha256: cancelled'));
  }

  /** Hand the current segment (full, or the last one) to the worker and move to the next. */
  private send(): void {
    if (!this.ring) {
      this.slot = leastBusy();
      this.slot.streams.set(this.id, this);
      this.ring = freeRings.pop() ?? new SharedArrayBuffer(SEGMENT * SEGMENTS);
      new Uint8Array(this.ring, 0, this.fill).set(this.view!.subarray(0, this.fill));
      this.slot.post({ op: 'open', id: this.id, ring: this.ring, segment: SEGMENT });
    }
    this.slot!.post({ op: 'update', id: this.id, seg: this.seg, len: this.fill });
    this.busy++;
    this.seg = (this.seg + 1) % SEGMENTS;
    this.fill = 0;
    this.view = new Uint8Array(this.ring, this.seg * SEGMENT, SEGMENT);
  }

  /** @internal from the worker */
  onReply(r: Reply): void {
    if (r.acked !== undefined) {
      this.busy--;
      if (this.rest) this.pump();
    }
    if (r.digest !== undefined && this.pendingDigest) {
      const p = this.pendingDigest;
      this.pendingDigest = undefined;
      this.settled = true;
      this.slot!.release(this.id);
      if (this.ring && freeRings.length < MAX_FREE_RINGS) freeRings.push(this.ring);
      this.ring = undefined;
      this.view = undefined;
      p.resolve(r.digest);
    }
  }

  /** @internal the worker died, or the stream was cancelled */
  onFailure(e: Error): void {
    this.settled = true;
    this.failed ??= e;
    this.rest = undefined;
    for (const w of this.waiters.splice(0)) w.reject(e);
    const p = this.pendingDigest;
    this.pendingDigest = undefined;
    p?.reject(e);
  }
}
