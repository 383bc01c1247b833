// --ipc shareable: the container's /dev/shm is a tmpfs on the host (in its bundle), so that a
// container started with --ipc container:<it> can bind the same one (a mount inside another
// container's mount namespace cannot be bound from outside it). Unmounted when the runtime forgets
// the container, as dockerd unmounts its ipc mounts when a container stops.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';

export const shmDir = (bundle: string) => path.join(bundle, 'shm');

/** A tmpfs mounted at dir makes it the root of another filesystem than its parent's. Two stats,
 * where reading /proc/self/mountinfo (every mount of a busy host) cost ~2 ms of the daemon's
 * thread at each container's removal, most of which never had a shareable /dev/shm. */
function mounted(dir: string): boolean {
  try {
    return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev;
  } catch {
    return false;
  }
}

export async function mountShm(dir: string, sizeBytes: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  if (mounted(dir)) return;
  await run('mount', ['-t', 'tmpfs', '-o', `nosuid,nodev,noexec,mode=1777,size=${sizeBytes}`, 'shm', dir]);
}

export async function unmountShm(dir: string): Promise<void> {
  if (mounted(dir)) await run('umount', ['-l', dir]);
}
