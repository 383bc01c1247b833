// Build contexts for end-to-end build tests: a temporary directory with a Dockerfile and files, built
// with the docker CLI's classic builder (DOCKER_BUILDKIT=0: POST /build, the protocol Berth speaks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
