// Matching of images by Docker's filter rules, shared by the image list and image prune.
import { invalidParameter } from '../errdefs.ts';
import type { ImageRecord } from '../images/types.ts';

export type Filters = Map<string, string[]>;

export function createdMs(img: ImageRecord): number {
  const t = img.config.created ? Date.parse(img.config.created) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** filters.GetBoolOrDefault */
export function boolFilter(f: Filters, key: string, dflt: boolean): boolean {
  const v = f.get(key);
  if (!v) return dflt;
  if (v.length === 0) throw invalidParameter(`invalid filter '${key}'`);
  const isTrue = v.some((x) => x === '1' || x.toLowerCase() === 'true');
  const isFalse = v.some((x) => x === '0' || x.toLowerCase() === 'false');
  if (isTrue === isFalse) throw invalidParameter(`invalid filter '${key}=${v.join(',')}'`);
  return isTrue;
}

/** filters.MatchKVList: every "key" or "key=value" must hold. */
export function matchLabels(wanted: string[], labels: Record<string, string>): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return Object.prototype.hasOwnProperty.call(labels, w);
    const k = w.slice(0, i);
    return Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === w.slice(i + 1);
  });
}
