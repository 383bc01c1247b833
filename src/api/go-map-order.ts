// The Engine API's map-typed fields in the order Go's encoding/json writes a map: keys sorted. Berth's
// records keep what a client sent in the order it sent it, and `docker inspect` (no --format) prints
// the daemon's JSON as it came, so labels, options and the like would otherwise differ from dockerd's
// output; some clients also take the first key of a map (testcontainers' network names).

/** Field names that are Go maps wherever the API has them as objects (as arrays they are left alone:
 * /info's Labels, the container list's Ports). */
const GO_MAPS = new Set(['Labels', 'Options', 'DriverOpts', 'ExposedPorts', 'Volumes', 'Sysctls', 'StorageOpt', 'Tmpfs', 'Annotations', 'Containers', 'Networks', 'Ports']);

/** A JSON.stringify replacer: the map fields' keys sorted (byte order, as Go's sort of strings). */
export function goMapOrder(key: string, value: unknown): unknown {
  if (!GO_MAPS.has(key) || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length < 2) return value;
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (sorted.every((k, i) => k === keys[i])) return value;
  const v = value as Record<string, unknown>;
  return Object.fromEntries(sorted.map((k) => [k, v[k]]));
}
