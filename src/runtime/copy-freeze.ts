// Holding a container still while the daemon walks its root filesystem from the host (docker cp
// in both directions, export, diff).
//
// The daemon resolves container paths on the host side (secureJoin, then open). A process inside
// a running container can swap a directory for a symlink to a host path between the check and the
// use (CVE-2018-15664) and so make the daemon read or write host files. The robust fixes are to
// resolve and open inside the container's root in one step: openat2(RESOLVE_IN_ROOT) or a helper
// that chroots into the rootfs (Podman's copier, current Docker's chrootarchive). Node offers
// neither openat2, O_PATH nor chroot, and a separate native helper would be a second program to
// build and ship. Freezing the container's cgroup for the duration of the walk (Docker's first fix
// for that CVE) closes the race completely for Berth: the rootfs of a container is reachable only
// by that container's processes and by the daemon, the daemon's own walk is sequential, and a
// frozen cgroup (with all its sub-cgroups) runs no code. It costs one `runc pause`/`resume` pair
// (a few ms) per copy, and the container is stopped only while the copy lasts.
//
// This wrapper keeps the freeze sound against the rest of the engine: a user's unpause or a
// commit's resume during a copy leaves the container frozen until the copy ends, a start or exec
// waits for running copies to finish (so no process of the container runs unfrozen meanwhile).
import type { RuntimeDriver } from './types.ts';
import { log } from '../util/log.ts';

interface Hold {
  users: number;
  /** The cgroup is frozen while the hold lasts (by the copy, or it was paused already). */
  frozen: boolean;
  /** Someone else (docker pause, commit) wants it paused after the copies end. */
  pausedByOthers: boolean;
  done: Promise<void>;
  finish: () => void;
}

export class CopyFreezer {
  private readonly holds = new Map<string, Hold>();
  /** Per-container chain so freezing and thawing of overlapping copies never interleave. */
  private readonly chains = new Map<string, Promise<unknown>>();
  readonly runtime: RuntimeDriver;
  private readonly inner: RuntimeDriver;

  constructor(inner: RuntimeDriver) {
    this.inner = inner;
    const overrides: Partial<RuntimeDriver> = {
      start: async (id) => {
        await this.settled(id);
        return inner.start(id);
      },
      exec: async (id, spec) => {
        await this.settled(id);
        return inner.exec(id, spec);
      },
      pause: (id) =>
        this.serial(id, async () => {
          const h = this.holds.get(id);
          if (h?.frozen) return void (h.pausedByOthers = true);
          return inner.pause(id);
        }),
      resume: (id) =>
        this.serial(id, async () => {
          const h = this.holds.get(id);
          if (h?.frozen) return void (h.pausedByOthers = false);
          return inner.resume(id);
        }),
    };
    this.runtime = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop in overrides) return overrides[prop as keyof RuntimeDriver];
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  /**
   * Freeze the container (when its processes run) until the returned release is called. Nested and
   * concurrent holds share one freeze; the last release thaws, unless the container was paused
   * before or was paused meanwhile.
   */
  async holdStill(id: string): Promise<() => Promise<void>> {
    await this.serial(id, async () => {
      const h = this.holds.get(id);
      if (h) return void h.users++;
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      const hold: Hold = { users: 1, frozen: false, pausedByOthers: false, done, finish };
      const st = await this.inner.state(id).catch(() => undefined); // no state: not running, so nothing to freeze
      if (st?.status === 'running') {
        try {
          await this.inner.pause(id);
          hold.frozen = true;
        } catch (e) {
          // it may have exited meanwhile; anything still alive must not run during the copy
          const now = await this.inner.state(id).catch(() => undefined);
          if (now?.status === 'running') throw e;
          hold.frozen = now?.status === 'paused';
        }
      } else if (st?.status === 'paused') {
        hold.frozen = true;
        hold.pausedByOthers = true;
      }
      this.holds.set(id, hold);
    });
    let released = false;
    return () => {
      if (released) return Promise.resolve();
      released = true;
      return this.release(id);
    };
  }

  private release(id: string): Promise<void> {
    return this.serial(id, async () => {
      const h = this.holds.get(id);
      if (!h || --h.users > 0) return;
      this.holds.delete(id);
      try {
        if (h.frozen && !h.pausedByOthers) await this.inner.resume(id);
      } catch (e) {
        log.warn(`thawing ${id} after a copy: ${(e as Error).message}`);
      } finally {
        h.finish();
      }
    });
  }

  /** Resolves once no copy holds the container. */
  private async settled(id: string): Promise<void> {
    for (let h = this.holds.get(id); h; h = this.holds.get(id)) await h.done;
  }

  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(fn); // the previous holder's failure is its caller's; the next one runs regardless
    const tail = run.catch(() => {}); // the chain only orders the calls; `run` carries the error to the caller
    this.chains.set(id, tail);
    void tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return run;
  }
}
