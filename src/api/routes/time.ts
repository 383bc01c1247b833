// Timestamps in query parameters (since/until): unix seconds with optional fraction, or RFC 3339.
import { invalidParameter } from '../../errdefs.ts';

export function parseTime(v: string): number {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidParameter(`failed to parse value as time or duration: "${v}"`);
  return t / 1000;
}
