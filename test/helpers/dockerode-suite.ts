// dockerode's own test suite (test/ of github.com/apocas/dockerode, mocha + chai), run against a
// daemon: the images it uses, made locally, and one mocha run with its results. Used by
// scripts/dockerode-upstream.ts (by hand) and test/e2e/upstream-dockerode.test.ts (when the suite is
// there). The suite is not vendored here.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { dockerArchive, busyboxEntries, type BuiltArchive } from './images.ts';

/** the dockerode whose suite this is meant for (package.json's) */
export const DOCKERODE_TAG = 'v5.0.1';
/** the test files that talk to a daemon, and util.js (client-side). Left out: swarm and plugin, and
 * buildkit_test.js, client-side tests of followProgress on mock streams, one of which throws
 * "callback is not a function" uncaught, failing whichever test runs then, against any daemon */
export const SUITE_FILES = ['docker', 'container', 'image', 'networks', 'promises', 'util'];

/** Why the suite cannot run from `dir`, or false: a checkout of its tag with its devDependencies installed. */
export function suiteMissing(dir: string | undefined): string | false {
  if (!dir) return 'BERTH_DOCKERODE_SUITE is not set (a checkout of dockerode with `npm install` done)';
  for (const f of ['test/spec_helper.js', 'lib/docker.js', 'node_modules/mocha/bin/mocha.js', 'node_modules/chai/package.json'])
    if (!fs.existsSync(path.join(dir, f))) return `${path.join(dir, f)} is missing`;
  return false;
}

/**
 * The suite's ubuntu (with bash, uptime, wc) and alpine (its buildkit Dockerfile), from Docker Hub
 * there: here the host's busybox with a /bin/bash script running busybox sh, under both names.
 */
export function dockerodeImage(file: string): Promise<BuiltArchive> {
  const bash = [{ name: 'bin/bash', mode: 0o755, content: '#!/bin/sh\nexec /bin/sh "$@"\n' }];
  return dockerArchive(file, { tags: ['ubuntu:latest', 'alpine:latest'], cmd: ['/bin/bash'], layers: [busyboxEntries(), bash] });
}

export interface MochaTest {
  fullTitle: string;
  file?: string;
  err: { message?: string };
}
export interface MochaResults {
  stats: { tests: number; passes: number; failures: number; pending: number };
  passes: MochaTest[];
  failures: MochaTest[];
  pending: MochaTest[];
}

/**
 * Runs the suite's files against the daemon at `dockerHost` (unix://…), writing mocha's output to
 * OUT/mocha.log and its results to OUT/results.json. spec_helper.js is made to take the daemon from
 * DOCKER_HOST: its own `DOCKER_SOCKET || isWin ? pipe : sock` picks the Windows pipe whenever
 * DOCKER_SOCKET is set, and it would take a /var/run/docker.sock that happens to be there.
 */
export async function runDockerodeSuite(suite: string, out: string, dockerHost: string, mochaArgs: string[] = []): Promise<MochaResults> {
  fs.mkdirSync(out, { recursive: true });
  const helper = path.join(suite, 'test/spec_helper.js');
  fs.writeFileSync(helper, fs.readFileSync(helper, 'utf8').replace(/var socket = .*\n/, "var socket = '/nonexistent/docker.sock';\n"));
  const results = path.resolve(out, 'results.json');
  fs.rmSync(results, { force: true });
  const log = fs.openSync(path.join(out, 'mocha.log'), 'w');
  const files = SUITE_FILES.map((f) => `test/${f}.js`);
  const child = spawn(process.execPath, ['node_modules/mocha/bin/mocha.js', '--exit', '--reporter', 'json', '--reporter-option', `output=${results}`, ...files, ...mochaArgs], {
    cwd: suite,
    env: { ...process.env, DOCKER_HOST: dockerHost, DOCKER_SOCKET: '' },
    stdio: ['ignore', log, log],
  });
  await new Promise((resolve) => child.on('close', resolve));
  fs.closeSync(log);
  if (!fs.existsSync(results)) throw new Error(`mocha wrote no results: see ${path.join(out, 'mocha.log')}`);
  return JSON.parse(fs.readFileSync(results, 'utf8')) as MochaResults;
}
