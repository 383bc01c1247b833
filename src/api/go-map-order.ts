// The Engine API's JSON as Go's encoding/json writes it. Two things differ from JSON.stringify:
// - map-typed fields (Labels, Options, ...) have their keys sorted. Berth's records keep what a
//   client sent in the order it sent it, and `docker inspect` (no --format) prints the daemon's
//   JSON as it came; some clients also take the first key of a map (testcontainers' network names).
//   A JavaScript object lists integer-like keys ("9", "10") first, in numeric order, whatever order
//   they were added in, so a map with such keys is written by hand, not by JSON.stringify.
// - U+2028 and U+2029 are written escaped, as Go's encoder always does. (<, > and & are not: dockerd's
//   httputils.WriteJSON turns Go's HTML escaping off, so `docker inspect` shows a Cmd of `a && b` as is.)
import { randomBytes } from 'node:crypto';

/** Field names that are Go maps wherever the API has them as objects (as arrays they are left alone:
 * /info's Labels, the container list's Ports). */
const GO_MAPS = new Set(['Labels', 'Options', 'DriverOpts', 'ExposedPorts', 'Volumes', 'Sysctls', 'StorageOpt', 'Tmpfs', 'Annotations', 'Containers', 'Networks', 'Ports', 'Attributes']);

/** Go sorts a map's keys as UTF-8 bytes; JavaScript's < compares UTF-16 units, the same order except
 * where a surrogate (a character beyond U+FFFF) meets U+E000-U+FFFF. */
const goOrder = (a: string, b: string): number =>
  /[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b) ? Buffer.compare(Buffer.from(a), Buffer.from(b)) : a < b ? -1 : a > b ? 1 : 0;

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (goOrder(keys[i - 1]!, keys[i]!) > 0) return false;
  return true;
}

const isMapField = (key: string, value: unknown): value is Record<string, unknown> =>
  GO_MAPS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value);

/** A string that stands in for a hand-written map in JSON.stringify's output (the nonce keeps a
 * client's own strings from ever looking like one). */
const NONCE = randomBytes(6).toString('hex');
const PLACEHOLDER = new RegExp(`"\\\\u0000gomap${NONCE}:(\\d+)"`, 'g');

/** An answer's JSON as Go writes it. (JSON.stringify's replacer takes it off its fast path, 2-3x
 * slower, so the replacer is used only for an answer that has a map to sort.) */
export function goMapJson(body: unknown): string {
  const json = body !== null && typeof body === 'object' && hasUnsortedMap(body) ? withSortedMaps(body) : JSON.stringify(body);
  return escapeSeparators(json);
}

function withSortedMaps(body: object): string {
  const byHand: string[] = [];
  const replacer = (key: string, value: unknown): unknown => {
    if (!isMapField(key, value)) return value;
    const keys = Object.keys(value);
    if (isSorted(keys)) return value;
    const sorted = keys.sort(goOrder);
    const obj = Object.fromEntries(sorted.map((k) => [k, value[k]]));
    if (isSorted(Object.keys(obj))) return obj;
    // integer-like keys: the object cannot hold Go's order
    const parts = sorted.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k], replacer) ?? 'null'}`);
    byHand.push(`{${parts.join(',')}}`);
    return `\u0000gomap${NONCE}:${byHand.length - 1}`;
  };
  const json = JSON.stringify(body, replacer);
  if (!byHand.length) return json;
  // a hand-written map may hold another's placeholder (Networks of Containers): replace until none is left
  let out = json;
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(PLACEHOLDER, (_, n: string) => byHand[Number(n)]!);
  }
  return out;
}

/** Does a map field anywhere in v list its keys out of Go's order? */
function hasUnsortedMap(v: object): boolean {
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x === null || typeof x !== 'object') continue;
    if (isMapField(k, x) && !isSorted(Object.keys(x))) return true;
    if (hasUnsortedMap(x)) return true;
  }
  return false;
}

const SEPARATORS = /[\u2028\u2029]/;

/** Go's escaping of the line and paragraph separators. They appear in JSON only inside strings, so
 * the whole text can be rewritten. */
export function escapeSeparators(json: string): string {
  return SEPARATORS.test(json) ? json.replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')) : json;
}
