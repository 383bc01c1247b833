// Removing a container's cgroups once its processes are gone (what `runc delete` does, without
// spawning it): children first, as the kernel requires, retrying while the cgroup is still busy.
import fs from 'node:fs';
import path from 'node:path';

/** rmdir a cgroup directory and its children (control files go with their directory); retries while busy. */
export async function removeCgroup(dir: string): Promise<boolean> {
  const rmTree = async (d: string): Promise<void> => {
    let entries: fs.Dirent[] = [];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch (e: any) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) if (e.isDirectory()) await rmTree(path.join(d, e.name));
    try {
      await fs.promises.rmdir(d);
    } catch (e: any) {
      if (e.code !== 'ENOENT') throw e;
    }
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
