// Exit detection: conmon writes EXITDIR/<id> (content: the exit code) when a container's process has exited and
// its output is drained. One inotify watch on the directory reports it at once; a slow poll covers lost events and
// monitors that died without writing the file.
import fs from 'node:fs';
import path from 'node:path';
import { log } from '../util/log.ts';

export interface ExitRecord {
  code: number;
  at: Date;
}

export interface ExitWatcherOptions {
  /** How often the fallback poll runs (ms). */
  pollMs?: number;
  /** Is this container's monitor still alive? (used by the poll; a dead monitor without an exit file is an exit). */
  monitorAlive?: (id: string) => boolean | undefined;
}

export class ExitWatcher {
  readonly dir: string;
  private readonly armed = new Set<string>();
  private readonly cbs: ((id: string, code: number) => void)[] = [];
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;
  private readonly monitorAlive?: (id: string) => boolean | undefined;
  /** Containers whose monitor was seen dead without an exit file once (reported on the next poll if still so). */
  private readonly suspect = new Set<string>();

  constructor(dir: string, opts: ExitWatcherOptions = {}) {
    this.dir = dir;
    this.pollMs = opts.pollMs ?? 2000;
    this.monitorAlive = opts.monitorAlive;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  onExit(cb: (id: string, code: number) => void): void {
    this.cbs.push(cb);
  }

  /** The recorded exit of a container, if its exit file exists. */
  read(id: string): ExitRecord | undefined {
    const file = path.join(this.dir, id);
    let text: string;
    let st: fs.Stats;
    try {
      text = fs.readFileSync(file, 'utf8');
      st = fs.statSync(file);
    } catch {
      return undefined;
    }
    const code = Number.parseInt(text.trim(), 10);
    if (Number.isNaN(code)) return undefined;
    return { code, at: st.mtime };
  }

  /** Forget a previous run's exit file. */
  clear(id: string): void {
    fs.rmSync(path.join(this.dir, id), { force: true });
  }

  /** clear(), off the daemon's thread (an unlink took 0.5-0.8 ms of every removal on a busy disk). */
  async clearAsync(id: string): Promise<void> {
    await fs.promises.rm(path.join(this.dir, id), { force: true });
  }

  /** Report this container's next exit (once). Checks at once, in case it already happened. */
  arm(id: string): void {
    this.armed.add(id);
    this.suspect.delete(id);
    this.ensureWatching();
    this.watcher?.ref();
    this.check(id);
  }

  disarm(id: string): void {
    this.armed.delete(id);
    this.suspect.delete(id);
    this.idleCheck();
  }

  /** While exits are awaited the watch keeps the event loop alive; otherwise it does not. */
  private idleCheck(): void {
    if (this.armed.size > 0) return;
    this.stopTimer();
    this.watcher?.unref();
  }

  isArmed(id: string): boolean {
    return this.armed.has(id);
  }

  private ensureWatching(): void {
    if (!this.watcher) {
      try {
        this.watcher = fs.watch(this.dir, { persistent: false }, (_event, filename) => {
          if (filename && this.armed.has(filename.toString())) this.check(filename.toString());
        });
        this.watcher.on('error', (e) => {
          log.warn(`exit watcher: ${e.message}`);
          this.watcher?.close();
          this.watcher = undefined;
        });
      } catch (e) {
        log.warn(`exit watcher: ${(e as Error).message}; falling back to polling`);
      }
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.poll(), this.pollMs);
      this.timer.unref();
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(id: string): boolean {
    if (!this.armed.has(id)) return false;
    const rec = this.read(id);
    if (!rec) return false;
    this.fire(id, rec.code);
    return true;
  }

  private fire(id: string, code: number): void {
    this.armed.delete(id);
    this.suspect.delete(id);
    this.idleCheck();
    for (const cb of this.cbs) {
      try {
        cb(id, code);
      } catch (e) {
        log.error(`exit callback for ${id}: ${(e as Error).message}`);
      }
    }
  }

  private poll(): void {
    if (!this.watcher) this.ensureWatching();
    for (const id of [...this.armed]) {
      if (this.check(id)) continue;
      const alive = this.monitorAlive?.(id);
      if (alive !== false) {
        this.suspect.delete(id);
        continue;
      }
      // The monitor is gone and left no exit file (killed?): report it after a second look.
      if (this.suspect.has(id)) {
        log.warn(`monitor of container ${id} is gone without an exit status`);
        this.fire(id, 255);
      } else this.suspect.add(id);
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.stopTimer();
  }
}
