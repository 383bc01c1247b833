// Docker's json-file line format, one JSON object a line:
//   {"log":"hello\n","stream":"stdout","attrs":{"tag":"x"},"time":"2026-11-27T07:40:00.123456789Z"}
// written as moby's jsonlog.JSONLogs.MarshalJSONBuf does (keys in that order, <>& and control bytes as
// \u00XX, the time in Go's RFC3339Nano: UTC, trailing zeros of the fraction dropped), so that log
// shippers and jq read Berth's files as they read Docker's. Also the names of rotated files.
import type { LogEntry, StreamName } from './types.ts';
import { formatTimeNs, parseTimeNs } from './logs.ts';

/** Go's time.RFC3339Nano of a UTC time: the fraction without trailing zeros (none at all when zero). */
export function goRFC3339Nano(ns: bigint): string {
  const fixed = formatTimeNs(ns); // 2006-01-02T15:04:05.000000000Z
  const frac = fixed.slice(20, 29).replace(/0+$/, '');
  return fixed.slice(0, 19) + (frac ? '.' + frac : '') + 'Z';
}

const GO_ESCAPES: Record<string, string> = { '\\t': '\\u0009', '\\b': '\\u0008', '\\f': '\\u000c', '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** A string as Go's ffjsonWriteJSONBytesAsString writes it (JSON.stringify, then Go's choices of escape). */
export function goJsonString(s: string): string {
  // an escaped backslash is matched whole, so that the "t" after it is not taken for a tab's escape
  return JSON.stringify(s).replace(/\\\\|\\[tbf]|[<>&\u2028\u2029]/g, (m) => GO_ESCAPES[m] ?? m);
}

/** The attrs member as Go's json.Marshal of a map writes it (keys sorted), or '' for none. */
export function encodeAttrs(attrs: Record<string, string> | undefined): string {
  const keys = Object.keys(attrs ?? {}).sort();
  if (!keys.length) return '';
  return '{' + keys.map((k) => `${goJsonString(k)}:${goJsonString(attrs![k]!)}`).join(',') + '}';
}

/** One line of a json-file log, with its newline. `attrs` is encodeAttrs' output; `time` a time or goRFC3339Nano's string. */
export function encodeJsonLine(stream: StreamName, time: bigint | string, data: Buffer, attrs = ''): string {
  const log = data.length ? `"log":${goJsonString(data.toString('utf8'))},` : '';
  return `{${log}"stream":"${stream}",${attrs ? `"attrs":${attrs},` : ''}"time":"${typeof time === 'string' ? time : goRFC3339Nano(time)}"}\n`;
}

/** goRFC3339Nano of conmon's timestamps, remembering the last one (conmon stamps all lines of one read alike). */
export class TimeFormatter {
  private last = '';
  private lastNs = 0n;
  private lastGo = '';

  format(conmonTime: string): { ns: bigint; go: string } {
    if (conmonTime !== this.last) {
      this.last = conmonTime;
      this.lastNs = parseTimeNs(conmonTime);
      this.lastGo = goRFC3339Nano(this.lastNs);
    }
    return { ns: this.lastNs, go: this.lastGo };
  }
}

/** A json-file line (without its newline) as a log entry; undefined for a line that is not one. */
export function decodeJsonLine(line: string): LogEntry | undefined {
  let j: { log?: unknown; stream?: unknown; time?: unknown };
  try {
    j = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object' || typeof j.time !== 'string') return undefined;
  const stream: StreamName = j.stream === 'stderr' ? 'stderr' : 'stdout';
  const timeNs = parseTimeNs(j.time);
  return { stream, time: formatTimeNs(timeNs), timeNs, data: Buffer.from(typeof j.log === 'string' ? j.log : '', 'utf8') };
}

/** How a driver's files rotate: each file up to maxSize bytes (-1: never), maxFiles files in all. */
export interface Rotation {
  maxSize: number;
  maxFiles: number;
  compress: boolean;
}

/** The name of the i-th rotated file (1 is the newest), as moby's loggerutils names them. */
export function rotatedName(file: string, i: number, compressed: boolean): string {
  return `${file}.${i}${compressed ? '.gz' : ''}`;
}

/** The renames of one rotation, oldest first: [from, to]; `drop` is the file that falls off the end. */
export function rotationPlan(file: string, r: Rotation): { drop: string[]; renames: [string, string][] } {
  if (r.maxFiles < 2) return { drop: [file], renames: [] };
  const ext = r.compress;
  const drop = [rotatedName(file, r.maxFiles - 1, ext)];
  const renames: [string, string][] = [];
  for (let i = r.maxFiles - 1; i > 1; i--) renames.push([rotatedName(file, i - 1, ext), rotatedName(file, i, ext)]);
  renames.push([file, rotatedName(file, 1, false)]);
  return { drop, renames };
}
