// docker logs over a rotated json-file log: the rotated files oldest first (<file>.N[.gz] ... <file>.1[.gz]),
// then the live file, as moby's loggerutils reads them. --tail counts messages back across the files,
// --since/--until filter on each message's time, --follow goes on in the live file and, when the writer
// rotates it, reads the old file to its end and then each file that was live after it.
// The files are opened together in one synchronous step, so a rotation (also synchronous, in the same
// process) never falls between two opens; an open descriptor reads its file even after it was renamed away
// or deleted. A follower opens each live file as it is rotated (the writer calls it back right before), so
// one that reads slower than the container writes misses no file, however many rotations it falls behind.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { decodeJsonLine, rotatedName } from './json-log.ts';
import type { LogEntry, LogOptions } from './types.ts';
import { Waker } from '../util/waker.ts';

const CHUNK = 256 * 1024;
const NL = 0x0a;

export interface RotatedLogControl {
  /** True once no more output can come (the container's monitor is gone). */
  done(): boolean;
  /** Convert what the container wrote so far into the file. */
  sync(): void;
  /** Be called back at each rotation, while the live file is still in place; returns an unsubscribe function. */
  onRotate(cb: () => void): () => void;
  /** Wake on new output or the container's exit; returns an unsubscribe function. */
  subscribe(cb: () => void): () => void;
}

/** One file of the log: an open descriptor, or a decompressed rotated file in memory. */
type Source = { fd: number } | { data: Buffer };

