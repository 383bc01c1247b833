// Removing a container's cgroups once its processes are gone (what `runc delete` does, without
// spawning it): children first, as the kernel requires, retrying while the cgroup is still busy.
import fs from 'node:fs';
import path from 'node:path';

/** rmdir a cgroup directory and its children (control files go with their directory); retries while busy. */
export async function removeCgroup(dir: string): Promise<boolean> {
  const rmdir = async (d: string): Promise<void> => {
    try {
      await fs.promises.rmdir(d);
    } catch (e: any) {
      if (e.code !== 'ENOENT') throw e;
    }
  };
  const rmTree = async (d: string): Promise<void> => {
    // as runc's RemovePath: a cgroup without children goes with one rmdir (its control files with it);
    // reading the directory (dozens of control files per v1 hierarchy) only when that fails
    try {
      return await rmdir(d);
    } catch {
      // children, or busy: below
    }
    let entries: fs.Dirent[] = [];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch (e: any) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) if (e.isDirectory()) await rmTree(path.join(d, e.name));
    await rmdir(d);
  };
  for (let attempt = 0, delay = 1; attempt < 6; attempt++, delay *= 2) {
    try {
      await rmTree(dir);
      return true;
    } catch (e: any) {
      if (e.code !== 'EBUSY') return false;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  return false;
}
