// An exec without a terminal, run by `runc exec` as the daemon's own child instead of under a
// conmon: runc hands the process our pipes as its stdio and exits with its exit status, so there is
// no monitor to start, no attach socket to connect and no start handshake (docker exec C true
// spends its time in runc, not around it). A terminal needs conmon's console socket: those execs,
// and the runtimes that are not runc, keep the monitor.
//
// Without stdin, runc is started by the daemon's spawner shell (util/spawner.ts), its stdout and
// stderr fifos read here: Node's fork of the daemon held the event loop 3.5-4 ms per exec, the
// spawner's line 0.7-1.3 ms (measured, 40 execs each, with a small and a 150 MiB heap). An exec
// ends no sooner either way (runc starts about as late through the shell's forks), but the
// daemon's other requests, and healthchecks' execs in parallel, no longer wait behind the fork.
//
// runc's own messages go to a log file (--log, JSON), so that they are never mixed with the
// process's stderr; its pid file tells a process that ran from a runc that failed before it.
// Were the daemon to die meanwhile, the exec's process runs on (runc is reparented) and only its
// output and exit code are lost, as they are for an exec under conmon whose client went away.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Readable, type Writable } from 'node:stream';
import { constants as osConstants } from 'node:os';
import type { AttachSession, ExecHandle, StreamName } from './types.ts';
import { runtimeMessage } from './conmon.ts';
import { conflict, systemError } from '../errdefs.ts';
import { log } from '../util/log.ts';
import type { Spawner } from '../util/spawner.ts';

/** Output kept for a session nobody listens to yet (a detached exec): the oldest goes first. */
const MAX_PENDING = 4 * 1024 * 1024;
/** After the process exits, output still in flight is read for at most this long (a background
 * child of the exec may hold the pipes open for ever). */
const DRAIN_AFTER_EXIT_MS = 200;

export interface DirectExecOptions {
  /** the runtime binary and its global arguments (--root …) */
  runtime: string;
  globalArgs: string[];
  containerId: string;
  /** the process spec runc reads, the pid file it writes (renaming it into place) and its log */
  files: { process: string; pid: string; log: string };
  openStdin: boolean;
  /** the daemon's spawner, when it has one that can hand over pipes (used when stdin is not open) */
  spawner?: Spawner;
  /** native/berth-exec in place of runc: `files.process` is then its spec (fast-exec.ts) */
  helper?: string;
}

/** The helper started nothing and asks for runc to run the exec. */
export class FallbackToRunc extends Error {}

/** runc's stdio as the daemon holds it. */
interface Stdio {
  stdin?: Writable;
  stdout: Readable;
  stderr: Readable;
}

type DataCb = (stream: StreamName, data: Buffer) => void;

class PipeSession implements AttachSession {
  private dataCbs: DataCb[] = [];
  private pending: [StreamName, Buffer][] = [];
  private pendingBytes = 0;
  private endCbs: (() => void)[] = [];
  private ended = false;
  private readonly child: Stdio;
  private exited = false;
  private paused = false;
  private drainTimer?: NodeJS.Timeout;

  constructor(child: Stdio, exited: Promise<unknown>) {
    this.child = child;
    let open = 2;
    const streams: [StreamName, NodeJS.ReadableStream][] = [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ];
    for (const [name, s] of streams) {
      s.on('data', (b: Buffer) => this.deliver(name, b));
      s.on('error', () => {});
      s.on('close', () => {
        if (--open === 0) void exited.then(() => this.end());
      });
    }
    // the process is gone: what it wrote is read, then the pipes close even if a child of it holds them
    // (not while the client holds the reading back: what is left in the pipes is still to come)
    void exited.then(() => {
      this.exited = true;
      this.closeAfterDrain();
    });
    child.stdin?.on('error', () => {});
  }

  private deliver(stream: StreamName, data: Buffer): void {
    if (this.dataCbs.length) for (const cb of this.dataCbs) cb(stream, data);
    else {
      this.pending.push([stream, data]);
      this.pendingBytes += data.length;
      while (this.pendingBytes > MAX_PENDING && this.pending.length > 1) this.pendingBytes -= this.pending.shift()![1].length;
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    setImmediate(() => {
      for (const cb of this.endCbs.splice(0)) cb();
    });
  }

  onData(cb: DataCb): void {
    this.dataCbs.push(cb);
    const p = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const [s, d] of p) cb(s, d);
  }

  onEnd(cb: () => void): void {
    if (this.ended) setImmediate(cb);
    else this.endCbs.push(cb);
  }

  write(data: Buffer): void {
    if (data.length && this.child.stdin && !this.child.stdin.writableEnded) this.child.stdin.write(data);
  }

  endStdin(): void {
    this.child.stdin?.end();
  }

  pause(): void {
    this.paused = true;
    this.child.stdout.pause();
    this.child.stderr.pause();
  }

  resume(): void {
    this.paused = false;
    this.child.stdout.resume();
    this.child.stderr.resume();
    if (this.exited) this.closeAfterDrain();
  }

  private closeAfterDrain(): void {
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => {
      if (this.paused) return; // resume() starts the wait again
      this.child.stdout.destroy();
      this.child.stderr.destroy();
    }, DRAIN_AFTER_EXIT_MS).unref();
  }

  close(): void {
    // the client went away: the process keeps running, its output goes nowhere
    this.paused = false;
    this.dataCbs = [];
    this.child.stdin?.destroy();
    this.child.stdout.resume();
    this.child.stderr.resume();
    if (this.exited) this.closeAfterDrain();
    this.end();
  }
}

