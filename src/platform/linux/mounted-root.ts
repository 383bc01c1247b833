// A container's filesystem as its processes see it, read from the host: the root filesystem with the
// container's bind mounts (volumes, host directories, /etc/hosts and friends) laid over it. `docker
// cp` resolves its paths here, so that a path inside a volume or a bind mount reaches the mount's
// source, whether the container runs or not (dockerd 20.10 bind-mounts the volumes onto the rootfs
// in its own namespace for the copy; Berth resolves through a table instead and mounts nothing).
//
// Resolution is securejoin's, component by component: each component is looked up (lstat) on the
// host path of the mount that holds it, symlinks are followed as the container would follow them
// (an absolute target starts again at the container's root, through the mounts), and ".." never
// climbs above the container's root. So no path, however crafted, leads outside the rootfs and the
// mount sources.
import fs from 'node:fs';
import path from 'node:path';

const MAX_SYMLINKS = 255;

export interface RootMount {
  /** where the container sees it (absolute) */
  destination: string;
  /** the host file or directory mounted there */
  source: string;
  readOnly: boolean;
  /** a volume or a bind mount the user asked for (Docker's MountPoints), not one the daemon adds */
  user: boolean;
}

interface Placed extends RootMount {
  /** the destination after its symlinks are resolved, as runc resolves it when it mounts */
  parts: string[];
}

export interface Resolved {
  /** the container path, symlinks resolved: "/" + parts */
  parts: string[];
  /** where it is on the host */
  host: string;
  /** the mount that holds it (none: the rootfs itself) */
  mount?: RootMount;
  /** the directory the path lies in on the host: the mount's source, or the rootfs */
  base: string;
}

const split = (p: string) => p.split('/').filter((x) => x && x !== '.');

export class MountedRoot {
  readonly rootfs: string;
  private readonly mounts: Placed[] = [];

  /** mounts in the order the runtime mounts them (shallow first), the later hiding the earlier */
  constructor(rootfs: string, mounts: RootMount[]) {
    this.rootfs = rootfs;
    const depth = (m: RootMount) => path.posix.normalize(m.destination).split('/').length;
    for (const m of [...mounts].sort((a, b) => depth(a) - depth(b))) {
      // runc resolves a destination inside the root as it stands when it mounts (the earlier mounts in place)
      this.mounts.unshift({ ...m, parts: this.resolveParts(m.destination, true) });
    }
  }

  /** The innermost mount holding the container path `parts` (the last placed wins among equals). */
  private holder(parts: string[]): Placed | undefined {
    let best: Placed | undefined;
    for (const m of this.mounts) {
      if (m.parts.length > parts.length || (best && best.parts.length >= m.parts.length)) continue;
      if (m.parts.every((p, i) => parts[i] === p)) best = m;
    }
    return best;
  }

  /** The host path of an already resolved container path. */
  hostOf(parts: string[]): string {
    const m = this.holder(parts);
    return m ? path.join(m.source, ...parts.slice(m.parts.length)) : path.join(this.rootfs, ...parts);
  }

  private resolveParts(unsafePath: string, followLast: boolean): string[] {
    const todo = split(unsafePath);
    const resolved: string[] = [];
    let hops = 0;
    while (todo.length) {
      const part = todo.shift()!;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      resolved.push(part);
      if (!followLast && todo.length === 0) break;
      // a mount's root is what is mounted there, never a link in the layer below it
      if (this.mounts.some((m) => m.parts.length === resolved.length && m.parts.every((p, i) => resolved[i] === p))) continue;
      const candidate = this.hostOf(resolved);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(candidate);
      } catch {
        continue;
      }
      if (!st.isSymbolicLink()) continue;
      if (++hops > MAX_SYMLINKS) throw new Error(`too many symlinks resolving ${unsafePath}`);
      resolved.pop();
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) resolved.length = 0;
      todo.unshift(...split(target));
    }
    return resolved;
  }

  /**
   * Resolve a container path. Every symlink on the way is followed; the last component's only when
   * `followLast` (docker cp's stat and GET do not follow a final link unless the path ends in "/").
   */
  resolve(unsafePath: string, followLast = true): Resolved {
    const parts = this.resolveParts(unsafePath, followLast);
    const m = this.holder(parts);
    return { parts, host: this.hostOf(parts), mount: m, base: m ? m.source : this.rootfs };
  }

  /**
   * The mounts lying below the container directory `parts`, by their path relative to it (for a
   * walk of that directory that must show what is mounted inside it, as the container sees it).
   */
  mountsBelow(parts: string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const m of [...this.mounts].reverse()) {
      if (m.parts.length <= parts.length || !parts.every((p, i) => m.parts[i] === p)) continue;
      out.set(m.parts.slice(parts.length).join('/'), m.source);
    }
    return out;
  }

  /** The mounts below the container directory `parts` that are seen there (not hidden by a later mount), with their path relative to it. */
  mountPointsBelow(parts: string[]): (RootMount & { rel: string })[] {
    const seen = new Set<string>();
    const out: (RootMount & { rel: string })[] = [];
    for (const m of this.mounts) {
      if (m.parts.length <= parts.length || !parts.every((p, i) => m.parts[i] === p)) continue;
      const rel = m.parts.slice(parts.length).join('/');
      // mounts are held last-placed first: the first one at a path is the one the container sees
      if (seen.has(rel)) continue;
      seen.add(rel);
      out.push({ destination: m.destination, source: m.source, readOnly: m.readOnly, user: m.user, rel });
    }
    return out;
  }
}
