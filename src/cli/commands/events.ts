// docker events: the daemon's event stream, as lines or through a --format template
import { StatusError, type CommandDef } from '../cli.ts';
import { parseTemplate } from '../template.ts';
import { parseTimestamp } from '../units.ts';
import { filterFlag, parseFilters, INSPECT_FORMAT_FLAG } from './common.ts';
import type { EventMessage } from '../../sdk/types.ts';

/** RFC3339Nano with a fixed 9-digit fraction, in UTC: 2006-01-02T15:04:05.000000000Z. */
function rfc3339NanoFixed(timeNano: number | string | undefined, time: number | undefined): string {
  let sec: number;
  let nanos: number;
  if (timeNano) {
    const big = typeof timeNano === 'string' ? BigInt(timeNano) : BigInt(Math.round(timeNano));
    sec = Number(big / 1_000_000_000n);
    nanos = Number(big % 1_000_000_000n);
  } else {
    sec = time ?? 0;
    nanos = 0;
  }
  const iso = new Date(sec * 1000).toISOString().slice(0, 19);
  return `${iso}.${String(nanos).padStart(9, '0')}Z`;
}

export function formatEvent(e: EventMessage): string {
  const attrs = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  let s = `${rfc3339NanoFixed((e as { timeNanoText?: string }).timeNanoText ?? e.timeNano, e.time)} ${e.Type} ${e.Action} ${e.Actor?.ID ?? ''}`;
  if (keys.length) s += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return s;
}

/** An event as the Go struct docker's templates see: its lowercase JSON keys (status, id, from,
 * time, timeNano) are also reachable by their Go field names, without changing {{json .}}. */
function goEventView(e: object): object {
  const view = { ...(e as Record<string, unknown>) };
  for (const [go, key] of [['Status', 'status'], ['ID', 'id'], ['From', 'from'], ['Time', 'time'], ['TimeNano', 'timeNano']]) {
    if (!(go in view)) Object.defineProperty(view, go, { get: () => view[key], enumerable: false });
  }
  return view;
}

export const events: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [filterFlag(), INSPECT_FORMAT_FLAG, { name: 'since', kind: 'string', usage: 'Show all events created since timestamp' }, { name: 'until', kind: 'string', usage: 'Stream events until this timestamp' }],
  async run(cli, p) {
    const v = p.values;
    let tmpl = null;
    if (v.format) {
      try {
        tmpl = parseTemplate(v.format === 'json' ? '{{json .}}' : v.format);
      } catch (e) {
        throw new StatusError(64, `template parsing error: ${(e as Error).message}`);
      }
    }
    const client = await cli.client();
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    try {
      const it = await client.system.events({ since: v.since ? parseTimestamp(v.since) : undefined, until: v.until ? parseTimestamp(v.until) : undefined, filters: parseFilters(v.filter) }, ac.signal);
      for await (const e of it) {
        if (tmpl) {
          try {
            cli.println(tmpl.execute(goEventView(e)));
          } catch (err) {
            throw new StatusError(1, (err as Error).message);
          }
        } else cli.println(formatEvent(e));
      }
    } catch (e) {
      if (ac.signal.aborted) return 0;
      throw e;
    }
  },
};
