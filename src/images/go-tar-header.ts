// Tar headers byte for byte as Go's archive/tar writes the ones Docker's archive package gives it
// (docker cp, docker export, committed layers): numbers zero-padded to the field's width with a NUL
// terminator ("0000644\0", tar-stream writes "000644 \0"), the checksum as "NNNNNN\0 ", magic
// "ustar\0" "00", no user or group names (current Docker looks none up), USTAR when the entry fits
// (a long name split into prefix and name), else a PAX header named dir/PaxHeaders.0/base with
// sorted records. The mode is the permission and set-id bits only: dockerd 20.10 also set the
// file-type bits (0100644), which current Docker (moby/go-archive) dropped.
import type { TarHeader } from './tar-pax.ts';

const BLOCK = 512;
const TYPEFLAGS: Record<string, string> = {
  file: '0', link: '1', symlink: '2', 'character-device': '3', 'block-device': '4', directory: '5', fifo: '6', 'pax-header': 'x',
};

/** A header as the packer hands it over; `exactMode` survives tar-stream's defaulting of a 0 mode. */
export type GoTarHeader = TarHeader & { exactMode?: number };

const isASCII = (s: string) => /^[\x00-\x7f]*$/.test(s);
/** Go's toASCII: drops non-ASCII characters and NULs. */
const toASCII = (s: string) => s.replace(/[^\x01-\x7f]/gu, '');
/** Go's fitsInOctal for a field of n bytes (n-1 digits and a NUL). */
const fitsOctal = (n: number, x: number) => x >= 0 && (n >= 22 || x < 8 ** (n - 1));

function putString(b: Buffer, off: number, size: number, s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  bytes.copy(b, off, 0, Math.min(size, bytes.length));
  if (bytes.length < size) b[off + bytes.length] = 0;
  // like Go: a truncated name does not end in '/' (a reader could take a file for a directory)
  if (bytes.length > size && b[off + size - 1] === 0x2f) {
    let n = size - 1;
    while (n > 0 && b[off + n - 1] === 0x2f) n--;
    b[off + n] = 0;
  }
}

function putOctal(b: Buffer, off: number, size: number, x: number): void {
  if (!fitsOctal(size, x)) x = 0; // the value went to a PAX record
  putString(b, off, size, x.toString(8).padStart(size - 1, '0'));
}

/** Go's splitUSTARPath: a name too long for the name field, split at a slash into prefix and name. */
function splitUSTAR(name: string): [string, string] | undefined {
  let length = name.length;
  if (length <= 100 || !isASCII(name)) return undefined;
  if (length > 156) length = 156;
  else if (name[length - 1] === '/') length--;
  const i = name.slice(0, length).lastIndexOf('/');
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > 100 || nlen === 0 || i > 155) return undefined;
  return [name.slice(0, i), name.slice(i + 1)];
}

function paxRecord(k: string, v: string): string {
  const body = ` ${k}=${v}\n`;
  let size = Buffer.byteLength(body);
  size += String(size).length;
  let rec = `${size}${body}`;
  if (Buffer.byteLength(rec) !== size) rec = `${Buffer.byteLength(rec)}${body}`;
  return rec;
}

function checksum(b: Buffer): void {
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  putOctal(b, 148, 7, sum);
  b[155] = 0x20;
}

function magic(b: Buffer): void {
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
}

/** Name, link and numbers of the main header (Go's templateV7Plus). */
function template(h: GoTarHeader, typeflag: string, str: (s: string) => string): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(typeflag, 156, 'latin1');
  putString(b, 0, 100, str(h.name));
  putString(b, 157, 100, str(h.linkname ?? ''));
  putOctal(b, 100, 8, h.exactMode ?? h.mode ?? 0);
  putOctal(b, 108, 8, h.uid ?? 0);
  putOctal(b, 116, 8, h.gid ?? 0);
  putOctal(b, 124, 12, h.size ?? 0);
  putOctal(b, 136, 12, Math.floor((h.mtime?.getTime() ?? 0) / 1000));
  putString(b, 265, 32, str(h.uname ?? ''));
  putString(b, 297, 32, str(h.gname ?? ''));
  putOctal(b, 329, 8, h.devmajor ?? 0);
  putOctal(b, 337, 8, h.devminor ?? 0);
  return b;
}

/** The header block(s) Go's tar.Writer writes for h: one USTAR block, or a PAX header, its records
 * (padded to a block) and the main block. */
export function goTarHeader(h: GoTarHeader): Buffer {
  const typeflag = TYPEFLAGS[h.type ?? 'file'] ?? '0';
  const pax: Record<string, string> = { ...(h.pax ?? {}) };
  let ustar = !h.pax || Object.keys(h.pax).length === 0;
  const name = h.name;
  if (!isASCII(name) || Buffer.byteLength(name) > 100) {
    if (!splitUSTAR(name)) ustar = false;
    pax.path = name;
  }
  const link = h.linkname ?? '';
  if (!isASCII(link) || Buffer.byteLength(link) > 100) {
    ustar = false;
    pax.linkpath = link;
  }
  const mtime = Math.floor((h.mtime?.getTime() ?? 0) / 1000);
  for (const [key, v, size] of [['uid', h.uid ?? 0, 8], ['gid', h.gid ?? 0, 8], ['size', h.size ?? 0, 12], ['mtime', mtime, 12]] as const) {
    if (!fitsOctal(size, v)) {
      ustar = false;
      pax[key] = String(v);
    }
  }
  if (ustar) {
    const split = splitUSTAR(name);
    const b = template(split ? { ...h, name: split[1] } : h, typeflag, (s) => s);
    if (split) putString(b, 345, 155, split[0]);
    magic(b);
    checksum(b);
    return b;
  }
  // PAX: the records sorted by key, in a file of their own
  const data = Buffer.from(Object.keys(pax).sort().map((k) => paxRecord(k, pax[k]!)).join(''), 'utf8');
  const slash = name.lastIndexOf('/', name.length - 2);
  const [dir, base] = name.endsWith('/') ? [name, ''] : slash < 0 ? ['', name] : [name.slice(0, slash + 1), name.slice(slash + 1)];
  const paxName = toASCII(cleanJoin(dir, 'PaxHeaders.0', base)).slice(0, 100).replace(/\/+$/, '');
  const x = Buffer.alloc(BLOCK);
  x.write('x', 156, 'latin1');
  putString(x, 0, 100, paxName);
  putOctal(x, 100, 8, 0);
  putOctal(x, 108, 8, 0);
  putOctal(x, 116, 8, 0);
  putOctal(x, 124, 12, data.length);
  putOctal(x, 136, 12, 0);
  magic(x);
  checksum(x);
  const main = template(h, typeflag, toASCII);
  magic(main);
  checksum(main);
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return Buffer.concat([x, data, Buffer.alloc(pad), main]);
}

/** Go's path.Join of the parts (a clean path, no empty parts). */
function cleanJoin(...parts: string[]): string {
  const segs: string[] = [];
  for (const s of parts.join('/').split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..' && segs.length && segs[segs.length - 1] !== '..') segs.pop();
    else segs.push(s);
  }
  return segs.join('/');
}
