// Child programs started by one long-lived shell instead of by the daemon itself. Node starts a child
// with fork(): the kernel copies the page tables of the whole daemon, and the event loop waits until
// the child has exec'd — 5 ms for a fresh daemon, 20 ms and more once its heap has grown (measured on
// a 2-core VM: /bin/true took 4.7 ms with a bare Node, 25 ms with 100 MiB in use). A `mount` on the
// way of `docker run` held up every other request that long. A shell of a few hundred KiB forks in a
// fraction of a millisecond, so the daemon writes it one line per program and reads back a line with
// the program's pid and one with its exit status; the program's output goes to files in `dir`.
//
// Each program runs in a child of a background subshell of the shell, which waits for it and reports
// its status (the shell reaps those subshells when it reads its next line). The daemon's death ends
// the shell (its standard input closes); programs under way finish on their own, as with spawn().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
  /** the line a program with fifos writes once it has opened them (o) */
  onMark?: (mark: string) => void;
  onPid: (pid: number) => void;
  onExit: (code: number) => void;
  onError: (e: Error) => void;
}

/** 'it''s' → 'it'\''s': one word for sh, whatever it holds. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The descriptor on which the shell holds its sealed program (see SpawnerOptions.sealed): no other
 * program gets it. */
export const SEALED_FD = 7;

/** The line the shell runs for one program: its pid, then its exit status, on the shell's stdout. */
export function spawnLine(id: string, cmd: string, args: string[], out: string, err: string, cwd?: string): string {
  const prog = [cmd, ...args].map(shellQuote).join(' ');
  const body = `${cwd ? `cd ${shellQuote(cwd)} && ` : ''}exec ${prog} ${SEALED_FD}<&-`;
  return `{ { ${body}; } </dev/null >${shellQuote(out)} 2>${shellQuote(err)} & p=$!; echo "${id} p $p"; wait $p; echo "${id} x $?"; } &\n`;
}

/**
 * The line for a program whose descriptors `fifos` are to be pipes to the daemon (conmon's sync pipe
 * on 3): fifos stand in for the pipes spawn() would pass, made ahead
 * of time (see Spawner.fifos) and held open by the daemon, so that the shell's opens for writing go
 * through at once. Once they are open (o) it execs the program with SIGINT/SIGQUIT back at their
 * defaults (a background job of sh ignores them, and the container's processes would inherit that);
 * with `env`, exactly that environment. A program that sets every signal's disposition itself
 * (`ownSignals`: the exec helper) is exec'd as it is, without env(1)'s start-up (about 1 ms: its
 * search through PATH, its locale); the shell's sealed program (`sealed`) from the shell's copy
 * ($2, when the shell has one).
 */
export function fifoLine(id: string, cmd: string, args: string[], o: { env?: Record<string, string>; fifos: Map<number, string>; err?: string; cwd: string; ownSignals?: boolean; sealed?: boolean }): string {
  let prog: string;
  let pick = '';
  if (o.ownSignals && !o.env) {
    // (an assignment: the default neither split nor globbed, its quotes removed)
    if (o.sealed) pick = `h=\${2:-${shellQuote(cmd)}} && `;
    prog = [o.sealed ? '"$h"' : shellQuote(cmd), ...args.map(shellQuote)].join(' ');
  } else {
    const vars = o.env ? Object.entries(o.env).map(([k, v]) => `${k}=${v}`) : [];
    prog = ['env', ...(o.env ? ['-i'] : []), '--default-signal=INT,QUIT', ...vars, cmd, ...args].map(shellQuote).join(' ') + ` ${SEALED_FD}<&-`;
  }
  const opens = [...o.fifos].map(([fd, f]) => `${fd}>${shellQuote(f)}`).join(' ');
  const body = `cd ${shellQuote(o.cwd)} && exec ${opens} && echo "${id} o" >&9 && ${pick}exec ${prog} 9>&-`;
  return `{ { ${body}; } 9>&1 </dev/null >/dev/null 2>${o.err ? shellQuote(o.err) : '/dev/null'} & p=$!; echo "${id} p $p"; wait $p; echo "${id} x $?"; } &\n`;
}

