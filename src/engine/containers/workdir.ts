// The working directory (-w, the image's WORKDIR) is made by the daemon before the runtime starts
// the process, as dockerd does (container.SetupWorkingDirectory on GetResourcePath): resolved
// inside the container's root, so that a symlink in the image, absolute or dangling, leads to a
// directory inside the root and never to the host's. (runc would make a missing one itself, but
// its MkdirAll fails on a symlink to a path the image lacks: "mkdir /abs: file exists".)
// The container is not running while it starts, so nothing swaps the resolved path meanwhile.
import fs from 'node:fs';
import path from 'node:path';
import { secureJoin } from '../../platform/linux/securejoin.ts';
import { invalidParameter } from '../../errdefs.ts';

/** Make `workdir` inside `rootfs` (mode 0755, owned by the container's root: `owner` under a user namespace). */
export function makeWorkingDir(rootfs: string, workdir: string | undefined, owner?: { uid: number; gid: number }): void {
  if (!workdir || path.posix.normalize(workdir) === '/') return;
  const target = secureJoin(rootfs, workdir);
  // each missing level, outermost first, so that each gets the owner
  const missing: string[] = [];
  for (let p = target; p.startsWith(rootfs + '/') && !exists(p); p = path.dirname(p)) missing.unshift(p);
  try {
    for (const p of missing) {
      fs.mkdirSync(p, 0o755);
      if (owner) fs.chownSync(p, owner.uid, owner.gid);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
  }
  if (!isDir(target)) throw invalidParameter(`Cannot mkdir: ${workdir} is not a directory`);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // missing, or a file on the way (ENOTDIR): not a directory either way
  }
}

function exists(p: string): boolean {
  try {
    return fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true; // ENOTDIR: a file on the way, which mkdir reports below
  }
}
