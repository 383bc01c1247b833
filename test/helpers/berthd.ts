// A berthd on a private socket, data root and exec root, for end-to-end tests.
//
//   const d = await startBerthd();        // fresh /tmp/b-XXXX/{data,exec,s}
//   await docker(d.env, ['ps']);
//   await d.restart();                    // SIGTERM + start again on the same dirs
//   await d.stop();                       // SIGTERM, kill leftover containers, unmount, rm -rf
//
// The daemon's stdout+stderr go to <root>/berthd.log; `logs()` returns its tail (target.ts's
// e2e() prints what it logged during each failed test). BERTH_TEST_KEEP=1 keeps the dirs.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitForPing, terminate, removeTree, tail, pidsMatching, killPids, alive } from './daemon-common.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BERTHD = process.env.BERTH_TEST_BERTHD ?? path.join(REPO, 'bin', 'berthd');

export interface Berthd {
  kind: 'berthd';
  root: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  logFile: string;
  env: { DOCKER_HOST: string };
  /** the current daemon's pid (changes on restart); 0 while it is down */
  readonly pid: number;
  /** The daemon log (tail), optionally from a byte offset (see logSize()). */
  logs(fromOffset?: number): string;
  logSize(): number;
  /** SIGTERM the daemon and wait; containers keep running (conmon monitors them). */
  stopDaemon(opts?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<void>;
  /** Start the daemon again on the same dirs and wait for /_ping. */
  startDaemon(): Promise<void>;
  restart(): Promise<void>;
  /** Stop the daemon and remove everything it made. Idempotent. */
  stop(): Promise<void>;
}

export interface BerthdOptions {
  timeoutMs?: number;
  extraArgs?: string[];
  logLevel?: string;
  env?: Record<string, string>;
  /** another berthd executable (the bench's --baseline tree); default BERTHD */
  binary?: string;
}

/** Why berthd can't be started here (not root; no runc/conmon), or false. */
export function berthdUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'berthd needs root';
  for (const bin of ['runc', 'conmon']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed`;
  }
  if (!fs.existsSync(BERTHD)) return `${BERTHD} not found`;
  return false;
}

export async function startBerthd(opts: BerthdOptions = {}): Promise<Berthd> {
  // Short paths: a unix socket path must fit in 107 bytes.
  const root = fs.mkdtempSync('/tmp/b-');
  // searchable, so that a daemon with --userns-remap can reach its data root below it
  fs.chmodSync(root, 0o711);
  const dataRoot = path.join(root, 'data');
  const execRoot = path.join(root, 'exec');
  const socket = path.join(root, 's');
  const logFile = path.join(root, 'berthd.log');
  fs.mkdirSync(dataRoot);
  fs.mkdirSync(execRoot);
  const args = ['--data-root', dataRoot, '--exec-root', execRoot, '-H', `unix://${socket}`, '--log-level', opts.logLevel ?? 'debug', '--pidfile', path.join(root, 'berthd.pid'), ...(opts.extraArgs ?? [])];
  let child: ChildProcess | undefined;
  let removed = false;

  const launch = async () => {
    fs.appendFileSync(logFile, `\n===== [test helper] ${new Date().toISOString()} starting ${opts.binary ?? BERTHD} ${args.join(' ')}\n`);
    const out = fs.openSync(logFile, 'a');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
      delete env.DOCKER_HOST;
      child = spawn(opts.binary ?? BERTHD, args, { stdio: ['ignore', out, out], env });
    } finally {
      fs.closeSync(out);
    }
    child.on('error', (e) => fs.appendFileSync(logFile, `[test helper] spawn error: ${e.message}\n`));
    try {
      await waitForPing(socket, child, opts.timeoutMs ?? 30_000, 'berthd', logFile);
    } catch (e) {
      await terminate(child, 5000);
      child = undefined;
      throw e;
    }
  };

  const stopDaemon = async (o: { signal?: NodeJS.Signals; timeoutMs?: number } = {}) => {
    const c = child;
    if (!c) return;
    child = undefined;
    if (o.signal && o.signal !== 'SIGTERM') {
      c.kill(o.signal);
      await terminate(c, o.timeoutMs ?? 15_000);
    } else await terminate(c, o.timeoutMs ?? 15_000);
    fs.appendFileSync(logFile, `===== [test helper] ${new Date().toISOString()} daemon exited (${c.exitCode ?? c.signalCode})\n`);
  };

  try {
    await launch();
  } catch (e) {
    cleanup(root, execRoot);
    throw e;
  }

  const d: Berthd = {
    kind: 'berthd',
    root,
    socket,
    dataRoot,
    execRoot,
    logFile,
    env: { DOCKER_HOST: `unix://${socket}` },
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
    startDaemon: launch,
    async restart() {
      await stopDaemon();
      await launch();
    },
    async stop() {
      if (removed) return;
      removed = true;
      await stopDaemon().catch(() => {});
      if (process.env.BERTH_TEST_KEEP) {
        process.stderr.write(`[berthd helper] keeping ${root} (BERTH_TEST_KEEP)\n`);
        return;
      }
      cleanup(root, execRoot);
    },
  };
  live.add(d);
  return d;
}

/** Kills leftover containers and monitors, unmounts and removes the dirs. */
function cleanup(root: string, execRoot: string): void {
  const runcRoot = path.join(execRoot, 'runc');
  if (fs.existsSync(runcRoot)) {
    const list = spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8', timeout: 10_000 });
    for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) {
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id], { stdio: 'ignore', timeout: 10_000 });
    }
  }
  // conmon monitors (and anything else) started with our private paths on their command line
  killPids(pidsMatching(`${root}/`).filter((p) => p !== process.pid && alive(p)));
  removeTree(root);
}

const live = new Set<Berthd>();
// Last resort: never leave daemons behind if a test file forgot stop() or the run is interrupted.
process.once('exit', () => {
  for (const d of live) {
    if (d.pid) {
      try {
        process.kill(d.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
});
