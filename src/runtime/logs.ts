// Reading conmon's k8s-file logs (a CRI container's log at the kubelet's path, and the buffer the json-file
// pipeline converts, log-pipeline.ts): `<RFC3339Nano time> <stdout|stderr> <P|F> <data>\n` per line, where P marks a
// partial line (continued by the next entries of the same stream up to an F). Supports tail (read from the end),
// since/until, stream filtering and follow (inotify on the file until the monitor is gone).
import fs from 'node:fs';
import type { LogEntry, LogOptions, StreamName } from './types.ts';
import { Waker } from '../util/waker.ts';

export interface RawLine {
  stream: StreamName;
  partial: boolean;
  time: string;
  timeNs: bigint;
  data: Buffer;
}

const SPACE = 0x20;
const NL = 0x0a;

/** Nanoseconds since the epoch of an RFC3339(Nano) timestamp with offset or Z. */
export function parseTimeNs(ts: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(ts);
  if (!m) return 0n;
  const secMs = Date.parse(m[1] + (m[3] === 'Z' ? 'Z' : m[3]));
  if (Number.isNaN(secMs)) return 0n;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(secMs) * 1_000_000n + BigInt(frac || '0');
}

/** Docker's log timestamp format (RFC3339Nano with fixed 9 digits, UTC). */
export function formatTimeNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.000Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Parse one log line (without its trailing newline). */
export function parseLine(line: Buffer): RawLine | undefined {
  const s1 = line.indexOf(SPACE);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const s3 = line.indexOf(SPACE, s2 + 1);
  const tagEnd = s3 < 0 ? line.length : s3;
  const streamName = line.toString('latin1', s1 + 1, s2);
  if (streamName !== 'stdout' && streamName !== 'stderr') return undefined;
  const tag = line.toString('latin1', s2 + 1, tagEnd);
  const time = line.toString('latin1', 0, s1);
  const timeNs = parseTimeNs(time);
  const partial = tag === 'P';
  const content = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1);
  // A full line's newline was the record's own; give it back.
  const data = partial ? Buffer.from(content) : Buffer.concat([content, Buffer.from('\n')]);
  return { stream: streamName, partial, time: formatTimeNs(timeNs), timeNs, data };
}

/** Joins P lines into the F line that completes them, per stream. */
export class LineJoiner {
  private readonly partial: Record<StreamName, RawLine[]> = { stdout: [], stderr: [] };

  push(l: RawLine): LogEntry | undefined {
    const parts = this.partial[l.stream];
    if (l.partial) {
      parts.push(l);
      return undefined;
    }
    if (parts.length === 0) return { stream: l.stream, time: l.time, timeNs: l.timeNs, data: l.data };
    const first = parts[0];
    const data = Buffer.concat([...parts.map((p) => p.data), l.data]);
    this.partial[l.stream] = [];
    return { stream: l.stream, time: first.time, timeNs: first.timeNs, data };
  }

  /** Unterminated output at the end of a finished log. */
  flush(): LogEntry[] {
    const out: LogEntry[] = [];
    for (const s of ['stdout', 'stderr'] as StreamName[]) {
      const parts = this.partial[s];
      if (!parts.length) continue;
      out.push({ stream: s, time: parts[0].time, timeNs: parts[0].timeNs, data: Buffer.concat(parts.map((p) => p.data)) });
      this.partial[s] = [];
    }
    return out.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  }
}

const CHUNK = 64 * 1024;

/**
 * Byte offset where the last `n` messages begin: scan backwards counting full (F) lines; the boundary is right
 * after the (n+1)-th F line from the end (P lines belong to the message their F completes).
 */
