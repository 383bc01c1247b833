// Child programs started by one long-lived shell instead of by the daemon itself. Node starts a child
// with fork(): the kernel copies the page tables of the whole daemon, and the event loop waits until
// the child has exec'd — 5 ms for a fresh daemon, 20 ms and more once its heap has grown (measured on
// a 2-core VM: /bin/true took 4.7 ms with a bare Node, 25 ms with 100 MiB in use). A `mount` on the
// way of `docker run` held up every other request that long. A shell of a few hundred KiB forks in a
// fraction of a millisecond, so the daemon writes it one line per program and reads back a line with
// the program's pid and one with its exit status; the program's output goes to files in `dir`.
//
// Each program runs in a grandchild of the shell (( ( … ) & )): the shell reaps the short-lived child
// at once, the orphan goes to init, so nothing is left as a zombie. The daemon's death ends the shell
// (its standard input closes); programs under way finish on their own, as they do with spawn().
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { log } from './log.ts';

export interface SpawnedResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Pending {
  id: string;
  pid?: number;
  /** the lines a monitor's start writes before its pid: f (its fifo made), o (its fifo open) */
  onMark?: (mark: string) => void;
  onPid: (pid: number) => void;
  onExit: (code: number) => void;
  onError: (e: Error) => void;
}

/** 'it''s' → 'it'\''s': one word for sh, whatever it holds. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The line the shell runs for one program: its pid, then its exit status, on the shell's stdout. */
export function spawnLine(id: string, cmd: string, args: string[], out: string, err: string, cwd?: string): string {
  const prog = [cmd, ...args].map(shellQuote).join(' ');
  const body = `${cwd ? `cd ${shellQuote(cwd)} && ` : ''}exec ${prog}`;
  return `( ( { ${body}; } </dev/null >${shellQuote(out)} 2>${shellQuote(err)} & p=$!; echo "${id} p $p"; wait $p; echo "${id} x $?" ) & )\n`;
}

/**
 * The line for a monitor (conmon) that reports on fd 3: a fifo stands in for the pipe spawn() would
 * pass. The shell makes it (f), opens it for writing once the daemon holds it open (o), then execs
 * the program with exactly `env` as its environment and SIGINT/SIGQUIT back at their defaults (a
 * background job of sh ignores them, and the container's processes would inherit that).
 */
export function monitorLine(id: string, cmd: string, args: string[], env: Record<string, string>, fifo: string, err: string, cwd: string): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const prog = ['env', '-i', '--default-signal=INT,QUIT', ...vars, cmd, ...args].map(shellQuote).join(' ');
  const f = shellQuote(fifo);
  const body = `cd ${shellQuote(cwd)} && mkfifo -m 600 ${f} && echo "${id} f" >&9 && exec 3>${f} && echo "${id} o" >&9 && exec ${prog} 9>&-`;
  return `( ( { ${body}; } 9>&1 </dev/null >/dev/null 2>${shellQuote(err)} & p=$!; echo "${id} p $p"; wait $p; echo "${id} x $?" ) & )\n`;
}

