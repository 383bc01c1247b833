// Host device nodes, for privileged containers (containerd's HostDevices): every char/block device under /dev.
import fs from 'node:fs';
import path from 'node:path';

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
    } catch {}
  }
  return out;
}
