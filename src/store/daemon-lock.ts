// One daemon per data root: two daemons sharing a store would each believe they own every container.
// dockerd refuses with its pid file; we keep one in the data root and check that its pid is a live berthd.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError } from '../errdefs.ts';

export function lockDataRoot(dataRoot: string): () => void {
  const file = path.join(dataRoot, 'berthd.pid');
  let other = 0;
  try {
    other = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    // no pid file: no other daemon holds the data root
  }
  if (other && other !== process.pid && isBerthd(other)) {
    throw new BerthError('conflict', `berthd is already running with pid ${other} on data root ${dataRoot} (${file})`);
  }
  fs.writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // gone or replaced already: nothing of ours to remove
    }
  };
}

function isBerthd(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('berthd');
  } catch {
    return false;
  }
}
