// The json-file and local log drivers. conmon, which outlives berthd, writes the container's output to a
// k8s-file buffer beside the log; berthd tails that buffer, writes Docker's JSON lines with max-size /
// max-file rotation, and rotates the buffer itself losslessly: rename it away, ask conmon through its
// control fifo to reopen (the CRI ReopenContainerLog path), read the renamed file to its end once conmon
// has made the new one, then delete it. How far the buffer has been converted is kept in <buffer>.pos
// (inode and offset), so a berthd that was down catches up where it stopped.
// Why this design: conmon keeps the container independent of berthd (nothing is lost while berthd is
// down, its write path stays C and cheap), and the Docker formats and rotation stay in one place here,
// the way the kubelet's container log manager rotates CRI logs from outside the runtime.
import fs from 'node:fs';
import { log } from '../util/log.ts';
import { encodeAttrs, encodeJsonLine, TimeFormatter, type Rotation } from './json-log.ts';
import { RotatingLogFile } from './log-file.ts';
import type { StreamName } from './types.ts';

/** The buffer is rotated away once this much of it is converted (it is all the disk the buffer takes). */
export const BUFFER_ROTATE_BYTES = 256 * 1024;
/** Docker splits a line longer than this into partial messages (moby's copier bufSize). */
export const MAX_MESSAGE = 16 * 1024;
const CHUNK = 1024 * 1024;
/** One read buffer for every pipeline: conversions are synchronous, and nothing keeps a view of it past one */
const READ_BUF = Buffer.allocUnsafe(CHUNK);

export interface PipelineTarget {
  id: string;
  /** conmon's k8s-file buffer */
  buffer: string;
  /** the Docker log file (json-file: <id>-json.log) */
  file: string;
  rotation: Rotation;
  attrs?: Record<string, string>;
}

export interface PipelineHost {
  /** Ask the container's conmon to reopen its log file (throws when conmon is gone). */
  reopen(id: string): void;
  /** Whether the container's conmon still runs (it may still write the buffer). */
  monitorAlive(id: string): boolean;
}

interface Pipe {
  t: PipelineTarget;
  out: RotatingLogFile;
  attrs: string;
  /** the buffer file being read: the live one, or the renamed one being drained */
  fd?: number;
  ino?: number;
  draining: boolean;
  /** conmon was asked to reopen since the buffer was renamed (by this berthd: one killed in between did not) */
  asked: boolean;
  offset: number;
  /** partial lines (P) waiting for the line that completes them, per stream */
  pending: Record<StreamName, { time: string; data: Buffer[]; len: number } | undefined>;
  times: TimeFormatter;
  watcher?: fs.FSWatcher;
  timer?: NodeJS.Timeout;
  live: boolean;
  /** counts the container's runs, so that the end of one run does not stop the pipeline of the next */
  run: number;
  listeners: Set<() => void>;
}

const draining = (buffer: string) => `${buffer}.draining`;
const posFile = (buffer: string) => `${buffer}.pos`;

export class LogPipelines {
  private readonly pipes = new Map<string, Pipe>();
  private readonly host: PipelineHost;
  private poll?: NodeJS.Timeout;

  constructor(host: PipelineHost) {
    this.host = host;
  }

  /** Before conmon starts on a fresh buffer: convert what a previous run left, then start clean. */
  prepare(t: PipelineTarget): void {
    this.sync(t);
    const p = this.pipes.get(t.id)!;
    p.run++;
    this.closeBuffer(p);
    for (const f of [t.buffer, draining(t.buffer), posFile(t.buffer)]) fs.rmSync(f, { force: true });
  }

  /** conmon runs and writes the buffer: convert as it grows (inotify, and a slow poll behind it). */
  watch(t: PipelineTarget): void {
    const p = this.pipe(t);
    p.live = true;
    this.rewatch(p);
    this.schedule(p);
    if (!this.poll) {
      this.poll = setInterval(() => {
        for (const x of this.pipes.values()) if (x.live) this.schedule(x);
      }, 1000);
      this.poll.unref();
    }
  }

