// What every group of the typed client shares: the transport, and how names and filters are encoded.
import type { Transport } from './transport.ts';
import type * as T from './types.ts';

/** Filters in the map form every daemon since API 1.22 accepts: {"key": {"value": true}}. */
export function encodeFilters(f: T.Filters | undefined): Record<string, Record<string, boolean>> | undefined {
  if (!f) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const [k, vals] of Object.entries(f)) {
    if (!vals.length) continue;
    out[k] = {};
    for (const v of vals) out[k][v] = true;
  }
  return Object.keys(out).length ? out : undefined;
}

export const enc = encodeURIComponent;
/** Image references go into paths unescaped apart from unsafe bytes (names hold '/' and ':'). */
export const img = (name: string) => name.replace(/[^A-Za-z0-9._\-\/:@]/g, (c) => encodeURIComponent(c));

export class Group {
  protected readonly t: Transport;
  constructor(t: Transport) {
    this.t = t;
  }
}