export interface SpawnerOptions {
  /**
   * A program that keeps a sealed in-memory copy of itself for the shell (`PROG --hold-sealed FD sh
   * ARGS...` makes it on FD and runs sh with its path as one more argument), which the shell then
   * runs in its place: native/berth-exec runs only from such a copy (CVE-2019-5736), and made one on
   * every exec otherwise (about 2 ms). Like this, the copy is made once, when the shell starts.
   */
  sealed?: string;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A fifo made ahead of time, and the daemon's O_RDWR descriptor that keeps it open. */
interface SpareFifo {
  path: string;
  holder: number;
}

/** Fifos kept ready: a container start or exec takes one to three. */
const SPARE_FIFOS = 12;

export class Spawner {
  private sh?: ChildProcess;
  private buf = '';
  private n = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly dir: string;
  private readonly spare: SpareFifo[] = [];
  private making = false;

  /** the program the shell holds a sealed copy of (SpawnerOptions.sealed), while it does */
  private sealed?: string;

  constructor(dir: string, opts: SpawnerOptions = {}) {
    this.dir = dir;
    this.sealed = opts.sealed;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // what a daemon killed meanwhile left (output files, fifos): ids carry the pid, nothing here is ours yet
    for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  }

  private shell(): ChildProcess {
    if (this.sh) return this.sh;
    // (its directory as $1: ps and the memory bench tell whose spawner it is; the sealed copy's
    // path as $2, added by the program that makes it)
    const shArgs = ['/bin/sh', '-s', '--', this.dir];
    // (a program gone since: the shell alone, rather than every program's failure)
    if (this.sealed && !isExecutable(this.sealed)) this.sealed = undefined;
    const sealed = this.sealed;
    const sh = sealed ? spawn(sealed, ['--hold-sealed', String(SEALED_FD), ...shArgs], { stdio: ['pipe', 'pipe', 'ignore'], env: process.env }) : spawn(shArgs[0]!, shArgs.slice(1), { stdio: ['pipe', 'pipe', 'ignore'], env: process.env });
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
        else if (kind === 'o') p.onMark?.(kind);
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
    // (a shell that could not be started through the sealed program is started alone next time)
    sh.on('exit', (code, signal) => {
      if (sealed && code === 127) this.sealed = undefined;
      gone(`exited (${signal ?? code})`);
    });
    sh.on('error', (e) => {
      if (sealed) this.sealed = undefined;
      gone(e.message);
    });
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
   * Start a program whose descriptors `fds` are pipes to the daemon (see fifoLine). `pipes` settles
   * with the read end of each (they end when the program and its children close theirs, as pipes
   * do), or undefined when it could not be started; `started` with its pid; `done` with the exit of
   * the process started (conmon's first one exits once it has forked the monitor) and its stderr
   * (when 2 is not among `fds`).
   */
  startWithPipes(cmd: string, args: string[], opts: { fds: number[]; env?: Record<string, string>; cwd: string; ownSignals?: boolean }): { pipes: Promise<Map<number, number> | undefined>; started: Promise<number>; done: Promise<SpawnedResult> } {
    const id = `${process.pid}-${this.n++}`;
    // (stderr a fifo: no file to make, read and remove on the program's way; the shell's own
    // messages, were it unable to start it, go nowhere, as its exit status tells)
    const err = opts.fds.includes(2) ? undefined : path.join(this.dir, `${id}.err`);
    let settle!: (fds: Map<number, number> | undefined) => void;
    const pipes = new Promise<Map<number, number> | undefined>((resolve) => (settle = resolve));
    let onPid!: (pid: number) => void;
    let noPid!: (e: Error) => void;
    const started = new Promise<number>((resolve, reject) => {
      onPid = resolve;
      noPid = reject;
    });
    started.catch(() => {});
    const done = (async () => {
      const taken = await this.takeFifos(opts.fds.length);
      const fifos = new Map(opts.fds.map((fd, i) => [fd, taken[i]!.path]));
      const cleanup = () => {
        for (const f of taken.splice(0)) {
          fs.closeSync(f.holder);
          // (the name alone: off the event loop, which is busy starting the program)
          fs.rm(f.path, { force: true }, () => {});
        }
      };
      return new Promise<SpawnedResult>((resolve, reject) => {
        const p: Pending = {
          id,
          onMark: () => {
            const opened: number[] = [];
            try {
              // the program's ends are open: the read ends alone remain here
              for (const f of taken) opened.push(fs.openSync(f.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
              cleanup();
              settle(new Map(opts.fds.map((fd, i) => [fd, opened[i]!])));
            } catch (e) {
              log.warn(`${cmd}: fifo: ${(e as Error).message}`);
              for (const fd of opened) fs.closeSync(fd);
              cleanup();
              settle(undefined);
            }
          },
          onPid: (pid) => {
            p.pid = pid;
            onPid(pid);
          },
          onExit: (code) => {
            let stderr = '';
            try {
              if (err) {
                stderr = fs.readFileSync(err, 'utf8');
                fs.rmSync(err, { force: true });
              }
            } catch {}
            if (p.pid === undefined) noPid(new Error(`${cmd}: did not start`));
            // exited before its fifos were open: nothing will come on them
            cleanup();
            settle(undefined);
            resolve({ code, stdout: '', stderr });
          },
          onError: (e) => {
            cleanup();
            if (err) fs.rmSync(err, { force: true });
            noPid(e);
            settle(undefined);
            reject(e);
          },
        };
        this.pending.set(id, p);
        const sh = this.shell();
        (sh.stdout as unknown as { ref?: () => void }).ref?.();
        sh.stdin!.write(fifoLine(id, cmd, args, { env: opts.env, fifos, err, cwd: opts.cwd, ownSignals: opts.ownSignals, sealed: this.sealed !== undefined && cmd === this.sealed }));
      });
    })();
    done.catch(() => {
      settle(undefined);
      noPid(new Error(`${cmd}: did not start`));
    });
    return { pipes, started, done };
  }

  /**
   * One of the spare fifos for the caller's own use (the daemon's O_RDWR|O_NONBLOCK descriptor on it:
   * what is written there waits in the pipe for a program that opens the path), and its release.
   * (runc-exec.ts hands runc a direct exec's process spec this way.)
   */
  async spareFifo(): Promise<{ path: string; fd: number; release: () => void }> {
    const [f] = await this.takeFifos(1);
    let released = false;
    return {
      path: f!.path,
      fd: f!.holder,
      release: () => {
        if (released) return;
        released = true;
        fs.close(f!.holder, () => fs.rm(f!.path, { force: true }, () => {}));
      },
    };
  }

  /** n fifos from the spare ones (made now when there are too few), and more made meanwhile. */
  private async takeFifos(n: number): Promise<SpareFifo[]> {
    while (this.spare.length < n) await this.makeFifos(Math.max(n, SPARE_FIFOS));
    const taken = this.spare.splice(0, n);
    if (this.spare.length < SPARE_FIFOS / 2 && !this.making) {
      this.making = true;
      void this.makeFifos(SPARE_FIFOS)
        .catch((e: Error) => log.debug(`spare fifos: ${e.message}`))
        .finally(() => (this.making = false));
    }
    return taken;
  }

  private async makeFifos(count: number): Promise<void> {
    {
      const paths = Array.from({ length: count }, () => path.join(this.dir, `fifo-${process.pid}-${this.n++}`));
      const { done } = this.run('mkfifo', ['-m', '600', ...paths]);
      const r = await done;
      if (r.code !== 0) throw new Error(`mkfifo: ${r.stderr.trim()}`);
      // O_RDWR: a holder that never blocks, and a reader for the shell's opens for writing
      for (const p of paths) this.spare.push({ path: p, holder: fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NONBLOCK) });
    }
  }

  private monitors?: boolean;
  /** Whether startWithPipes() works here: env(1) must reset signals (GNU coreutils 8.31 and later). */
  pipesSupported(): boolean {
    this.monitors ??= spawnSync('env', ['--default-signal=INT,QUIT', 'true'], { stdio: 'ignore' }).status === 0 && spawnSync('mkfifo', ['--version'], { stdio: 'ignore' }).status === 0;
    return this.monitors;
  }

  private idle(): void {
    if (!this.pending.size) (this.sh?.stdout as unknown as { unref?: () => void } | undefined)?.unref?.();
  }

  close(): void {
    for (const f of this.spare.splice(0)) {
      fs.closeSync(f.holder);
      fs.rmSync(f.path, { force: true });
    }
    const sh = this.sh;
    this.sh = undefined;
    sh?.stdin?.end();
    for (const p of this.pending.values()) p.onError(new Error('spawner closed'));
    this.pending.clear();
    log.debug('spawner closed');
  }
}