  /** Convert everything conmon has written so far (before a read, so docker logs sees all of it). */
  sync(t: PipelineTarget): Pipe {
    const p = this.pipe(t);
    this.drain(p, Infinity);
    return p;
  }

  /** Called at each rotation of the Docker log file, before it moves (followers open it there). */
  onRotate(t: PipelineTarget, cb: () => void): () => void {
    const p = this.pipe(t);
    p.out.beforeRotate.add(cb);
    return () => void p.out.beforeRotate.delete(cb);
  }

  /** Called back after each conversion that wrote something (follow readers wake on it). */
  subscribe(t: PipelineTarget, cb: () => void): () => void {
    const p = this.pipe(t);
    p.listeners.add(cb);
    return () => void p.listeners.delete(cb);
  }

  /** The container exited: convert the rest; once conmon is gone the buffer is not needed. */
  exited(id: string): void {
    const p = this.pipes.get(id);
    if (!p) return;
    let tries = 0;
    const run = p.run;
    const finish = () => {
      if (this.pipes.get(id) !== p || p.run !== run) return;
      this.drain(p, Infinity);
      if (this.host.monitorAlive(id) && ++tries < 50) return void setTimeout(guarded, 200).unref();
      this.drain(p, Infinity);
      this.flushPending(p);
      p.live = false;
      p.watcher?.close();
      p.watcher = undefined;
      p.out.close();
      // conmon is gone and all it wrote is converted: the buffer would only take disk space
      if (this.host.monitorAlive(id)) return;
      this.closeBuffer(p);
      for (const f of [p.t.buffer, draining(p.t.buffer), posFile(p.t.buffer)]) fs.rmSync(f, { force: true });
    };
    const guarded = () => {
      try {
        finish();
      } catch (e) {
        log.warn(`log pipeline ${id.slice(0, 12)}: ${(e as Error).message}`);
      }
    };
    guarded();
  }

  /** The container is removed: stop, close everything (its directory goes with it). */
  forget(id: string): void {
    const p = this.pipes.get(id);
    if (!p) return;
    p.watcher?.close();
    clearTimeout(p.timer);
    this.closeBuffer(p);
    p.out.close();
    p.listeners.clear();
    this.pipes.delete(id);
  }

  private pipe(t: PipelineTarget): Pipe {
    let p = this.pipes.get(t.id);
    if (p) return p;
    p = { t, out: new RotatingLogFile(t.file, t.rotation), attrs: encodeAttrs(t.attrs), draining: false, asked: false, offset: 0, pending: { stdout: undefined, stderr: undefined }, times: new TimeFormatter(), live: false, run: 0, listeners: new Set() };
    this.pipes.set(t.id, p);
    return p;
  }

  private rewatch(p: Pipe): void {
    p.watcher?.close();
    p.watcher = undefined;
    try {
      p.watcher = fs.watch(p.t.buffer, { persistent: false }, () => this.schedule(p));
      // a watch that fails later: the slow poll still converts
      p.watcher.on('error', () => {});
    } catch {
      // no buffer yet or no inotify watch left: the slow poll converts
    }
  }

  private schedule(p: Pipe): void {
    if (p.timer) return;
    // a short delay gathers many small writes into one conversion
    p.timer = setTimeout(() => {
      p.timer = undefined;
      try {
        const r = this.drain(p, 8 * CHUNK);
        if (r === 'more') this.schedule(p);
        // conmon is about to make the new buffer: look again soon rather than at the next poll
        else if (r === 'wait') setTimeout(() => this.schedule(p), 10).unref();
      } catch (e) {
        log.warn(`log pipeline ${p.t.id.slice(0, 12)}: ${(e as Error).message}`);
      }
    }, 20);
  }

