// The one helper through which Berth calls child programs (runc, conmon, mount, ...):
// logged, time-bounded, and failing with the program's stderr in the message.
import { spawn, type SpawnOptions } from 'node:child_process';
import { systemError } from '../errdefs.ts';
import { log } from './log.ts';

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
