// A berthd on a private socket, data root and exec root, for end-to-end tests.
//
//   const d = await startBerthd();        // fresh /tmp/b-XXXX/{data,exec,s}
//   await docker(d.env, ['ps']);
//   await d.restart();                    // SIGTERM + start again on the same dirs
//   await d.stop();                       // SIGTERM, kill leftover containers, unmount, rm -rf
//
// The daemon's stdout+stderr go to <root>/berthd.log; `logs()` returns its tail (target.ts's
// e2e() prints what it logged during each failed test). The lifecycle is daemon.ts's.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ping, releaseHostState, pidsMatching, killPids, alive } from './daemon-common.ts';
import { startDaemonProcess, privateRoot, type DaemonProcess } from './daemon.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BERTHD = process.env.BERTH_TEST_BERTHD ?? path.join(REPO, 'bin', 'berthd');

/** stopDaemon() leaves containers running (conmon monitors them); stop() removes everything. */
export interface Berthd extends DaemonProcess {
  kind: 'berthd';
  socket: string;
  dataRoot: string;
  execRoot: string;
  env: { DOCKER_HOST: string };
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
  const root = privateRoot('b-');
  // searchable, so that a daemon with --userns-remap can reach its data root below it
  fs.chmodSync(root, 0o711);
  const dataRoot = path.join(root, 'data');
  const execRoot = path.join(root, 'exec');
  const socket = path.join(root, 's');
  fs.mkdirSync(dataRoot);
  fs.mkdirSync(execRoot);
  const p = await startDaemonProcess({
    what: 'berthd',
    root,
    binary: opts.binary ?? BERTHD,
    args: ['--data-root', dataRoot, '--exec-root', execRoot, '-H', `unix://${socket}`, '--log-level', opts.logLevel ?? 'debug', '--pidfile', path.join(root, 'berthd.pid'), ...(opts.extraArgs ?? [])],
    env: opts.env,
    logName: 'berthd.log',
    ready: () => ping(socket),
    release: () => releaseHostState(socket),
    readyWhat: `answer /_ping on ${socket}`,
    readyTimeoutMs: opts.timeoutMs ?? 30_000,
    stopGraceMs: 15_000,
    cleanup: () => cleanup(root, execRoot),
  });
  return Object.assign(p, { kind: 'berthd' as const, socket, dataRoot, execRoot, env: { DOCKER_HOST: `unix://${socket}` } });
}

/** Kills leftover containers and monitors (the directory is removed by the lifecycle). */
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
}
