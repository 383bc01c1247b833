// Hostile tar streams for the endpoints that take one (build, cp in, load, import, plugin create):
// truncated archives, path traversal, over-long and garbled headers, symlink loops, pax and GNU
// long-name records, sparse entries, zero-length and all-zero streams, and a small gzip bomb
// (64 MB of zeros, 64 KB compressed: big enough to notice, small enough for this machine).
// Headers are written by hand so that any field can be wrong on purpose.
import zlib from 'node:zlib';
import type { Rng } from './spec-cases.ts';

export interface RawEntry {
  name: string;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory, '6' fifo, 'x' pax, 'g' global pax, 'L' GNU long name, 'S' GNU sparse */
  type?: string;
  linkname?: string;
  body?: Buffer;
  /** the size field as written (default: the body's length) */
  size?: string;
  mode?: string;
  /** spoil the checksum */
  badChecksum?: boolean;
}

function field(buf: Buffer, off: number, len: number, value: string): void {
  Buffer.from(value, 'latin1').copy(buf, off, 0, len);
}

/** One 512-byte ustar header (fields truncated to their width), then the body padded to 512. */
export function rawEntry(e: RawEntry): Buffer {
  const h = Buffer.alloc(512);
  const body = e.body ?? Buffer.alloc(0);
  field(h, 0, 100, e.name);
  field(h, 100, 8, e.mode ?? '0000644\0');
  field(h, 108, 8, '0000000\0');
  field(h, 116, 8, '0000000\0');
  field(h, 124, 12, e.size ?? body.length.toString(8).padStart(11, '0') + '\0');
  field(h, 136, 12, '14531674460\0');
  field(h, 156, 1, e.type ?? '0');
  field(h, 157, 100, e.linkname ?? '');
  field(h, 257, 8, 'ustar\x0000');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, (e.badChecksum ? sum + 7 : sum).toString(8).padStart(6, '0') + '\0 ');
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}

export function rawTar(entries: RawEntry[], end = true): Buffer {
  return Buffer.concat([...entries.map(rawEntry), end ? Buffer.alloc(1024) : Buffer.alloc(0)]);
}

function pax(records: Record<string, string>): Buffer {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let n = rest.length + 1;
    while (String(n).length + rest.length !== n) n = String(n).length + rest.length;
    out += `${n}${rest}`;
  }
  return Buffer.from(out);
}

let bomb: Buffer | undefined;
/** 64 MB of zeros as gzip, made once. */
function gzipBomb(): Buffer {
  return (bomb ??= zlib.gzipSync(rawTar([{ name: 'zeros', body: Buffer.alloc(64 << 20) }]), { level: 9 }));
}

const DOCKERFILES = ['FROM scratch\nCOPY . /\n', 'FROM scratch\nCOPY ../../../etc/passwd /x\n', `FROM localhost:1/nosuch\n`, 'FROM\n', 'FROM scratch\nRUN true\n', 'FROM scratch\nADD http://127.0.0.1:1/x /x\n', '\0\0\0', 'FROM scratch\nCOPY --from=nosuch / /\n', `FROM scratch\nLABEL ${'a=b '.repeat(5000)}\n`, 'FROM scratch\nENV A=${A:-${A:-${A:-${A}}}}\n', '# syntax=localhost:1/x\nFROM scratch\n'];

