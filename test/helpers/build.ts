// Build contexts for end-to-end build tests: a temporary directory with a Dockerfile and files, built
// with the docker CLI's classic builder (DOCKER_BUILDKIT=0: POST /build, the protocol Berth speaks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { docker, type DaemonEnv, type RunResult } from './docker.ts';

export interface BuildRun extends RunResult {
  /** stdout and stderr together (the classic CLI prints the stream on stdout, errors on stderr) */
  all: string;
}

/** Writes `files` (path → content) into a new temporary directory; returns it. */
export function makeContext(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bctx-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** docker build (classic builder) of a context directory, with extra CLI arguments. */
export async function build(env: DaemonEnv, dir: string, args: string[] = [], input?: string): Promise<BuildRun> {
  const r = await docker(env, ['build', ...args, dir], { env: { DOCKER_BUILDKIT: '0' }, input, timeoutMs: 150_000 });
  return { ...r, all: r.stdout + r.stderr };
}

/** A context maker for one test file: each context it makes is removed when the file's tests end. */
export function contextsRemovedAfter(): (files: Record<string, string>) => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return (files) => {
    const d = makeContext(files);
    dirs.push(d);
    return d;
  };
}
