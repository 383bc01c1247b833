// Healthchecks (HEALTHCHECK in the image, --health-* on run): the test command runs in the container every
// interval, as an exec; State.Health keeps the status, the failing streak and the last five results, and a
// `health_status: …` event marks each change, as dockerd does.
import type { RuntimeDriver } from '../../runtime/types.ts';
import type { ContainerRecord } from './record.ts';
import { newId } from '../../util/ids.ts';
import { log } from '../../util/log.ts';

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

const SECOND_NS = 1e9;
const MAX_LOG = 5;
const MAX_OUTPUT = 4096;

/** The command of a healthcheck, or undefined when there is none (absent, NONE, empty). */
export function healthCommand(hc: HealthConfig | null | undefined, shell: string[] = ['/bin/sh', '-c']): string[] | undefined {
  const t = hc?.Test;
  if (!t?.length || t[0] === 'NONE') return undefined;
  if (t[0] === 'CMD') return t.slice(1).length ? t.slice(1) : undefined;
  if (t[0] === 'CMD-SHELL') return [...shell, t.slice(1).join(' ')];
  return undefined;
}

/** The Health a start records: `starting`, for a container with a healthcheck (undefined without one). */
export function initialHealth(c: ContainerRecord): Health | undefined {
  const cmd = healthCommand(c.Config.Healthcheck as HealthConfig | null | undefined);
  return cmd ? { Status: 'starting', FailingStreak: 0, Log: [] } : undefined;
}

export class HealthMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly runtime: RuntimeDriver;
  private readonly onChange: (id: string, health: Health, changed: string) => Promise<void>;
  private readonly current: (id: string) => ContainerRecord | undefined;
  private readonly onExec?: (c: ContainerRecord, action: string, attrs: Record<string, string>) => void;

  /**
   * onChange writes a probe's result (the container's new Health, and the new status when it
   * changed) to the store; the monitor never changes a record itself.
   */
  constructor(deps: { runtime: RuntimeDriver; current: (id: string) => ContainerRecord | undefined; onChange: (id: string, health: Health, changed: string) => Promise<void>; onExec?: (c: ContainerRecord, action: string, attrs: Record<string, string>) => void }) {
    this.runtime = deps.runtime;
    this.current = deps.current;
    this.onChange = deps.onChange;
    this.onExec = deps.onExec;
  }

  /** Begin probing a container that just started (no-op without a healthcheck). */
  start(c: ContainerRecord): void {
    this.stop(c.Id);
    const hc = c.Config.Healthcheck as HealthConfig | null | undefined;
    const cmd = healthCommand(hc, (c.Config.Shell as string[] | undefined)?.length ? (c.Config.Shell as string[]) : undefined);
    if (!cmd) return;
    const interval = (hc!.Interval || 30 * SECOND_NS) / 1e6;
    const startInterval = (hc!.StartInterval || 5 * SECOND_NS) / 1e6;
    const startPeriod = (hc!.StartPeriod || 0) / 1e6;
    const startedAt = Date.now();
    const schedule = (ms: number) => this.timers.set(c.Id, setTimeout(() => void probe(), ms));
    const probe = async () => {
      const cur = this.current(c.Id);
      if (!cur?.State.Running) return this.stop(c.Id);
      if (cur.State.Paused) return schedule(interval);
      const entry = await this.runOnce(cur, cmd, (hc!.Timeout || 30 * SECOND_NS) / 1e6);
      const again = this.current(c.Id);
      if (!again?.State.Running || !this.timers.has(c.Id)) return;
      const health: Health = structuredClone((again.State as unknown as { Health?: Health }).Health ?? { Status: 'starting', FailingStreak: 0, Log: [] });
      health.Log = [...health.Log, entry].slice(-MAX_LOG);
      const inStartPeriod = Date.now() - startedAt < startPeriod;
      let status = health.Status;
      if (entry.ExitCode === 0) {
        health.FailingStreak = 0;
        status = 'healthy';
      } else if (!inStartPeriod || health.Status !== 'starting') {
        health.FailingStreak++;
        if (health.FailingStreak >= (hc!.Retries || 3)) status = 'unhealthy';
      }
      const changed = status !== health.Status;
      health.Status = status;
      try {
        await this.onChange(c.Id, health, changed ? status : '');
      } catch (e) {
        // the result is lost, not the monitor: the next probe writes again
        log.warn(`healthcheck ${c.Id.slice(0, 12)}: saving the result: ${(e as Error).message}`);
      }
      if (!this.timers.has(c.Id)) return;
      schedule(health.Status === 'starting' && inStartPeriod ? startInterval : interval);
    };
    schedule(Math.min(interval, startPeriod ? startInterval : interval));
  }

  stop(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  private async runOnce(c: ContainerRecord, cmd: string[], timeoutMs: number): Promise<HealthLogEntry> {
    const start = new Date();
    let output = '';
    let code: number;
    try {
      // a probe is an exec like any other: dockerd reports exec_create, exec_start and exec_die for it
      const execId = newId();
      this.onExec?.(c, `exec_create: ${cmd.join(' ')}`, { execID: execId });
      const h = await this.runtime.exec(c.Id, { execId, args: cmd, env: c.Config.Env ?? [], cwd: c.Config.WorkingDir || '/', user: c.Config.User ?? '', tty: false, openStdin: false, privileged: false });
      this.onExec?.(c, `exec_start: ${cmd.join(' ')}`, { execID: execId });
      const ended = new Promise<void>((resolve) => h.attach.onEnd(resolve));
      h.attach.onData((_s, d) => {
        if (output.length < MAX_OUTPUT) output += d.toString('utf8');
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)));
      code = await Promise.race([h.exited, timedOut]);
      clearTimeout(timer);
      if (code === -1) {
        output = `Health check exceeded timeout (${Math.round(timeoutMs / 1000)}s)`;
        // a probe that outlived its timeout is killed, as dockerd does, rather than left running
        h.kill?.('SIGKILL');
      }
      // the exit can be noticed before the last output arrives: the output is complete when its stream ends
      else await Promise.race([ended, new Promise((r) => setTimeout(r, 2000).unref())]);
      h.attach.close();
      this.onExec?.(c, 'exec_die', { execID: execId, exitCode: String(code) });
    } catch (e) {
      code = -1;
      output = (e as Error).message;
      log.debug(`healthcheck ${c.Id.slice(0, 12)}: ${output}`);
    }
    return { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: code, Output: output.slice(0, MAX_OUTPUT) };
  }
}
