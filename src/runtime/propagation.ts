// Bind mounts with shared or slave propagation need a source whose own mount propagates: dockerd
// refuses them at start otherwise (moby daemon/oci_linux.go ensureShared/ensureSharedOrSlave), since
// the container would silently never see (or share) the mounts the user expects.
import fs from 'node:fs';
import { invalidParameter } from '../errdefs.ts';
import type { MountSpec } from './types.ts';

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mount point a path lies on and its optional fields ("shared:1 master:2"), from /proc/self/mountinfo. */
export function sourceMount(p: string, mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): { mountpoint: string; optional: string } {
  let real = p;
  try {
    real = fs.realpathSync(p);
  } catch {
    // the path does not exist (yet): its mount is looked up as given
  }
  let best = { mountpoint: '/', optional: '' };
  let bestLen = -1;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 7) continue;
    const mp = unescape(f[4]!);
    const dash = f.indexOf('-');
    const under = mp === '/' || real === mp || real.startsWith(mp + '/');
    // the longest mount point wins; a later entry at the same path (mounted over) wins too
    if (under && mp.length >= bestLen) {
      bestLen = mp.length;
      best = { mountpoint: mp, optional: f.slice(6, dash < 0 ? f.length : dash).join(' ') };
    }
  }
  return best;
}

export function checkPropagation(mounts: MountSpec[], mountinfo?: string): void {
  for (const m of mounts) {
    if (m.type !== 'bind') continue;
    const has = (...vals: string[]) => (optional: string) => optional.split(' ').some((o) => vals.some((v) => o.startsWith(v)));
    if (m.options.some((o) => o === 'shared' || o === 'rshared')) {
      const s = sourceMount(m.source, mountinfo);
      if (!has('shared:')(s.optional)) throw invalidParameter(`path ${m.source} is mounted on ${s.mountpoint} but it is not a shared mount`);
    } else if (m.options.some((o) => o === 'slave' || o === 'rslave')) {
      const s = sourceMount(m.source, mountinfo);
      if (!has('shared:', 'master:')(s.optional)) throw invalidParameter(`path ${m.source} is mounted on ${s.mountpoint} but it is not a shared or slave mount`);
    }
  }
}
