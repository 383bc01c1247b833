// The `local` volume driver: a directory per volume (<data-root>/volumes/<name>/_data), owned by
// container root (also under --userns-remap), filled from the image on first use (Docker's
// copy-up), sized by walking it. What volumes exist and who uses them is the engine's (engine/volumes.ts).
import fs from 'node:fs';
import { dirSize } from '../util/fs.ts';
import path from 'node:path';
import { daemonIdMap, toHost } from '../platform/linux/idmap.ts';
import { secureJoin } from '../platform/linux/securejoin.ts';
import { run } from '../util/exec.ts';

export class LocalVolumeDriver {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  /** Make the volume's directory; returns its mount point. */
  create(name: string): string {
    const dir = path.join(this.root, name, '_data');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    // with --userns-remap, container root must be able to write its new volume
    if (daemonIdMap()) fs.chownSync(dir, toHost(0, 'uid'), toHost(0, 'gid'));
    return dir;
  }

  remove(mountpoint: string): void {
    fs.rmSync(path.dirname(mountpoint), { recursive: true, force: true });
  }

  /** Copy the image's files at `dest` into an empty volume; the volume's root takes their directory's owner and mode. */
  async copyUp(mountpoint: string, rootfs: string, dest: string): Promise<void> {
    if (fs.readdirSync(mountpoint).length) return;
    const src = secureJoin(rootfs, dest);
    let st: fs.Stats;
    try {
      st = fs.statSync(src);
    } catch {
      // nothing at the mount path in the image: nothing to copy
      return;
    }
    if (!st.isDirectory()) return;
    await run('cp', ['-a', '--', `${src}/.`, `${mountpoint}/`]);
    fs.chownSync(mountpoint, st.uid, st.gid);
    fs.chmodSync(mountpoint, st.mode & 0o7777);
  }

  size(mountpoint: string): number {
    return dirSize(mountpoint);
  }
}