export class Spawner {
  private sh?: ChildProcess;
  private buf = '';
  private n = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private shell(): ChildProcess {
    if (this.sh) return this.sh;
    const sh = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'], env: process.env });
    this.sh = sh;
    sh.stdout!.setEncoding('utf8');
    sh.stdout!.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const [id, kind, value] = this.buf.slice(0, nl).split(' ');
        this.buf = this.buf.slice(nl + 1);
        const p = this.pending.get(id ?? '');
        if (!p) continue;
        if (kind === 'p') p.onPid(Number(value));
        else if (kind === 'f' || kind === 'o') p.onMark?.(kind);
        else if (kind === 'x') {
          this.pending.delete(p.id);
          p.onExit(Number(value));
          this.idle();
        }
      }
    });
    const gone = (why: string) => {
      if (this.sh !== sh) return;
      this.sh = undefined;
      this.buf = '';
      for (const p of this.pending.values()) p.onError(new Error(`spawner shell ${why}`));
      this.pending.clear();
    };
    sh.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    sh.on('error', (e) => gone(e.message));
    sh.stdin!.on('error', () => {});
    // the shell keeps the process alive only while a program it started runs (see idle())
    sh.unref();
    (sh.stdin as unknown as { unref?: () => void }).unref?.();
    return sh;
  }

  /** Run `cmd args` (in `cwd`); `started` settles with its pid, `done` with its exit status and output. */
  run(cmd: string, args: string[], opts: { cwd?: string } = {}): { started: Promise<number>; done: Promise<SpawnedResult> } {
    const id = `${process.pid}-${this.n++}`;
    const out = path.join(this.dir, `${id}.out`);
    const err = path.join(this.dir, `${id}.err`);
    let onPid!: (pid: number) => void;
    let onFail!: (e: Error) => void;
    const started = new Promise<number>((resolve, reject) => {
      onPid = resolve;
      onFail = reject;
    });
    started.catch(() => {});
    const done = new Promise<SpawnedResult>((resolve, reject) => {
      const take = (file: string) => {
        try {
          const s = fs.readFileSync(file, 'utf8');
          fs.rmSync(file, { force: true });
          return s;
        } catch {
          return '';
        }
      };
      const p: Pending = {
        id,
        onPid: (pid) => {
          p.pid = pid;
          onPid(pid);
        },
        onExit: (code) => {
          if (p.pid === undefined) onFail(new Error(`${cmd}: did not start`));
          resolve({ code, stdout: take(out), stderr: take(err) });
        },
        onError: (e) => {
          take(out);
          take(err);
          onFail(e);
          reject(e);
        },
      };
      this.pending.set(id, p);
    });
    const sh = this.shell();
    (sh.stdout as unknown as { ref?: () => void }).ref?.();
    sh.stdin!.write(spawnLine(id, cmd, args, out, err, opts.cwd));
    return { started, done };
  }

  /**
   * Start a monitor that writes its messages to fd 3 (conmon's _OCI_SYNCPIPE). `sync` settles with
   * the read end (it ends when the monitor and its children close theirs, as a pipe does), or
   * undefined when it could not be started; `done` with the exit of the started process (conmon's
   * first process exits once it has forked the monitor) and its stderr.
   */
  startMonitor(cmd: string, args: string[], opts: { env: Record<string, string>; cwd: string }): { sync: Promise<number | undefined>; done: Promise<SpawnedResult> } {
    const id = `${process.pid}-${this.n++}`;
    const fifo = path.join(this.dir, `${id}.sync`);
    const err = path.join(this.dir, `${id}.err`);
    let holder: number | undefined;
    let settle!: (fd: number | undefined) => void;
    const sync = new Promise<number | undefined>((resolve) => (settle = resolve));
    const cleanup = () => {
      if (holder !== undefined) fs.closeSync(holder);
      holder = undefined;
      fs.rmSync(fifo, { force: true });
    };
    const done = new Promise<SpawnedResult>((resolve, reject) => {
      const p: Pending = {
        id,
        onMark: (mark) => {
          try {
            // O_RDWR: the shell's open for writing goes through, and the fifo has a writer until
            // the program's own is known to be open; then the read end alone remains here
            if (mark === 'f') holder = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
            else {
              const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
              cleanup();
              settle(fd);
            }
          } catch (e) {
            log.warn(`monitor ${cmd}: sync fifo: ${(e as Error).message}`);
            cleanup();
            settle(undefined);
          }
        },
        onPid: (pid) => (p.pid = pid),
        onExit: (code) => {
          let stderr = '';
          try {
            stderr = fs.readFileSync(err, 'utf8');
            fs.rmSync(err, { force: true });
          } catch {}
          // exited before its fifo was open: nothing will come on it
          cleanup();
          settle(undefined);
          resolve({ code, stdout: '', stderr });
        },
        onError: (e) => {
          cleanup();
          fs.rmSync(err, { force: true });
          settle(undefined);
          reject(e);
        },
      };
      this.pending.set(id, p);
    });
    done.catch(() => {});
    const sh = this.shell();
    (sh.stdout as unknown as { ref?: () => void }).ref?.();
    sh.stdin!.write(monitorLine(id, cmd, args, opts.env, fifo, err, opts.cwd));
    return { sync, done };
  }

  private idle(): void {
    if (!this.pending.size) (this.sh?.stdout as unknown as { unref?: () => void } | undefined)?.unref?.();
  }

  close(): void {
    const sh = this.sh;
    this.sh = undefined;
    sh?.stdin?.end();
    for (const p of this.pending.values()) p.onError(new Error('spawner closed'));
    this.pending.clear();
    log.debug('spawner closed');
  }
}
