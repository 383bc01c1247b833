// Files written whole or not at all, by the daemon and the CLI alike.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

/** Write a file atomically: temp name, fsync, rename. A crash leaves the old or the new file, never half of one. */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Stream into a file atomically (docker save -o, export -o): a failed or cut stream leaves no half file. */
export async function pipeToFileAtomic(source: Readable, file: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await pipeline(source, fs.createWriteStream(tmp));
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function readJsonIfExists<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e: any) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Bytes under `dir` (0 when it is gone) as moby's directory.Size counts them: every entry that is not
 * a directory, each inode once (hard links are not counted twice).
 */
export function dirSize(dir: string): number {
  let total = 0;
  const seen = new Set<number>();
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      // removed while we walk it: counts as empty
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      try {
        const st = fs.lstatSync(p);
        if (st.nlink > 1) {
          if (seen.has(st.ino)) continue;
          seen.add(st.ino);
        }
        total += st.size;
      } catch {
        // removed while we walk it: not counted, as directory.Size skips it
      }
    }
  };
  walk(dir);
  return total;
}
