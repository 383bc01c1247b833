// Times in filters (until) and queries (since/until) exactly as Docker reads them (moby's
// api/types/time.GetTimestamp): a Go duration before now ("24h", "1h30m", "-10m"), an RFC 3339
// date or date-time (local time when it has no zone), or Unix seconds with an optional fraction.
import { invalidParameter } from '../errdefs.ts';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds; undefined when `s` is not a duration. */
export function goDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  const re = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < rest.length) {
    re.lastIndex = pos;
    const m = re.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return sign * total;
}

/**
 * GetTimestamp followed by ParseTimestamps: the instant `value` names, in Unix seconds (with the
 * fraction). A duration counts back from `nowMs` and, as in Docker, drops the sub-second part.
 */
export function getTimestamp(value: string, nowMs = Date.now()): number {
  const d = goDuration(value);
  if (value !== '0' && d !== undefined) return Math.floor((nowMs - d / 1e6) / 1000);
  const zoned = /[zZ+]/.test(value) || value.split('-').length - 1 === 3;
  const t = parseRfc3339ish(value, zoned);
  if (t !== undefined) return t;
  if (value.includes('-')) throw invalidParameter(`parsing time ${JSON.stringify(value)}: cannot parse it as an RFC 3339 date or time`);
  const unix = /^[+-]?\d+(?:\.(\d+))?$/.exec(value);
  const [sec, frac = ''] = value.split('.');
  // seconds and fraction must each be a Go int64 (parseTimestamp's strconv.ParseInt): a larger number is
  // refused, not read as a date in the far future (a prune "until" that would match everything)
  const int64 = (x: string) => !x || (BigInt(x) <= 9223372036854775807n && BigInt(x) >= -9223372036854775808n);
  if (!unix || !int64(sec!) || !int64(frac)) throw invalidParameter(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  return Number(sec) + (frac ? Number(frac) / 10 ** frac.length : 0);
}

/** The layouts GetTimestamp tries, picked as it picks them; undefined when the value fits none. */
function parseRfc3339ish(value: string, zoned: boolean): number | undefined {
  const zone = zoned ? '(Z|z|[+-]\\d{2}:\\d{2})' : '()';
  let re: RegExp;
  if (value.includes('.')) re = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(\\.\\d{1,9})?${zone}$`);
  else if (value.includes('T')) re = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2})(?::(\\d{2}))?(?::(\\d{2}))?()${zone}$`);
  else re = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})()()()()${zone}$`);
  const m = re.exec(value);
  if (!m) return undefined;
  const [, y, mo, da, h = '0', mi = '0', s = '0', frac = '', z = ''] = m;
  const nums = [Number(y), Number(mo), Number(da), Number(h || 0), Number(mi || 0), Number(s || 0)] as const;
  if (nums[1] < 1 || nums[1] > 12 || nums[2] < 1 || nums[2] > 31 || nums[3] > 23 || nums[4] > 59 || nums[5] > 59) return undefined;
  const fraction = frac ? Number(frac) : 0;
  let ms: number;
  if (!zoned) {
    // parsed in the daemon's local zone
    ms = new Date(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]).getTime();
  } else {
    ms = Date.UTC(nums[0], nums[1] - 1, nums[2], nums[3], nums[4], nums[5]);
    if (z && z !== 'Z' && z !== 'z') {
      const off = (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6))) * 60_000;
      ms -= z[0] === '+' ? off : -off;
    }
  }
  if (new Date(Date.UTC(nums[0], nums[1] - 1, nums[2])).getUTCDate() !== nums[2]) return undefined; // 2026-02-31 is not a date
  return ms / 1000 + fraction;
}

/** Docker's prune `until`: at most one value, a timestamp. */
export function untilValue(_v: string, values: string[]): void {
  if (values.length > 1) throw invalidParameter('more than one until filter specified');
  getTimestamp(values[0]!);
}