function readPidFile(file: string): number {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10) || 0;
  } catch {
    return 0;
  }
}

interface Launched {
  status: Promise<{ code: number; error?: Error }>;
  /** settles once the pipes are open (with empty output when the program never got them) */
  stdio: Promise<Stdio>;
  kill(): void;
}

/** runc as the daemon's own child: Node's pipes. */
function launchChild(cmd: string, args: string[], cwd: string, openStdin: boolean): Launched {
  const child = spawn(cmd, args, { stdio: [openStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd });
  const status = new Promise<{ code: number; error?: Error }>((resolve) => {
    child.on('error', (e) => resolve({ code: -1, error: e }));
    child.on('exit', (code, signal) => resolve({ code: code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0) }));
  });
  return { status, stdio: Promise.resolve({ stdin: child.stdin ?? undefined, stdout: child.stdout!, stderr: child.stderr! }), kill: () => child.kill('SIGKILL') };
}

/** runc started by the spawner shell, its stdout and stderr fifos (stdin /dev/null). The helper
 * (`ownSignals`) is exec'd without env(1) in front: its child sets every signal back to its default
 * and its own handlers replace the SIGINT/SIGQUIT a background job of sh ignores. */
function launchSpawned(sp: Spawner, cmd: string, args: string[], cwd: string, ownSignals: boolean): Launched {
  const m = sp.startWithPipes(cmd, args, { fds: [1, 2], cwd, ownSignals });
  let pid = 0;
  void m.started.then((p) => (pid = p), () => {});
  // the shell reports 128+n for a program killed by signal n, as the child's exit above
  const status = m.done.then(
    (r) => ({ code: r.code }),
    (e: Error) => ({ code: -1, error: e }),
  );
  const stdio = m.pipes.then((fds): Stdio => {
    const open = (fd: number | undefined) => (fd === undefined ? Readable.from([]) : new net.Socket({ fd, readable: true, writable: false }));
    return { stdout: open(fds?.get(1)), stderr: open(fds?.get(2)) };
  });
  return {
    status,
    stdio,
    kill: () => {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {}
    },
  };
}

/** Run the exec; resolves once its process runs (or has run), with its stdio and exit code. */
export async function directExec(o: DirectExecOptions, timeoutMs = 60_000): Promise<ExecHandle> {
  const { pid: pidFile, log: logFile } = o.files;
  const dir = path.dirname(pidFile);
  const pidName = path.basename(pidFile);
  const cmd = o.helper ?? o.runtime;
  const args = o.helper ? [o.files.process] : [...o.globalArgs, '--log', logFile, '--log-format', 'json', 'exec', '--process', o.files.process, '--pid-file', pidFile, o.containerId];
  log.debug(`exec: ${cmd} ${args.join(' ')}`);
  // (watching before runc starts: its pid file cannot appear unseen)
  let watcher: fs.FSWatcher | undefined;
  let onPidFile = () => {};
  try {
    watcher = fs.watch(dir, (_ev, name) => {
      if (name === pidName) onPidFile();
    });
    watcher.on('error', () => {});
  } catch {}
  let proc: Launched;
  try {
    proc = !o.openStdin && o.spawner ? launchSpawned(o.spawner, cmd, args, dir, !!o.helper) : launchChild(cmd, args, dir, o.openStdin);
  } catch (e) {
    watcher?.close();
    throw e;
  }
  const { status } = proc;
  // Running once runc has written the pid file (it renames it into place), failed if runc exits without one.
  const pid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => done(undefined, systemError('OCI runtime exec failed: timed out waiting for runc')), timeoutMs);
    const done = (p?: number, err?: Error) => {
      clearTimeout(timer);
      watcher?.close();
      if (err) reject(err);
      else resolve(p!);
    };
    onPidFile = () => {
      const p = readPidFile(pidFile);
      if (p) done(p);
    };
    void status.then(({ error }) => {
      const p = readPidFile(pidFile);
      if (p) return done(p);
      if (error) return done(undefined, o.helper ? new FallbackToRunc(error.message) : systemError(`OCI runtime exec failed: ${cmd}: ${error.message}`));
      let text = '';
      try {
        text = fs.readFileSync(logFile, 'utf8');
      } catch {}
      if (o.helper && text.includes('"berth-fallback":true')) return done(undefined, new FallbackToRunc(runtimeMessage(text)));
      const errors = text.split('\n').filter((l) => /"level":"(error|fatal)"/.test(l));
      const msg = runtimeMessage(errors.join('\n') || text) || 'exit status 1';
      // (": unknown": containerd's gRPC code, which dockerd's message ends with, current and 20.10 alike)
      done(undefined, /stopped container|not running|does not exist|cannot exec in a/.test(msg) ? conflict(`container ${o.containerId} is not running`) : systemError(`OCI runtime exec failed: ${msg}: unknown`));
    });
  }).catch((e) => {
    proc.kill();
    throw e;
  });
  const exited = status.then((s) => s.code);
  const attach = new PipeSession(await proc.stdio, exited);
  return {
    attach,
    exited,
    pid,
    // no terminal to size
    resize: async () => {},
    kill: (signal: NodeJS.Signals) => {
      try {
        process.kill(pid, signal);
      } catch {
        // exited already: what the caller wanted
      }
    },
  };
}