/** A hostile tar stream and what it is, for the report. */
export function hostileTar(rng: Rng, forBuild: boolean): { body: Buffer; how: string } {
  const df = (): RawEntry => ({ name: 'Dockerfile', body: Buffer.from(forBuild ? rng.pick(DOCKERFILES) : 'x') });
  const cases: [string, () => Buffer][] = [
    ['empty', () => Buffer.alloc(0)],
    ['512 zeros', () => Buffer.alloc(512)],
    ['random bytes', () => Buffer.from(Array.from({ length: 1 + rng.int(4096) }, () => rng.int(256)))],
    ['truncated', () => {
      const t = rawTar([df(), { name: 'big', body: Buffer.alloc(5000, 1) }]);
      return t.subarray(0, 1 + rng.int(t.length - 1));
    }],
    ['traversal', () => rawTar([df(), { name: '../../../../../../tmp/berth-fuzz-escape', body: Buffer.from('x') }, { name: '/abs-berth-fuzz', body: Buffer.from('x') }])],
    ['hard link out', () => rawTar([df(), { name: 'hl', type: '1', linkname: '../../../../../../etc/shadow' }])],
    ['symlink loop', () => rawTar([df(), { name: 'a', type: '2', linkname: 'b' }, { name: 'b', type: '2', linkname: 'a' }, { name: 'a/x', body: Buffer.from('x') }, { name: 'c', type: '2', linkname: 'c' }])],
    ['symlink out then through', () => rawTar([df(), { name: 'l', type: '2', linkname: '/tmp' }, { name: 'l/berth-fuzz-through', body: Buffer.from('x') }])],
    ['huge size field', () => rawTar([df(), { name: 'f', size: '77777777777\0', body: Buffer.from('short') }], false)],
    ['base-256 size', () => {
      const e = rawEntry({ name: 'f', body: Buffer.from('x') });
      e[124] = 0xff;
      return Buffer.concat([rawEntry(df()), e, Buffer.alloc(1024)]);
    }],
    ['garbage size', () => rawTar([df(), { name: 'f', size: 'zz-1\0', body: Buffer.from('x') }])],
    ['bad checksum', () => rawTar([df(), { name: 'f', body: Buffer.from('x'), badChecksum: true }])],
    ['name without NUL', () => rawTar([df(), { name: 'n'.repeat(100), body: Buffer.from('x') }])],
    ['pax 1 MB path', () => rawTar([df(), { name: 'PaxHeader', type: 'x', body: pax({ path: 'p'.repeat(1 << 20) }) }, { name: 'f', body: Buffer.from('x') }])],
    ['pax traversal', () => rawTar([df(), { name: 'PaxHeader', type: 'x', body: pax({ path: '../../../../tmp/berth-fuzz-pax', linkpath: '/etc' }) }, { name: 'f', body: Buffer.from('x') }])],
    ['pax huge size', () => rawTar([df(), { name: 'PaxHeader', type: 'x', body: pax({ size: '99999999999999999999999' }) }, { name: 'f', body: Buffer.from('x') }])],
    ['pax garbled', () => rawTar([df(), { name: 'PaxHeader', type: 'x', body: Buffer.from('999999 path=x\n5 a\n') }, { name: 'f', body: Buffer.from('x') }])],
    ['global pax', () => rawTar([{ name: 'g', type: 'g', body: pax({ comment: 'x', 'SCHILY.xattr.security.capability': '\x01\x02' }) }, df()])],
    ['GNU long name', () => rawTar([df(), { name: '././@LongLink', type: 'L', body: Buffer.from('L'.repeat(70_000) + '\0') }, { name: 'f', body: Buffer.from('x') }])],
    ['GNU sparse', () => rawTar([df(), { name: 'sparse', type: 'S', size: '00000001000\0', body: Buffer.alloc(512) }])],
    ['pax sparse', () => rawTar([df(), { name: 'PaxHeader', type: 'x', body: pax({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 's', 'GNU.sparse.realsize': '99999999999' }) }, { name: 's', body: Buffer.from('3\n') }])],
    ['devices and fifos', () => rawTar([df(), { name: 'null', type: '3' }, { name: 'fifo', type: '6' }, { name: 'weird', type: 'Z' }])],
    ['directory over file', () => rawTar([df(), { name: 'd', body: Buffer.from('x') }, { name: 'd/', type: '5' }, { name: 'd/e', body: Buffer.from('x') }])],
    ['many entries', () => rawTar([df(), ...Array.from({ length: 3000 }, (_, i) => ({ name: `e${i}`, body: Buffer.from('') }))])],
    ['gzip bomb', () => gzipBomb()],
    ['gzip truncated', () => gzipBomb().subarray(0, 200)],
    ['xz magic', () => Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(100, 7)])],
    ['bzip2 magic', () => Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(100, 7)])],
    ['zstd magic', () => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100, 7)])],
    ['manifest escape', () => rawTar([{ name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: '../../../../etc/passwd', RepoTags: ['fz:1'], Layers: ['/etc/shadow', '../x'] }])) }])],
    ['manifest junk', () => rawTar([{ name: 'manifest.json', body: Buffer.from(rng.pick(['{', '[]', '[{"Config":5}]', 'null', '[{"Config":"c","Layers":[5],"RepoTags":["::"]}]'])) }, { name: 'c', body: Buffer.from('{') }])],
    ['oci index junk', () => rawTar([{ name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') }, { name: 'index.json', body: Buffer.from('{"manifests":[{"digest":"sha256:../../x","mediaType":5}]}') }])],
  ];
  const [how, make] = rng.pick(cases);
  return { body: make(), how: `tar: ${how}` };
}
