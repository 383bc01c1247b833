// PAX extended headers as Docker uses them: sub-second times, large ids, and binary xattrs.
// tar-stream decodes every PAX value as UTF-8, which corrupts binary xattr values such as
// security.capability. We swap in a decoder that keeps those values byte-exact (as latin1
// strings, one char per byte) and leaves all other records as UTF-8.
import { createRequire } from 'node:module';
import path from 'node:path';

const XATTR_PREFIX = 'SCHILY.xattr.';

/** A tar entry header as tar-stream reads and writes it (its bundled typings are stricter than its behaviour). */
export interface TarHeader {
  name: string;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  type?: string | null;
  linkname?: string | null;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string> | null;
}

function decodePax(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  while (buf.length) {
    let i = 0;
    while (i < buf.length && buf[i] !== 32) i++;
    const len = parseInt(buf.subarray(0, i).toString(), 10);
    if (!len || len > buf.length) return result;
    const rec = buf.subarray(i + 1, len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq === -1) return result;
    const key = rec.subarray(0, eq).toString('utf8');
    const val = rec.subarray(eq + 1);
    result[key] = key.startsWith(XATTR_PREFIX) ? val.toString('latin1') : val.toString('utf8');
    buf = buf.subarray(len);
  }
  return result;
}

let patched = false;
/** Install the byte-exact PAX decoder into tar-stream (idempotent). */
export function patchTarStream(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const headersPath = path.join(path.dirname(require.resolve('tar-stream')), 'headers.js');
  const headers = require(headersPath) as { decodePax: (b: Buffer) => Record<string, string> };
  headers.decodePax = decodePax;
}

/** Extended attributes carried by an entry (name → raw bytes). */
export function xattrsOf(h: TarHeader): Map<string, Buffer> | undefined {
  const pax = h.pax;
  if (!pax) return undefined;
  let out: Map<string, Buffer> | undefined;
  for (const [k, v] of Object.entries(pax)) {
    if (!k.startsWith(XATTR_PREFIX)) continue;
    (out ??= new Map()).set(k.slice(XATTR_PREFIX.length), Buffer.from(v, 'latin1'));
  }
  return out;
}

/** Modification time in seconds (fractional from PAX when present). */
export function mtimeOf(h: TarHeader): number {
  const pax = h.pax;
  const p = pax?.mtime ? Number(pax.mtime) : NaN;
  if (Number.isFinite(p)) return p;
  return h.mtime ? h.mtime.getTime() / 1000 : 0;
}

export function atimeOf(h: TarHeader, mtime: number): number {
  const pax = h.pax;
  const a = pax?.atime ? Number(pax.atime) : NaN;
  // Docker: an access time before the modification time is raised to it.
  return Number.isFinite(a) && a >= mtime ? a : mtime;
}

export function uidOf(h: TarHeader): number {
  const pax = h.pax;
  return pax?.uid ? Number(pax.uid) : (h.uid ?? 0);
}

export function gidOf(h: TarHeader): number {
  const pax = h.pax;
  return pax?.gid ? Number(pax.gid) : (h.gid ?? 0);
}
