// What /proc says about a process: alive or not, and when it started (to tell a pid reused
// by another process from the one a runtime recorded).
import fs from 'node:fs';

/** Is this pid a live (non-zombie) process? With `needle`, its command line must contain it too. */
export function pidAlive(pid: number, needle?: string): boolean {
  if (!pid || pid <= 0) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (needle) return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(needle);
    return true;
  } catch {
    // no such process (or no /proc entry left to read): not alive
    return false;
  }
}

/** The start time (clock ticks since boot, field 22 of /proc/<pid>/stat) of a process; runc records it for init. */
export function startTimeOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    // gone: no start time to compare
    return undefined;
  }
}
