// Host device nodes, for privileged containers (containerd's HostDevices): every char/block device under /dev.
import fs from 'node:fs';
import path from 'node:path';
import { invalidParameter } from '../../errdefs.ts';

export interface HostDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

export function majorOf(rdev: bigint): number {
  return Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
}

export function minorOf(rdev: bigint): number {
  return Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
}

export function hostDevices(dir = '/dev'): HostDevice[] {
  const out: HostDevice[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...hostDevices(p));
      continue;
    }
    if (p === '/dev/console') continue;
    if (!e.isCharacterDevice() && !e.isBlockDevice()) continue;
    try {
      const st = fs.lstatSync(p, { bigint: true });
      out.push({
        path: p,
        type: e.isCharacterDevice() ? 'c' : 'b',
        major: majorOf(st.rdev),
        minor: minorOf(st.rdev),
        fileMode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
      });
    } catch {
      // the node vanished or is unreadable: not a device we can pass on
    }
  }
  return out;
}

/** The device node at `p` (symlinks followed), or every device below it when it is a directory,
 * as docker run --device takes them. Throws Docker's message when there is none. */
export function devicesAt(p: string): HostDevice[] {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(p, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw invalidParameter(`error gathering device information while adding custom device "${p}": ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`, e);
  }
  if (st.isDirectory()) return hostDevices(p);
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalidParameter(`error gathering device information while adding custom device "${p}": not a device node`);
  return [{ path: p, type: st.isCharacterDevice() ? 'c' : 'b', major: majorOf(st.rdev), minor: minorOf(st.rdev), fileMode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) }];
}
