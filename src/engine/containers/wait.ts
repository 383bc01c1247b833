// docker wait: promises that settle when a container reaches a condition. Every wait settles:
// at the condition, or, when its caller goes away (the signal aborts), with the abort's reason.
import { invalidParameter } from '../../errdefs.ts';
import type { ContainerRecord } from './record.ts';
import type { Ctx } from './context.ts';
import { premount } from './rootfs.ts';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export type WaitResult = { StatusCode: number; Error: { Message: string } | null };

interface Waiter {
  condition: WaitCondition;
  resolve: (r: WaitResult) => void;
}

export class Waiters {
  private readonly byId = new Map<string, Set<Waiter>>();

  add(id: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let set = this.byId.get(id);
      if (!set) this.byId.set(id, (set = new Set()));
      const onAbort = () => {
        this.drop(id, w);
        reject(signal!.reason);
      };
      const w: Waiter = {
        condition,
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      set.add(w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Answer the waits for any of these conditions with the container's exit code. */
  notify(c: ContainerRecord, conditions: WaitCondition[]): void {
    const set = this.byId.get(c.Id);
    if (!set) return;
    for (const w of [...set]) {
      if (!conditions.includes(w.condition)) continue;
      set.delete(w);
      w.resolve({ StatusCode: c.State.ExitCode, Error: null });
    }
    if (set.size === 0) this.byId.delete(c.Id);
  }

  /** How many waits are registered (tests: nothing left behind). */
  count(id: string): number {
    return this.byId.get(id)?.size ?? 0;
  }

  private drop(id: string, w: Waiter): void {
    const set = this.byId.get(id);
    set?.delete(w);
    if (set?.size === 0) this.byId.delete(id);
  }
}

/** Wait for a container to reach a condition; resolves with its exit code. */
export function wait(ctx: Ctx, ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
  const c = ctx.store.get(ref);
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidParameter(`invalid condition: "${condition}"`);
  if (condition === 'not-running' && !c.State.Running) return Promise.resolve({ StatusCode: c.State.ExitCode, Error: null });
  premount(ctx, c.Id);
  return ctx.waiters.add(c.Id, condition, signal);
}
