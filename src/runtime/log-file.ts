// A log file that rotates as moby's loggerutils.LogFile does: once a write takes the file to max-size,
// the rotated files shift (<file>.1 → <file>.2 ..., the oldest past max-file goes), the file becomes
// <file>.1 (gzipped to <file>.1.gz with compress) and writing goes on in a fresh file. With max-file 1
// the file is unlinked and started again. Renames, never truncation: a reader holding the old file
// reads it to its end. Synchronous, so a reader in the same process never sees a rotation half done.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { rotatedName, rotationPlan, type Rotation } from './json-log.ts';

export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  /** Called at each rotation while the file is still in place (followers take hold of it there). */
  readonly beforeRotate = new Set<() => void>();
  readonly file: string;
  readonly rotation: Rotation;

  constructor(file: string, rotation: Rotation) {
    this.file = file;
    this.rotation = rotation;
  }

  /** Opened on the first write, so that a stopped container's log holds no descriptor. */
  private open(): number {
    if (this.fd === undefined) {
      this.fd = fs.openSync(this.file, 'a', 0o640);
      this.size = fs.fstatSync(this.fd).size;
      // a line a crash cut short is ended, so that the next one is not glued to it
      if (this.size > 0 && lastByte(this.file, this.size) !== 0x0a) this.size += fs.writeSync(this.fd, '\n');
    }
    return this.fd;
  }

  /** Append whole lines; a rotation happens only between lines, after the one that reached max-size. */
  writeLines(lines: string[]): void {
    const max = this.rotation.maxSize;
    this.open();
    let from = 0;
    let batchLen = 0;
    for (let i = 0; i < lines.length; i++) {
      batchLen += Buffer.byteLength(lines[i]!);
      if (max > 0 && this.size + batchLen >= max) {
        this.append(lines.slice(from, i + 1).join(''));
        from = i + 1;
        batchLen = 0;
        this.rotate();
      }
    }
    if (from < lines.length) this.append(from === 0 ? lines.join('') : lines.slice(from).join(''));
  }

  private append(text: string): void {
    const fd = this.open();
    const b = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < b.length) off += fs.writeSync(fd, b, off);
    this.size += b.length;
  }

  private rotate(): void {
    for (const cb of this.beforeRotate) cb();
    this.close();
    const plan = rotationPlan(this.file, this.rotation);
    for (const f of plan.drop) fs.rmSync(f, { force: true });
    for (const [from, to] of plan.renames) renameIfExists(from, to);
    if (this.rotation.compress && this.rotation.maxFiles >= 2) compress(rotatedName(this.file, 1, false));
    this.fd = fs.openSync(this.file, 'w', 0o640);
    this.size = 0;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

function lastByte(file: string, size: number): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    return fs.readSync(fd, b, 0, 1, size - 1) === 1 ? b[0] : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** <f> → <f>.gz, written beside and renamed into place so that a crash leaves one or the other whole. */
function compress(f: string): void {
  const tmp = `${f}.gz.tmp`;
  fs.writeFileSync(tmp, zlib.gzipSync(fs.readFileSync(f), { level: zlib.constants.Z_BEST_SPEED }));
  fs.renameSync(tmp, `${f}.gz`);
  fs.rmSync(f);
}
