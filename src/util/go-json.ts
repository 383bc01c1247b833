// JSON text decoded as Go's encoding/json decodes it in dockerd: nesting bounded before JSON.parse
// builds anything, and syntax errors worded as Go's decoder words them, never a JavaScript error
// text. For request bodies (api/json-body.ts) and for JSON that arrives inside archives and from
// registries (image configs, manifests).
import { invalidParameter } from '../errdefs.ts';

/**
 * Go's decoder refuses nesting deeper than 10000 ("exceeded max depth"). Berth stores records as
 * JSON with V8's recursive JSON.stringify, which overflows its stack near that depth, so Berth
 * refuses deeper than 1000; real bodies nest fewer than 10 levels.
 */
export const MAX_JSON_DEPTH = 1000;

const quoteChar = (c: string) => (c === "'" ? `'\\''` : c === '"' ? `'"'` : /[\x20-\x7e]/.test(c) ? `'${c}'` : JSON.stringify(c));

/** The first byte where nesting gets deeper than `max`, or -1 (strings are skipped). */
export function depthExceededAt(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}

/** Parse a JSON body; syntax errors and excessive nesting are 400s worded as Go's decoder. */
export function parseJson(text: string): unknown {
  const deep = depthExceededAt(text);
  if (deep >= 0) throw invalidParameter(`invalid character ${quoteChar(text[deep]!)} exceeded max depth`);
  try {
    // (only a text with a 19-digit run can hold such a literal: the reviver costs a call per value)
    return /\d{19}/.test(text) ? JSON.parse(text, keepInt64Max) : JSON.parse(text);
  } catch (e) {
    throw invalidParameter(syntaxMessage(text, (e as Error).message));
  }
}

const INT64_MAX = 2n ** 63n - 1n;
/** The largest double below 2^63: what an int64 literal that a double would round up to 2^63 becomes. */
const BELOW_2_63 = 2 ** 63 - 1024;

/**
 * Integer literals up to 2^63-1 round to the double 2^63, which the int64 checks refuse as Go
 * refuses 9223372036854775808: such an in-range literal (PidsLimit 9223372036854775807, which
 * dockerd takes) is read as the largest double below 2^63 instead.
 */
function keepInt64Max(this: unknown, _key: string, value: unknown, ctx?: { source?: string }): unknown {
  if (typeof value !== 'number' || Math.abs(value) !== 2 ** 63 || !ctx?.source || !/^-?\d+$/.test(ctx.source)) return value;
  const n = BigInt(ctx.source);
  return n <= INT64_MAX && n >= -INT64_MAX - 1n ? Math.sign(value) * BELOW_2_63 : value;
}

/** Go-style wording for a JSON syntax error, from V8's message (which names the position). */
function syntaxMessage(text: string, v8: string): string {
  if (/end of (JSON )?input|Unterminated string/i.test(v8)) return 'unexpected EOF';
  const m = /position (\d+)/.exec(v8);
  const pos = m ? Number(m[1]) : text.search(/\S/);
  const c = text[pos];
  if (c === undefined) return 'unexpected EOF';
  return `invalid character ${quoteChar(c)} ${pos === text.search(/\S/) ? 'looking for beginning of value' : `at offset ${pos + 1}`}`;
}
