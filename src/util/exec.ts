// The one helper through which Berth calls child programs (runc, conmon, mount, ...):
// logged, time-bounded, and failing with the program's stderr in the message.
import { spawn, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { systemError } from '../errdefs.ts';
import { log } from './log.ts';
import { Spawner, type SpawnerOptions } from './spawner.ts';

let spawner: Spawner | undefined;
/** The daemon starts its programs through a shell from here on (spawner.ts: why); `dir` holds their output. */
export function useSpawner(dir: string, opts: SpawnerOptions = {}): void {
  spawner ??= new Spawner(dir, opts);
}
/** The spawner, when the daemon uses one. */
export function activeSpawner(): Spawner | undefined {
  return spawner;
}
export function closeSpawner(): void {
  spawner?.close();
  spawner = undefined;
}

const found = new Map<string, boolean>();
/** Whether `cmd` names an executable (on PATH when bare): one the shell can run, else spawn() reports it. */
function executable(cmd: string): boolean {
  let ok = found.get(cmd);
  if (ok !== undefined) return ok;
  const dirs = cmd.includes('/') ? [''] : (process.env.PATH ?? '').split(':').filter(Boolean);
  ok = dirs.some((d) => {
    try {
      fs.accessSync(d ? path.join(d, cmd) : cmd, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  // only found ones are kept: a program installed later is looked for again
  if (ok) found.set(cmd, ok);
  return ok;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Do not throw on a non-zero exit; return it. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  log.debug(`exec: ${cmd} ${args.join(' ')}`);
  if (spawner && opts.input === undefined && !opts.env && executable(cmd)) return viaSpawner(spawner, cmd, args, opts, timeoutMs);
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] };
    const child = spawn(cmd, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(systemError(`${cmd}: ${e.message}`, e));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { code: code ?? 128 + (signal ? 9 : 0), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (timedOut) return reject(systemError(`${cmd} ${args[0] ?? ''}: timed out after ${timeoutMs} ms`));
      if (res.code !== 0 && !opts.allowFailure) {
        const detail = (res.stderr || res.stdout).trim();
        return reject(systemError(`${cmd} ${args[0] ?? ''} failed (exit ${res.code}): ${detail}`));
      }
      resolve(res);
    });
    // the child may exit before reading its input (EPIPE): the exit code above says how it went
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

async function viaSpawner(sp: Spawner, cmd: string, args: string[], opts: RunOptions, timeoutMs: number): Promise<RunResult> {
  const { started, done } = sp.run(cmd, args, { cwd: opts.cwd });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void started.then((pid) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    });
  }, timeoutMs);
  let res: RunResult;
  try {
    res = await done;
  } catch (e) {
    throw systemError(`${cmd}: ${(e as Error).message}`, e as Error);
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw systemError(`${cmd} ${args[0] ?? ''}: timed out after ${timeoutMs} ms`);
  if (res.code !== 0 && !opts.allowFailure) {
    const detail = (res.stderr || res.stdout).trim();
    throw systemError(`${cmd} ${args[0] ?? ''} failed (exit ${res.code}): ${detail}`);
  }
  return res;
}

const EXTRA_PATHS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/libexec/podman', '/usr/lib/podman', '/usr/libexec/crio'];

/** Find an executable on PATH (plus the usual system directories) without spawning `which`. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_PATHS];
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not there or not executable: try the next directory
    }
  }
  return undefined;
}