/** Open the i-th rotated file (compressed or not), or undefined when it is not there. */
function openRotated(file: string, i: number): Source | undefined {
  for (const gz of [true, false]) {
    let fd: number;
    try {
      fd = fs.openSync(rotatedName(file, i, gz), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (!gz) return { fd };
    try {
      return { data: zlib.gunzipSync(fs.readFileSync(fd)) };
    } finally {
      fs.closeSync(fd);
    }
  }
  return undefined;
}

function openLive(file: string): Source | undefined {
  try {
    return { fd: fs.openSync(file, 'r') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Every file of the log, oldest first. */
export function openAll(file: string): Source[] {
  const rotated: Source[] = [];
  for (let i = 1; ; i++) {
    const s = openRotated(file, i);
    if (!s) break;
    rotated.push(s);
  }
  const live = openLive(file);
  return [...rotated.reverse(), ...(live ? [live] : [])];
}

function inode(s: Source): number | undefined {
  return 'fd' in s ? fs.fstatSync(s.fd).ino : undefined;
}

function sizeOf(s: Source): number {
  return 'fd' in s ? fs.fstatSync(s.fd).size : s.data.length;
}

function readAt(s: Source, buf: Buffer, pos: number, len: number): number {
  if ('fd' in s) return fs.readSync(s.fd, buf, 0, len, pos);
  return s.data.copy(buf, 0, pos, Math.min(pos + len, s.data.length));
}

function closeSource(s: Source): void {
  if ('fd' in s) fs.closeSync(s.fd);
}

/** Where the last `n` lines of a file begin, and how many lines there are from there (at most n). */
export function tailStart(s: Source, size: number, n: number): { offset: number; count: number } {
  if (n <= 0 || size === 0) return { offset: size, count: 0 };
  let count = 0;
  let pos = size;
  const buf = Buffer.allocUnsafe(CHUNK);
  // the file's last byte ends its last line
  let end = size - 1;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const len = readAt(s, buf, start, pos - start);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== NL || start + i >= end) continue;
      count++;
      if (count === n) return { offset: start + i + 1, count };
    }
    pos = start;
    end = Math.min(end, pos);
  }
  return { offset: 0, count: count + 1 };
}

/** Read a json-file log, rotated files included. */
export async function* readRotatedLog(file: string, opts: LogOptions, signal: AbortSignal, ctl: RotatedLogControl): AsyncGenerator<LogEntry> {
  const sinceNs = opts.since !== undefined && opts.since > 0 ? BigInt(Math.round(opts.since * 1e6)) * 1000n : undefined;
  const untilNs = opts.until !== undefined && opts.until > 0 ? BigInt(Math.round(opts.until * 1e6)) * 1000n : undefined;
  const want = (e: LogEntry) => (e.stream === 'stdout' ? opts.stdout : opts.stderr) && (sinceNs === undefined || e.timeNs >= sinceNs);

  const waker = new Waker();
  const poke = waker.poke;
  const unsubscribe = opts.follow ? ctl.subscribe(poke) : undefined;
  // the live files rotated away since the follower last looked, oldest first
  const rotatedOut: Source[] = [];
  const unhook = opts.follow
    ? ctl.onRotate(() => {
        const s = openLive(file);
        if (s) rotatedOut.push(s);
      })
    : undefined;
  signal.addEventListener('abort', poke);
  const sleep = (ms: number) => waker.sleep(ms);

  // the files still to read, each from an offset; the last one is the live file while following
  let queue: { src: Source; offset: number }[] = [];
  const buf = Buffer.allocUnsafe(CHUNK);
  /** Entries from `q.offset` to the current end of the file; false once --until is passed. */
  async function* readOn(q: { src: Source; offset: number }): AsyncGenerator<LogEntry, boolean> {
    let rest = Buffer.alloc(0);
    for (;;) {
      if (signal.aborted) return false;
      const n = readAt(q.src, buf, q.offset, CHUNK);
      if (n <= 0) break;
      const data = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      const last = data.lastIndexOf(NL);
      // only whole lines are read; a line still being written is read again next time
      if (last < 0) {
        if (n < CHUNK) break;
        rest = Buffer.from(data);
        q.offset += n;
        continue;
      }
      q.offset += n - (data.length - last - 1);
      rest = Buffer.alloc(0);
      let start = 0;
      while (start <= last) {
        const nl = data.indexOf(NL, start);
        const e = decodeJsonLine(data.toString('utf8', start, nl));
        start = nl + 1;
        if (!e) continue;
        if (untilNs !== undefined && e.timeNs > untilNs) return false;
        if (want(e)) yield e;
        if (signal.aborted) return false;
      }
    }
    return true;
  }

  try {
    ctl.sync();
    queue = openAll(file).map((src) => ({ src, offset: 0 }));
    if (opts.tail !== undefined && queue.length) {
      // the live file is kept (at its end for --tail 0) so that a follow goes on from there
      let need = opts.tail;
      let first = queue.length - 1;
      queue[first]!.offset = sizeOf(queue[first]!.src);
      for (let i = queue.length - 1; i >= 0 && need > 0; i--) {
        const q = queue[i]!;
        const { offset, count } = tailStart(q.src, sizeOf(q.src), need);
        q.offset = offset;
        need -= count;
        first = i;
      }
      for (const q of queue.splice(0, first)) closeSource(q.src);
    }
    for (;;) {
      // the live file stays in the queue while following; everything before it is read to its end
      while (queue.length > (opts.follow ? 1 : 0)) {
        const q = queue.shift()!;
        const go = yield* readOn(q);
        closeSource(q.src);
        if (!go) return;
      }
      if (!opts.follow) return;
      if (signal.aborted) return;
      const finished = ctl.done();
      ctl.sync();
      if (rotatedOut.length) {
        // the live file rotated: it is complete; the files live after it come next, then the new live file
        const live = openLive(file);
        const seen = new Set(queue.map((q) => inode(q.src)));
        for (const src of [...rotatedOut.splice(0), ...(live ? [live] : [])]) {
          const ino = inode(src);
          if (seen.has(ino)) closeSource(src);
          else (seen.add(ino), queue.push({ src, offset: 0 }));
        }
        continue;
      }
      if (!queue.length) {
        // the container has not written its log yet
        const live = openLive(file);
        if (live) queue.push({ src: live, offset: 0 });
      }
      if (queue.length) {
        const go = yield* readOn(queue[0]!);
        if (!go) return;
      }
      if (finished) return;
      await sleep(1000);
    }
  } finally {
    signal.removeEventListener('abort', poke);
    unsubscribe?.();
    unhook?.();
    for (const s of [...queue.map((q) => q.src), ...rotatedOut]) closeSource(s);
  }
}
