// The Engine API's map-typed fields in the order Go's encoding/json writes a map: keys sorted. Berth's
// records keep what a client sent in the order it sent it, and `docker inspect` (no --format) prints
// the daemon's JSON as it came, so labels, options and the like would otherwise differ from dockerd's
// output; some clients also take the first key of a map (testcontainers' network names).

/** Field names that are Go maps wherever the API has them as objects (as arrays they are left alone:
 * /info's Labels, the container list's Ports). */
const GO_MAPS = new Set(['Labels', 'Options', 'DriverOpts', 'ExposedPorts', 'Volumes', 'Sysctls', 'StorageOpt', 'Tmpfs', 'Annotations', 'Containers', 'Networks', 'Ports']);

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

/** A JSON.stringify replacer: the map fields' keys sorted. */
export function goMapOrder(key: string, value: unknown): unknown {
  if (!isMapField(key, value)) return value;
  const keys = Object.keys(value);
  if (isSorted(keys)) return value;
  return Object.fromEntries(keys.sort(goOrder).map((k) => [k, value[k]]));
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

/** An answer's JSON with its map fields in Go's order. (The replacer takes JSON.stringify off its
 * fast path, 2-3x slower, so it is used only for an answer that has a map to sort.) */
export function goMapJson(body: unknown): string {
  return body !== null && typeof body === 'object' && hasUnsortedMap(body) ? JSON.stringify(body, goMapOrder) : JSON.stringify(body);
}
