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
  const bars = new Map<string, { bar: import('cli-progress').SingleBar; status: string }>();
  const multi = new MultiBar(
    {
      stream: out,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: false,
      barsize: 40,
      fps: 10,
      format: (options, params, payload: { id: string; status: string; hasTotal: boolean }) => {
        const head = `${payload.id}: ${payload.status}`;
        if (!payload.hasTotal) return head;
        const size = options.barsize ?? 40;
        const done = Math.round(params.progress * size);
        const bar = '='.repeat(Math.max(0, done - 1)) + (done > 0 ? (done >= size ? '=' : '>') : '') + ' '.repeat(Math.max(0, size - done));
        return `${head} [${bar}] ${humanSize(params.value).padStart(8)}/${humanSize(params.total)}`;
      },
    },
  );
  try {
    for await (const m of jsonMessages<JSONMessage>(stream)) {
      const err = errorOf(m);
      if (err) throw err;
      if (m.aux !== undefined) aux.push(m.aux);
      if (m.id && m.status !== undefined && !m.stream) {
        const total = m.progressDetail?.total ?? 0;
        const current = m.progressDetail?.current ?? 0;
        let entry = bars.get(m.id);
        if (!entry) {
          entry = { bar: multi.create(Math.max(total, 1), current, { id: m.id, status: m.status, hasTotal: total > 0 }), status: m.status };
          bars.set(m.id, entry);
        } else {
          if (total > 0) entry.bar.setTotal(total);
          entry.bar.update(total > 0 ? current : 0, { id: m.id, status: m.status, hasTotal: total > 0 });
        }
        continue;
      }
      const line = plainLine(m);
      if (line !== null && line !== '') multi.log(line.endsWith('\n') ? line : line + '\n');
    }
  } finally {
    multi.stop();
  }
  return aux;
}