  /** Open the buffer to read: the renamed one first if a rotation was cut short, at the kept offset. */
  private openBuffer(p: Pipe): boolean {
    const pos = readPos(p.t.buffer);
    for (const [f, isDraining] of [[draining(p.t.buffer), true], [p.t.buffer, false]] as const) {
      let fd: number;
      try {
        fd = fs.openSync(f, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const st = fs.fstatSync(fd);
      p.fd = fd;
      p.ino = st.ino;
      p.draining = isDraining;
      p.asked = false;
      p.offset = pos && pos.ino === st.ino && pos.offset <= st.size ? pos.offset : 0;
      return true;
    }
    return false;
  }

  private closeBuffer(p: Pipe): void {
    if (p.fd !== undefined) fs.closeSync(p.fd);
    p.fd = undefined;
  }

  /** Convert up to `budget` bytes of the buffer: 'more' is waiting, or 'wait' for conmon's new buffer. */
  private drain(p: Pipe, budget: number): 'more' | 'wait' | 'idle' {
    let wrote = false;
    try {
      for (;;) {
        if (p.fd === undefined && !this.openBuffer(p)) return 'idle';
        // conmon made the new buffer: it has closed the renamed one, whose end is final once read
        const replaced = p.draining && (fs.existsSync(p.t.buffer) || !this.host.monitorAlive(p.t.id));
        const { bytes, more } = this.convert(p, budget);
        wrote ||= bytes > 0;
        budget -= bytes;
        if (more) return 'more';
        if (p.draining) {
          // conmon reads its control fifo as long as it lives: the reopen comes, or conmon's end
          if (!replaced) {
            if (!p.asked) this.reopen(p);
            return 'wait';
          }
          this.closeBuffer(p);
          fs.rmSync(draining(p.t.buffer), { force: true });
          if (p.live) this.rewatch(p);
          continue;
        }
        if (replacedUnderUs(p)) {
          // someone else had conmon reopen its log: conmon closed this file before making the new one, so
          // its end, read now, is final; the new one comes next
          wrote ||= this.convert(p, Infinity).bytes > 0;
          this.closeBuffer(p);
          continue;
        }
        if (p.offset >= BUFFER_ROTATE_BYTES && p.live && this.host.monitorAlive(p.t.id)) {
          fs.renameSync(p.t.buffer, draining(p.t.buffer));
          p.draining = true;
          this.reopen(p);
          continue;
        }
        return 'idle';
      }
    } finally {
      if (wrote) for (const cb of p.listeners) cb();
    }
  }

  /** Read whole k8s-file lines from the buffer at the offset, write them as JSON lines, keep the offset. */
  private convert(p: Pipe, budget: number): { bytes: number; more: boolean } {
    let total = 0;
    const buf = READ_BUF;
    while (total < budget) {
      const n = fs.readSync(p.fd!, buf, 0, CHUNK, p.offset);
      if (n <= 0) return { bytes: total, more: false };
      const end = buf.lastIndexOf(0x0a, n - 1);
      if (end < 0) {
        // a line longer than a chunk is beyond what conmon writes (it splits at its 8 KiB buffer)
        if (n < CHUNK) return { bytes: total, more: false };
        throw new Error(`conmon log line longer than ${CHUNK} bytes at ${p.offset}`);
      }
      const lines: string[] = [];
      let start = 0;
      let safe = -1;
      while (start <= end) {
        const nl = buf.indexOf(0x0a, start);
        const raw = splitLine(buf, start, nl);
        start = nl + 1;
        if (raw) this.take(p, raw.stream, p.times.format(raw.time).go, raw.data, raw.partial, lines);
        if (!p.pending.stdout && !p.pending.stderr) safe = start;
      }
      p.out.writeLines(lines);
      p.offset += end + 1;
      total += end + 1;
      // the offset kept on disk never lies inside a message still being joined, so nothing is lost
      if (safe >= 0) writePos(p.t.buffer, p.ino!, p.offset - (end + 1) + safe);
    }
    return { bytes: total, more: true };
  }

  private reopen(p: Pipe): void {
    p.asked = true;
    try {
      this.host.reopen(p.t.id);
    } catch (e) {
      log.debug(`log pipeline ${p.t.id.slice(0, 12)}: reopen: ${(e as Error).message}`);
    }
  }

  /** Output the container left without a newline at its end, as Docker's last partial message. */
  private flushPending(p: Pipe): void {
    const lines: string[] = [];
    for (const s of ['stdout', 'stderr'] as StreamName[]) {
      const acc = p.pending[s];
      if (acc) lines.push(encodeJsonLine(s, acc.time, Buffer.concat(acc.data, acc.len), p.attrs));
      p.pending[s] = undefined;
    }
    if (lines.length) p.out.writeLines(lines);
    for (const cb of p.listeners) cb();
  }

  /** Join P lines into the line that completes them, as Docker's messages: up to 16 KiB, then partial. */
  private take(p: Pipe, stream: StreamName, time: string, data: Buffer, partial: boolean, lines: string[]): void {
    let acc = p.pending[stream];
    // the usual case: a whole line with nothing before it, encoded straight from the read buffer
    if (!acc && !partial && data.length <= MAX_MESSAGE) return void lines.push(encodeJsonLine(stream, time, data, p.attrs));
    if (!acc) acc = p.pending[stream] = { time, data: [], len: 0 };
    // the read buffer is reused: what waits for its line's end is copied
    acc.data.push(Buffer.from(data));
    acc.len += data.length;
    if (partial && acc.len < MAX_MESSAGE) return;
    let all = acc.data.length === 1 ? acc.data[0]! : Buffer.concat(acc.data, acc.len);
    p.pending[stream] = undefined;
    while (all.length > MAX_MESSAGE) {
      lines.push(encodeJsonLine(stream, acc.time, all.subarray(0, MAX_MESSAGE), p.attrs));
      all = all.subarray(MAX_MESSAGE);
    }
    if (partial && all.length) p.pending[stream] = { time, data: [all], len: all.length };
    else if (all.length) lines.push(encodeJsonLine(stream, acc.time, all, p.attrs));
  }
}

/**
 * One k8s-file line, buf[start, nl): `<time> <stdout|stderr> <P|F> <data>`. The data is a view of the read
 * buffer; a full line's data takes its newline along (a partial line's newline is conmon's, not the output's).
 */
export function splitLine(buf: Buffer, start: number, nl: number): { time: string; stream: StreamName; partial: boolean; data: Buffer } | undefined {
  const s1 = buf.indexOf(0x20, start);
  if (s1 < 0 || s1 > nl) return undefined;
  const s2 = buf.indexOf(0x20, s1 + 1);
  if (s2 < 0 || s2 > nl) return undefined;
  const tag = buf[s2 + 1];
  if ((tag !== 0x50 && tag !== 0x46) || (s2 + 2 < nl && buf[s2 + 2] !== 0x20)) return undefined;
  const streamName = buf.toString('latin1', s1 + 1, s2);
  if (streamName !== 'stdout' && streamName !== 'stderr') return undefined;
  const partial = tag === 0x50;
  const from = Math.min(s2 + 3, nl);
  return { time: buf.toString('latin1', start, s1), stream: streamName, partial, data: buf.subarray(from, partial ? nl : nl + 1) };
}

function replacedUnderUs(p: Pipe): boolean {
  try {
    return fs.statSync(p.t.buffer).ino !== p.ino;
  } catch {
    return false;
  }
}

function readPos(buffer: string): { ino: number; offset: number } | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(posFile(buffer), 'utf8'));
    return typeof j.ino === 'number' && typeof j.offset === 'number' ? j : undefined;
  } catch {
    return undefined;
  }
}

/** Written beside and renamed, so a crash leaves the old position or the new one, never a torn file. */
function writePos(buffer: string, ino: number, offset: number): void {
  const f = posFile(buffer);
  fs.writeFileSync(`${f}.tmp`, JSON.stringify({ ino, offset }));
  fs.renameSync(`${f}.tmp`, f);
}
