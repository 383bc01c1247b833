// Restart policies (no, always, on-failure[:N], unless-stopped) with dockerd's back-off: 100 ms before the
// first restart, doubling each time, back to 100 ms once the container has run for 10 s.

export interface RestartPolicy {
  Name: string;
  MaximumRetryCount?: number;
}

export const POLICIES = ['', 'no', 'always', 'on-failure', 'unless-stopped'];

export function validatePolicy(p: RestartPolicy | undefined, autoRemove: boolean): string | undefined {
  const name = p?.Name ?? '';
  if (!POLICIES.includes(name)) return `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`;
  if ((p?.MaximumRetryCount ?? 0) < 0) return 'invalid restart policy: maximum retry count cannot be negative';
  if ((p?.MaximumRetryCount ?? 0) > 0 && name !== 'on-failure') return `invalid restart policy: maximum retry count can only be used with 'on-failure'`;
  if (autoRemove && name && name !== 'no') return "can't create 'AutoRemove' container with restart policy";
  return undefined;
}

/** Whether a container that just exited should be started again. */
export function shouldRestart(p: RestartPolicy | undefined, o: { exitCode: number; restartCount: number; manuallyStopped: boolean }): boolean {
  if (o.manuallyStopped) return false;
  switch (p?.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return o.exitCode !== 0 && (!p.MaximumRetryCount || o.restartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/** Whether berthd starts it when the daemon starts: `always` ones even if the user stopped them, as dockerd. */
export function restartOnDaemonStart(p: RestartPolicy | undefined, manuallyStopped: boolean): boolean {
  return p?.Name === 'always' || (p?.Name === 'unless-stopped' && !manuallyStopped);
}

export class Backoff {
  private delay = 0;

  /** The wait before the next restart, given how long the container ran (ms). */
  next(ranMs: number): number {
    if (ranMs >= 10_000 || this.delay === 0) this.delay = 100;
    else this.delay = Math.min(this.delay * 2, 60_000);
    return this.delay;
  }
}
