// docker/go-units and Go time formatting, as the docker CLI and dockerd show them (sizes, durations,
// "Up 3 seconds", timestamps): one module for the CLI, the API views and the image archives.

/** units.HumanDuration: "Less than a second", "3 seconds", "About a minute", "2 hours", "3 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3600000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3600000 / 24 / 365)} years`;
}

/** "x ago" for a unix timestamp in seconds (docker's CREATED columns). */
export function ago(unixSeconds: number, now = Date.now()): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/** Go's %.Ng (go-units' sizes, and printf's %g in the CLI's templates). */
export function goG(n: number, p: number): string {
  if (n === 0) return '0';
  if (p === 0) p = 1;
  const exp = Math.floor(Math.log10(Math.abs(Number(n.toPrecision(p)))));
  if (exp < -4 || exp >= p) {
    let [m, e] = n.toExponential(p - 1).split('e');
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const ev = Number(e);
    return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  let s = n.toPrecision(p);
  if (s.includes('e')) s = String(Number(s));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]];
}

/** units.HumanSizeWithPrecision: decimal units, "%.3g" → "1.98MB", "0B", "4.1kB". */
export function humanSize(bytes: number, precision = 3): string {
  const [s, u] = sizeAndUnit(bytes, 1000, DECIMAL);
  return `${goG(s, precision)}${u}`;
}

/** units.BytesSize: binary units, "%.4g" → "1.953MiB". */
export function bytesSize(bytes: number): string {
  const [s, u] = sizeAndUnit(bytes, 1024, BINARY);
  return `${goG(s, 4)}${u}`;
}

/** units.RAMInBytes: "512m", "1g", "1.5GB", "100" (bytes); binary multiples. */
export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.trunc(Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] : 1));
}

/** Go's time.ParseDuration: "1h2m3s", "300ms", "1.5s", "-2m". Returns nanoseconds. */
export function parseGoDuration(s: string): number {
  const orig = s;
  if (s === '0') return 0;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let pos = 0;
  if (!s) throw new Error(`time: invalid duration "${orig}"`);
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      if (/^\d/.test(s.slice(pos)) && !/[a-zµμ]/.test(s.slice(pos))) throw new Error(`time: missing unit in duration "${orig}"`);
      throw new Error(`time: invalid duration "${orig}"`);
    }
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Go's time.Duration.String(): "1h2m3s", "1.5s", "0s". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e3) out = `${n}ns`;
  else if (n < 1e6) out = `${trimFloat(n / 1e3)}µs`;
  else if (n < 1e9) out = `${trimFloat(n / 1e6)}ms`;
  else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = trimFloat(n / 1e9);
    out = h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
  }
  return (neg ? '-' : '') + out;
}

function trimFloat(x: number): string {
  return String(Number(x.toFixed(9)));
}

/**
 * docker's timestamp arguments (--since/--until): RFC3339 dates, unix timestamps ("1700000000.5"),
 * or Go durations relative to now ("10m" → now-10m). Returns the "seconds.nanos" string the API takes.
 */
export function parseTimestamp(value: string, now = Date.now()): string {
  if (!value) return value;
  try {
    const ns = parseGoDuration(value);
    const t = now * 1e6 - ns;
    const sec = Math.floor(t / 1e9);
    return `${sec}.${String(Math.round(t - sec * 1e9)).padStart(9, '0')}`;
  } catch {
    // not a duration
  }
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  let v = value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) v += 'T00:00:00Z';
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) v += 'Z';
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`failed to parse value as time or duration: "${value}"`);
  const frac = /\.(\d+)/.exec(v.split('T')[1] ?? '')?.[1] ?? '';
  const sec = Math.floor(ms / 1000);
  return `${sec}.${(frac + '000000000').slice(0, 9)}`;
}

/** Go's time.Time.String() for a UTC instant: "2026-11-23 00:37:09 +0000 UTC". */
export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

/** The ID shown by default: without "sha256:", first 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(':');
  const bare = i >= 0 ? id.slice(i + 1) : id;
  return bare.slice(0, 12);
}

/** Display width of a string (East Asian wide characters count 2). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 32 || (c >= 0x7f && c < 0xa0)) continue;
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd)) w += 2;
    else w += 1;
  }
  return w;
}

/** formatter.Ellipsis: cut to maxWidth display columns with a trailing "…". */
export function ellipsis(s: string, maxWidth: number): string {
  if (maxWidth <= 0) return '';
  if (displayWidth(s) <= maxWidth) return s;
  if (maxWidth === 1) return '…';
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > maxWidth - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}
