// The local volume driver's options, as compose's driver_opts and `docker volume create -o` give them:
// `type`, `device` and `o` mount a filesystem (tmpfs, a bind of a host path, nfs ...) at the volume's
// directory the first time a container uses it (moby daemon/volume/local); `size` needs quotas Berth's
// storage does not have, refused as dockerd refuses it there.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { invalidParameter, systemError } from '../errdefs.ts';
import { run } from '../util/exec.ts';

const VALID = ['type', 'o', 'device', 'size'];
const MANDATORY: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

export function validateVolumeOptions(opts: Record<string, string> | null | undefined): void {
  if (!opts) return;
  for (const k of Object.keys(opts)) if (!VALID.includes(k)) throw invalidParameter(`invalid option: "${k}"`);
  if (opts.type === 'cifs' && opts.device && /^[^/]*\/\/[^/]*:\d+/.test(opts.device)) throw invalidParameter("port not allowed in CIFS device URL, include 'port' in 'o='");
  if ('size' in opts) throw invalidParameter('quota size requested but no quota support');
  for (const [k, req] of Object.entries(MANDATORY)) if (k in opts) for (const r of req) if (!(r in opts)) throw invalidParameter(`missing required option: "${r}"`);
}

function mounted(dir: string): boolean {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
  } catch {
    return false;
  }
}

/** Mounts the volume's filesystem at its directory unless it is there already. */
export async function mountVolume(opts: Record<string, string>, dir: string): Promise<void> {
  if (!opts.type || mounted(dir)) return;
  const args = ['-t', opts.type];
  if (opts.o) args.push('-o', opts.o);
  const r = await run('mount', [...args, opts.device!, dir], { allowFailure: true, timeoutMs: 60_000 });
  if (r.code !== 0) throw systemError(`failed to mount local volume: mount ${opts.device}:${dir}, flags: ${opts.o ?? ''}: ${(r.stderr || r.stdout).trim().replace(/^mount: /, '')}`);
}

/** Unmounts it (before the volume's directory is deleted: a bind of a host path must never be emptied). */
export function unmountVolume(dir: string): void {
  if (!mounted(dir)) return;
  const r = spawnSync('umount', [dir], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || mounted(dir)) throw systemError(`failed to unmount local volume ${dir}: ${(r.stderr ?? '').trim()}`);
}
