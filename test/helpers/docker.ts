// Running the real docker CLI against a daemon: plain (pipes) and under a pseudo-terminal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The docker CLI: $BERTH_TEST_DOCKER_CLI, else /usr/local/bin/docker (28.x), else docker on PATH. */
export const DOCKER_CLI: string = (() => {
  if (process.env.BERTH_TEST_DOCKER_CLI) return process.env.BERTH_TEST_DOCKER_CLI;
  if (fs.existsSync('/usr/local/bin/docker')) return '/usr/local/bin/docker';
  const w = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' });
  return w.stdout.trim() || '/usr/local/bin/docker';
})();

/** The name the CLI prints for itself ("docker", or "berth" when Berth's own CLI stands in). */
export const CLI_NAME: string = path.basename(DOCKER_CLI);

/** A private, empty docker config dir, so ~/.docker (contexts, credential helpers) never leaks in. */
let configDir: string | undefined;
export function dockerConfigDir(): string {
  if (!configDir) {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dockercfg-'));
    fs.writeFileSync(path.join(configDir, 'config.json'), '{}\n');
    const dir = configDir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return configDir;
}

export interface DaemonEnv {
  DOCKER_HOST: string;
  [k: string]: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** keep stdin open without writing anything (else it is closed / /dev/null) */
  cwd?: string;
}

export function cliEnv(daemon: DaemonEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('DOCKER_')) delete env[k];
  return {
    ...env,
    ...daemon,
    DOCKER_CONFIG: dockerConfigDir(),
    DOCKER_CLI_HINTS: 'false',
    DOCKER_CLI_EXPERIMENTAL: '',
    // keep build output plain should a test build
    BUILDKIT_PROGRESS: 'plain',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs any program with a timeout; never hangs. */
export function run(cmd: string, args: string[], opts: RunOptions & { envAll?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: opts.envAll ?? { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (spawnError ? `\n[spawn error] ${spawnError.message}` : '') + (timedOut ? `\n[timed out after ${opts.timeoutMs ?? 60_000} ms]` : ''),
        timedOut,
        ms: Number(process.hrtime.bigint() - t0) / 1e6,
      });
    });
  });
}

/** Runs `docker ARGS` against the daemon at env.DOCKER_HOST. */
export function docker(daemon: DaemonEnv, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(DOCKER_CLI, args, { ...opts, envAll: cliEnv(daemon, opts.env) });
}

/** Like docker(), but throws (with stdout/stderr) unless the exit code is 0. Returns stdout. */
export async function dockerOk(daemon: DaemonEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await docker(daemon, args, opts);
  if (r.code !== 0) throw new Error(describeRun(['docker', ...args], r));
  return r.stdout;
}

export function describeRun(argv: string[], r: RunResult): string {
  return `${argv.join(' ')} → exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

// ---------------------------------------------------------------------------------------------
// Under a pseudo-terminal (for -t / -it), driven by python3's pty module.

export interface PtyStep {
  /** wait until the output (since the previous step's match) matches this regex (python syntax) */
  expect?: string;
  /** then type this */
  send?: string;
  /** pause before sending, ms */
  delayMs?: number;
}

export interface PtyResult {
  code: number | null;
  /** everything the terminal showed, with \r\n as the terminal sent it */
  output: string;
  timedOut: boolean;
  /** the step that was waiting when time ran out, if any */
  failedStep?: number;
  error?: string;
}

const PTY_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-run.py');
export const PYTHON = process.env.BERTH_TEST_PYTHON ?? 'python3';

/** Runs `docker ARGS` with its stdin/stdout/stderr on a new pty (rows×cols 24×80), following
 * `steps` (wait for output, then type). Closes when the process exits or the time runs out. */
export async function dockerPty(daemon: DaemonEnv, args: string[], steps: PtyStep[], opts: { timeoutMs?: number; rows?: number; cols?: number } = {}): Promise<PtyResult> {
  return ptyRun([DOCKER_CLI, ...args], steps, { ...opts, envAll: cliEnv(daemon, { TERM: 'xterm' }) });
}

export async function ptyRun(argv: string[], steps: PtyStep[], opts: { timeoutMs?: number; rows?: number; cols?: number; envAll?: NodeJS.ProcessEnv } = {}): Promise<PtyResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const spec = JSON.stringify({ argv, steps, timeout: timeoutMs / 1000, rows: opts.rows ?? 24, cols: opts.cols ?? 80 });
  const r = await run(PYTHON, [PTY_PY], { input: spec, envAll: opts.envAll ?? process.env, timeoutMs: timeoutMs + 10_000 });
  try {
    const res = JSON.parse(r.stdout) as PtyResult & { code: number | null };
    return res;
  } catch {
    return { code: null, output: r.stdout, timedOut: r.timedOut, error: `pty-run.py failed (exit ${r.code}): ${r.stderr}` };
  }
}

/** Strips terminal escape sequences and normalises \r\n to \n. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\x1b[()][0-9A-Za-z]/g, '').replace(/\x1b[=>]/g, '').replace(/\r+\n/g, '\n').replace(/\r/g, '');
}
