// Rendering the daemon's JSON progress streams (load, pull, push, import, build), like docker's
// jsonmessage.DisplayJSONMessagesStream. On a terminal, per-layer progress is drawn with
// cli-progress bars (loaded only then); elsewhere progress updates are dropped and each status
// is one plain line.
import type { Readable } from 'node:stream';
import { jsonMessages } from '../sdk/jsonstream.ts';
import { StreamError } from '../sdk/errors.ts';
import type { JSONMessage } from '../sdk/types.ts';
import { humanSize } from './units.ts';

type Out = NodeJS.WritableStream & { isTTY?: boolean };

/** The text of one message as docker prints it without a terminal, or null to skip it. */
export function plainLine(m: JSONMessage): string | null {
  if (m.progress || (m.progressDetail && (m.progressDetail.total || m.progressDetail.current))) return null;
  let s = '';
  if (m.id) s += `${m.id}: `;
  if (m.from) s += `(from ${m.from}) `;
  if (m.stream !== undefined && m.stream !== '') return s + m.stream;
  if (m.aux !== undefined && m.status === undefined) return null;
  return `${s}${m.status ?? ''}\n`;
}

function errorOf(m: JSONMessage): StreamError | null {
  if (m.errorDetail?.message || m.error) return new StreamError(m.errorDetail?.message || m.error || 'unknown error', m.errorDetail?.code);
  return null;
}

/**
 * Displays a progress stream on `out`; resolves with the aux messages (e.g. image IDs),
 * rejects with a StreamError when a message carries an error.
 */
export async function displayJSONMessages(stream: Readable, out: Out, opts: { tty?: boolean } = {}): Promise<unknown[]> {
  const tty = opts.tty ?? !!out.isTTY;
  const aux: unknown[] = [];
  if (!tty) {
    for await (const m of jsonMessages<JSONMessage>(stream)) {
      const err = errorOf(m);
      if (err) throw err;
      if (m.aux !== undefined) aux.push(m.aux);
      const line = plainLine(m);
      if (line !== null) out.write(line);
    }
    return aux;
  }
  const { MultiBar } = await import('cli-progress');
  type Payload = { id: string; status: string; hasTotal: boolean };
  let bars = new Map<string, import('cli-progress').SingleBar>();
  let multi: import('cli-progress').MultiBar | null = null;
  const newMulti = () =>
    new MultiBar({
      stream: out,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: false,
      barsize: 50,
      fps: 10,
      format: (options, params, payload: Payload) => {
        const head = `${payload.id}: ${payload.status}`;
        if (!payload.hasTotal) return head;
        const size = options.barsize ?? 50;
        const done = Math.min(size, Math.floor(params.progress * size));
        const bar = done >= size ? '='.repeat(size) : '='.repeat(Math.max(0, done - 1)) + (done > 0 ? '>' : '>') + ' '.repeat(size - Math.max(done, 1));
        return `${head} [${bar}] ${humanSize(params.value, 4).padStart(8)}/${humanSize(params.total, 4)}`;
      },
    });
  /** Ends the current group of bars (drawn in their final state) so that text can follow them. */
  const settle = () => {
    if (!multi) return;
    multi.update();
    multi.stop();
    multi = null;
    bars = new Map();
  };
  try {
    for await (const m of jsonMessages<JSONMessage>(stream)) {
      const err = errorOf(m);
      if (err) throw err;
      if (m.aux !== undefined) aux.push(m.aux);
      if (m.id && m.status !== undefined && !m.stream) {
        const total = m.progressDetail?.total ?? 0;
        const current = m.progressDetail?.current ?? 0;
        const payload: Payload = { id: m.id, status: m.status, hasTotal: total > 0 };
        multi ??= newMulti();
        const bar = bars.get(m.id);
        if (!bar) bars.set(m.id, multi.create(Math.max(total, 1), current, payload));
        else {
          if (total > 0) bar.setTotal(total);
          bar.update(total > 0 ? current : 0, payload);
        }
        continue;
      }
      const line = plainLine(m);
      if (line === null || line === '') continue;
      settle();
      out.write(line.endsWith('\n') ? line : line + '\n');
    }
  } finally {
    settle();
  }
  return aux;
}
