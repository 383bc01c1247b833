// How the classic builder words a metadata step in the image history: Go's fmt verbs applied to the
// instruction's values (%q of a []string, %v of a []string, %q of a *HealthConfig), so that
// `docker history` shows what dockerd's builder writes, byte for byte.

/** Go's strconv.Quote, close enough for command lines: JSON's escapes, with \xNN for DEL and C1 controls and Go's short escapes. */
export function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/\\u00(0[0-9a-f]|1[0-9a-f])/g, (_m, h: string) => {
      const n = parseInt(h, 16);
      const short: Record<number, string> = { 7: '\\a', 11: '\\v' };
      return short[n] ?? `\\x${h}`;
    })
    .replace(/[\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** fmt's %q of a []string: ["a" "b"] (a nil slice is []). */
export function goQuoteList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).map(goQuote).join(' ')}]`;
}

/** fmt's %v of a []string: [a b]. */
export function goList(list: readonly string[] | null | undefined): string {
  return `[${(list ?? []).join(' ')}]`;
}

/** time.Duration's String(): 0s, 1.5s, 2m0s, 1h0m0s, 500ms, 10µs, 7ns. */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.round(ns));
  const sign = neg ? '-' : '';
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return sign + trimFraction(u / div) + unit;
  }
  const h = Math.floor(u / 3600e9);
  u -= h * 3600e9;
  const m = Math.floor(u / 60e9);
  u -= m * 60e9;
  const s = trimFraction(u / 1e9) + 's';
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return sign + s;
}

function trimFraction(x: number): string {
  return x.toFixed(9).replace(/\.?0+$/, '');
}

/** fmt's %q of an int: strconv.QuoteRune ('\x02', 'A', '\n'). */
export function goQuoteRune(n: number): string {
  const short: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 39: "\\'", 92: '\\\\' };
  if (short[n]) return `'${short[n]}'`;
  if (n < 0x20 || n === 0x7f) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  if (n >= 0x80 && n < 0xa0) return `'\\u${n.toString(16).padStart(4, '0')}'`;
  if (n > 0x10ffff || n < 0) return "'\uFFFD'";
  return `'${String.fromCodePoint(n)}'`;
}

/** fmt's %q of a *HealthConfig, dockerd 28's HEALTHCHECK history line: each field quoted in turn
 * (durations by their String(), Retries as a rune). */
export function goHealthConfig(h: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number }): string {
  const d = (v: number | undefined) => `"${goDurationString(v ?? 0)}"`;
  return `&{${goQuoteList(h.Test)} ${d(h.Interval)} ${d(h.Timeout)} ${d(h.StartPeriod)} ${d(h.StartInterval)} ${goQuoteRune(h.Retries ?? 0)}}`;
}
