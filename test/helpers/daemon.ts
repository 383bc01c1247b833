// One daemon lifecycle for the test helpers (berthd, dockerd, containerd, the registry): a private
// directory under /tmp, the daemon spawned with its arguments and its output appended to a log
// file there, a readiness probe polled until it answers (or the process dies), a bounded stop
// (the signal asked for, then SIGKILL), kill -9 for crash tests, and removal of everything it made.
//
//   const root = privateRoot('b-');
//   const p = await startDaemonProcess({ what: 'berthd', root, binary, args, logName: 'berthd.log',
//     ready: () => ping(socket), readyTimeoutMs: 30_000, stopGraceMs: 15_000, cleanup });
//   await p.stopDaemon({ signal: 'SIGKILL' });   // a crash; p.startDaemon() brings it back
//   await p.stop();                              // stop, cleanup(), unmount and rm -rf the root
//
// BERTH_TEST_KEEP=1 keeps the directory, its log and what the daemon left running, for a post-mortem.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { terminate, removeTree, tail } from './daemon-common.ts';

export interface DaemonSpec {
  /** the daemon's name in messages and in the log's markers */
  what: string;
  /** its private directory (privateRoot()); stop() removes it */
  root: string;
  binary: string;
  args: string[];
  /** added to the test's environment (DOCKER_HOST is never passed on) */
  env?: Record<string, string>;
  /** the log file's name inside root (stdout and stderr, appended across restarts) */
  logName: string;
  /** one readiness check, polled until it says true */
  ready(): Promise<boolean>;
  /** what ready() waits for, for the error ("answer /_ping on /tmp/b-x/s") */
  readyWhat?: string;
  readyTimeoutMs: number;
  /** how long a stop waits after its signal before SIGKILL */
  stopGraceMs: number;
  /** after a kill -9 (once the process is gone): what the crash leaves that would block a restart */
  afterKill?(): void;
  /** before the final stop, while the daemon still answers: give back host state it holds (bridges) */
  release?(): Promise<void>;
  /** before the root is removed: kill what the daemon left running (containers, shims, monitors) */
  cleanup?(): void;
}

export interface StopOptions {
  /** SIGTERM (default); SIGKILL is a crash (containers survive it) */
  signal?: NodeJS.Signals;
  timeoutMs?: number;
}

export interface DaemonProcess {
  root: string;
  logFile: string;
  /** the running daemon's pid (changes on restart); 0 while it is down */
  readonly pid: number;
  /** the log's tail, optionally from a byte offset (see logSize()) */
  logs(fromOffset?: number): string;
  logSize(): number;
  /** signal the daemon and wait for it, SIGKILL after the grace time; the root stays */
  stopDaemon(opts?: StopOptions): Promise<void>;
  /** start it again on the same directory and wait until it is ready */
  startDaemon(): Promise<void>;
  restart(): Promise<void>;
  /** stop the daemon and remove everything it made; idempotent */
  stop(): Promise<void>;
}

/** A fresh private directory /tmp/<prefix>XXXX (short: a unix socket path must fit in 107 bytes). */
export function privateRoot(prefix: string): string {
  return fs.mkdtempSync(`/tmp/${prefix}`);
}

/** Polls `ready` until it says true, the process exits, or the time runs out. */
async function waitReady(spec: DaemonSpec, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + spec.readyTimeoutMs;
  let delay = 20;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${spec.what} exited (${child.exitCode ?? child.signalCode}) before it was ready\n${tail(logFile, 60)}`);
    }
    if (await spec.ready()) return;
    await sleep(delay);
    delay = Math.min(delay * 2, 250);
  }
  throw new Error(`${spec.what} did not ${spec.readyWhat ?? 'become ready'} within ${spec.readyTimeoutMs} ms\n${tail(logFile, 60)}`);
}

const running = new Set<ChildProcess>();
// Last resort: never leave daemons behind when a test file forgot stop() or the run is interrupted.
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Starts the daemon and waits until it is ready; on failure, removes the root and throws. */
export async function startDaemonProcess(spec: DaemonSpec): Promise<DaemonProcess> {
  const logFile = path.join(spec.root, spec.logName);
  let child: ChildProcess | undefined;
  let removed = false;
  const mark = (what: string) => fs.appendFileSync(logFile, `===== [test helper] ${new Date().toISOString()} ${what}\n`);

  const startDaemon = async () => {
    mark(`starting ${spec.binary} ${spec.args.join(' ')}`);
    const out = fs.openSync(logFile, 'a');
    let c: ChildProcess;
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
      delete env.DOCKER_HOST;
      c = spawn(spec.binary, spec.args, { stdio: ['ignore', out, out], env });
    } finally {
      fs.closeSync(out);
    }
    child = c;
    running.add(c);
    c.once('exit', () => running.delete(c));
    c.on('error', (e) => fs.appendFileSync(logFile, `[test helper] spawn error: ${e.message}\n`));
    try {
      await waitReady(spec, c, logFile);
    } catch (e) {
      child = undefined;
      await terminate(c, 5000);
      throw e;
    }
  };

  const stopDaemon = async (o: StopOptions = {}) => {
    const c = child;
    if (!c) return;
    child = undefined;
    const signal = o.signal ?? 'SIGTERM';
    if (signal !== 'SIGTERM') c.kill(signal);
    // terminate(): SIGTERM (unless it is gone already), SIGKILL after the grace time
    await terminate(c, o.timeoutMs ?? spec.stopGraceMs);
    if (signal === 'SIGKILL') spec.afterKill?.();
    mark(`daemon exited (${c.exitCode ?? c.signalCode})`);
  };

  const removeAll = () => {
    if (process.env.BERTH_TEST_KEEP) return void process.stderr.write(`[${spec.what} helper] keeping ${spec.root} (BERTH_TEST_KEEP)\n`);
    spec.cleanup?.();
    removeTree(spec.root);
  };

  try {
    await startDaemon();
  } catch (e) {
    removeAll();
    throw e;
  }
  return {
    root: spec.root,
    logFile,
    get pid() {
      return child?.pid ?? 0;
    },
    logs: (from = 0) => tail(logFile, 300, from),
    logSize: () => {
      try {
        return fs.statSync(logFile).size;
      } catch {
        return 0;
      }
    },
    stopDaemon,
    startDaemon,
    async restart() {
      await stopDaemon();
      await startDaemon();
    },
    async stop() {
      if (removed) return;
      removed = true;
      if (child && !process.env.BERTH_TEST_KEEP) await spec.release?.().catch(() => {});
      await stopDaemon().catch(() => {});
      removeAll();
    },
  };
}