export function tailOffset(fd: number, size: number, n: number): number {
  if (n <= 0) return size;
  let fulls = 0;
  let lineEnd = size; // exclusive end (the '\n' position) of the line being looked at
  const head = Buffer.alloc(64);
  let pos = size;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const buf = Buffer.alloc(pos - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    for (let i = buf.length - 1; i >= 0; i--) {
      if (buf[i] !== NL) continue;
      const nlPos = start + i;
      if (nlPos === size - 1) {
        lineEnd = nlPos;
        continue;
      }
      const lineStart = nlPos + 1;
      const len = Math.min(64, lineEnd - lineStart);
      let line: Buffer;
      if (lineStart - start + len <= buf.length) line = buf.subarray(lineStart - start, lineStart - start + len);
      else line = head.subarray(0, fs.readSync(fd, head, 0, len, lineStart));
      if (isFullLine(line)) {
        fulls++;
        if (fulls === n + 1) return lineEnd + 1;
      }
      lineEnd = nlPos;
    }
    pos = start;
  }
  // The file's first line has no newline before it.
  const len = Math.min(64, lineEnd);
  if (len > 0 && isFullLine(head.subarray(0, fs.readSync(fd, head, 0, len, 0))) && fulls + 1 === n + 1) return lineEnd + 1;
  return 0;
}

function isFullLine(line: Buffer): boolean {
  const s1 = line.indexOf(SPACE);
  if (s1 < 0) return false;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return false;
  return line[s2 + 1] === 0x46 /* F */ && (line.length === s2 + 2 || line[s2 + 2] === SPACE || line[s2 + 2] === NL);
}

export interface FollowControl {
  /** True once no more output can come (the monitor is gone). */
  done(): boolean;
  /** Subscribe to "something may have changed" (exit events); returns an unsubscribe function. */
  subscribe?(cb: () => void): () => void;
}

/** Read a container's log as entries. */
export async function* readLog(logPath: string, opts: LogOptions, signal: AbortSignal, ctl: FollowControl): AsyncGenerator<LogEntry> {
  const sinceNs = opts.since !== undefined && opts.since > 0 ? BigInt(Math.round(opts.since * 1e6)) * 1000n : undefined;
  const untilNs = opts.until !== undefined && opts.until > 0 ? BigInt(Math.round(opts.until * 1e6)) * 1000n : undefined;
  const want = (e: LogEntry) => (e.stream === 'stdout' ? opts.stdout : opts.stderr) && (sinceNs === undefined || e.timeNs >= sinceNs);

  let fd: number | undefined;
  const waker = new Waker();
  const poke = waker.poke;
  let watcher: fs.FSWatcher | undefined;
  const unsubscribe = ctl.subscribe?.(poke);
  const onAbort = () => poke();
  signal.addEventListener('abort', onAbort);
  const sleep = (ms: number) => waker.sleep(ms);

  try {
    // Open the file (when following, it may not exist yet).
    for (;;) {
      if (signal.aborted) return;
      try {
        fd = fs.openSync(logPath, 'r');
        break;
      } catch (e: any) {
        if (e.code !== 'ENOENT') throw e;
        if (!opts.follow || ctl.done()) return;
        await sleep(100);
      }
    }
    const size0 = fs.fstatSync(fd).size;
    let offset = opts.tail !== undefined ? tailOffset(fd, size0, opts.tail) : 0;
    const joiner = new LineJoiner();
    let rest = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);
    if (opts.follow) {
      try {
        watcher = fs.watch(logPath, { persistent: false }, () => poke());
        // a watch that fails later: the loop below still polls every second
        watcher.on('error', () => {});
      } catch {
        // no inotify watch (limits reached): the loop below still polls every second
      }
    }

    for (;;) {
      if (signal.aborted) return;
      // Decide "done" before reading, so everything written before the monitor ended is read.
      const finished = !opts.follow || ctl.done();
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        const data = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
        let start = 0;
        let nl: number;
        while ((nl = data.indexOf(NL, start)) >= 0) {
          const raw = parseLine(data.subarray(start, nl));
          start = nl + 1;
          if (!raw) continue;
          if (untilNs !== undefined && raw.timeNs > untilNs) return;
          const e = joiner.push(raw);
          if (e && want(e)) yield e;
          if (signal.aborted) return;
        }
        rest = Buffer.from(data.subarray(start));
      }
      if (finished) break;
      await sleep(1000);
    }
    for (const e of joiner.flush()) if (want(e)) yield e;
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe?.();
    watcher?.close();
    if (fd !== undefined) fs.closeSync(fd);
  }
}
