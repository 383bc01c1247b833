// docker ps --size / inspect --size: SizeRw is what the container wrote (its upper layer, as dockerd's
// overlay2 driver sums it: file sizes, each inode once), SizeRootFs that plus its image.
import fs from 'node:fs';
import path from 'node:path';

export function dirSize(dir: string): number {
  let total = 0;
  const seen = new Set<number>();
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          const st = fs.lstatSync(p);
          if (st.nlink > 1) {
            if (seen.has(st.ino)) continue;
            seen.add(st.ino);
          }
          total += st.size;
        } catch {
          // removed while we walk it: not counted
        }
      }
    }
  };
  walk(dir);
  return total;
}

export function containerSizes(upperDir: string, imageSize: number): { SizeRw: number; SizeRootFs: number } {
  const rw = upperDir ? dirSize(upperDir) : 0;
  return { SizeRw: rw, SizeRootFs: rw + imageSize };
}
