// Engine API version negotiation, as dockerd does it.
export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Split "/v1.41/containers/json" into ["1.41", "/containers/json"]. */
export function splitVersion(path: string): { version?: string; path: string } {
  // dockerd's router takes any /v{version:[0-9.]+}/ prefix (/v1/, /v99999999999/): the version
  // check then refuses it as too old or too new, rather than a 404
  const m = /^\/v([0-9.]+)(\/.*)$/.exec(path);
  return m ? { version: m[1], path: m[2] } : { path };
}
