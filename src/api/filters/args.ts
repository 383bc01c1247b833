// The `filters` query parameter as Docker reads it (moby's filters.Args): one module every
// endpoint goes through, so that a filter is either applied or refused, never dropped.
//
// Each endpoint declares a table: the keys it accepts and, per key, how a value is checked.
// parseFilters() decodes the JSON, refuses unknown keys and bad values, all before the endpoint
// does anything; the matchers below are Docker's (MatchKVList, Match, ExactMatch, FuzzyMatch).
import { invalidParameter } from '../../errdefs.ts';

/**
 * Checks one value of a key (throws Docker's error); `values` are all the key's values. A check
 * marked `whole` judges the key's value set once, even when it is empty (booleans).
 */
export type ValueCheck = ((value: string, values: string[]) => void) & { whole?: boolean };

/** An endpoint's accepted keys; `true` when any value is accepted. */
export type FilterTable = Readonly<Record<string, ValueCheck | true>>;

export class FilterArgs extends Map<string, string[]> {
  /** Every "key" or "key=value" of `field` holds in `labels` (true when the field is absent). */
  matchKVList(field: string, labels: Record<string, string> | null | undefined): boolean {
    const wanted = this.get(field);
    if (!wanted || wanted.length === 0) return true;
    const src = labels ?? {};
    if (Object.keys(src).length === 0) return false;
    return wanted.every((w) => {
      const i = w.indexOf('=');
      const k = i < 0 ? w : w.slice(0, i);
      if (!Object.prototype.hasOwnProperty.call(src, k)) return false;
      return i < 0 || src[k] === w.slice(i + 1);
    });
  }

  /** `label` all hold and, when `label!` is given, not all of `label!` hold (Docker's prune matchLabels). */
  matchLabels(labels: Record<string, string> | null | undefined): boolean {
    if (!this.matchKVList('label', labels)) return false;
    return !(this.has('label!') && this.matchKVList('label!', labels));
  }

  /** Some value equals `source` or, as a regular expression, matches part of it (names, ids). */
  match(field: string, source: string): boolean {
    if (this.exactMatch(field, source)) return true;
    return (this.get(field) ?? []).some((v) => {
      try {
        return goRegExp(v).test(source);
      } catch {
        return false;
      }
    });
  }

  /** Some value equals `source` (true when the field is absent or empty). */
  exactMatch(field: string, source: string): boolean {
    const vals = this.get(field);
    return !vals || vals.length === 0 || vals.includes(source);
  }

  /** Some value equals `source` or is a prefix of it. */
  fuzzyMatch(field: string, source: string): boolean {
    return this.exactMatch(field, source) || (this.get(field) ?? []).some((v) => source.startsWith(v));
  }

  /** filters.GetBoolOrDefault: "1"/"true" or "0"/"false", not both, not neither. */
  boolOrDefault(field: string, dflt: boolean): boolean {
    const vals = this.get(field);
    if (!vals) return dflt;
    const isTrue = vals.includes('1') || vals.includes('true');
    const isFalse = vals.includes('0') || vals.includes('false');
    if (vals.length === 0 || isTrue === isFalse) throw invalidFilter(field, vals.length ? vals : undefined);
    return isTrue;
  }
}

/** Docker's invalidFilter error: "invalid filter 'key'" or "invalid filter 'key=[v1 v2]'". */
export function invalidFilter(key: string, values?: string[]) {
  return invalidParameter(values ? `invalid filter '${key}=[${values.join(' ')}]'` : `invalid filter '${key}'`);
}

/**
 * Decode `raw` (Docker's {"key": {"value": true}} or the older {"key": ["value"]}), refuse keys the
 * table does not list and values its checks refuse. Malformed JSON is Docker's "invalid filter".
 */
export function parseFilters(raw: string | null | undefined, table: FilterTable): FilterArgs {
  const args = decodeFilters(raw);
  for (const key of args.keys()) if (!Object.prototype.hasOwnProperty.call(table, key)) throw invalidFilter(key);
  for (const [key, values] of args) {
    const check = table[key];
    if (typeof check === 'function' && check.whole) check(values[0] ?? '', values);
    else if (typeof check === 'function') for (const v of values) check(v, values);
    // a key without values filters nothing (Docker's matchers treat it as absent)
    if (values.length === 0 && !(typeof check === 'function' && check.whole)) args.delete(key);
  }
  return args;
}

export function decodeFilters(raw: string | null | undefined): FilterArgs {
  const args = new FilterArgs();
  if (!raw) return args;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter('invalid filter');
  }
  if (parsed === null) return args;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('invalid filter');
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (v === null) args.set(k, []);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) args.set(k, [...new Set(v as string[])]);
    else if (typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'boolean' || x === null)) args.set(k, Object.keys(v as object));
    else throw invalidParameter('invalid filter');
  }
  return args;
}

// --- value checks shared by the tables --------------------------------------------------------

/** A key whose values follow GetBoolOrDefault's rule, checked up front. */
export function boolKey(key: string): ValueCheck {
  return Object.assign((_v: string, values: string[]) => void new FilterArgs([[key, values]]).boolOrDefault(key, false), { whole: true });
}

/** Go's regexp syntax is close enough to JavaScript's for names; (?i) and friends become flags. */
function goRegExp(v: string): RegExp {
  const m = /^\(\?([imsU]+)\)/.exec(v);
  if (!m) return new RegExp(v);
  return new RegExp(v.slice(m[0].length), m[1]!.replace(/U/g, ''));
}
