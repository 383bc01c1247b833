// The daemon an end-to-end test file runs against: berthd (default), or Debian's real dockerd
// when BERTH_E2E_DAEMON=dockerd, to check that the tests themselves describe Docker's behaviour.
//
//   const t = e2e();                 // registers before/after/beforeEach/afterEach hooks
//   test('x', async () => { await docker(t.d.env, ['ps']) });
import { before, after } from 'node:test';
import { startBerthd, berthdUnavailable, type Berthd } from './berthd.ts';
import { startDockerd, dockerdUnavailable, type Dockerd } from './dockerd.ts';
import { busyboxDockerArchive, TEST_IMAGE, type BuiltArchive } from './images.ts';
import { docker, describeRun } from './docker.ts';
import { printLogOfFailedTests } from './failed-test-log.ts';

export type Daemon = Berthd | Dockerd;
/** Per-test options: no single e2e test may take more than 3 minutes (every CLI call has its own
 * time limit too), so a hung daemon fails tests instead of the whole CI run. */
export const T = { timeout: 180_000 };
/** Per-file suite options: skip when not root, and a generous limit for the whole file. */
export const SUITE = (skip: string | false) => ({ skip, timeout: 30 * 60_000 });
export const TARGET: 'berthd' | 'dockerd' = process.env.BERTH_E2E_DAEMON === 'dockerd' ? 'dockerd' : 'berthd';
/** true when running against the real dockerd (for the few places Docker 20.10 differs from API 1.50) */
export const REAL_DOCKER = TARGET === 'dockerd';

/** Why the e2e tests cannot run here, or false. Tests are skipped (not failed) only when not root;
 * a missing runc/conmon/berthd fails loudly, since CI installs them. */
export function e2eSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'end-to-end tests need root';
  return false;
}

export async function startDaemon(opts: { dockerdIptables?: boolean } = {}): Promise<Daemon> {
  if (TARGET === 'dockerd') {
    const why = dockerdUnavailable();
    if (why) throw new Error(why);
    // --live-restore: like berthd, containers outlive a daemon restart
    return startDockerd({ extraArgs: ['--live-restore'], bridge: true, iptables: opts.dockerdIptables });
  }
  const why = berthdUnavailable();
  if (why) throw new Error(why);
  return startBerthd();
}

export interface E2E {
  /** the daemon (set in before()) */
  d: Daemon;
  image: string;
  archive: BuiltArchive;
}

/** Starts one daemon for the file (before), loads the busybox test image into it unless
 * `loadImage: false` (`dockerdIptables: true`: dockerd writes its iptables rules, as berthd does,
 * for the files that test isolation between containers), prints the daemon's log for failed tests, and stops it (after). */
export function e2e(opts: { loadImage?: boolean; dockerdIptables?: boolean } = {}): E2E {
  const ctx = { image: TEST_IMAGE } as E2E;
  before(
    async () => {
      ctx.archive = await busyboxDockerArchive();
      ctx.d = await startDaemon({ dockerdIptables: opts.dockerdIptables });
      if (opts.loadImage !== false) {
        const r = await docker(ctx.d.env, ['load', '-i', ctx.archive.file], { timeoutMs: 60_000 });
        if (r.code !== 0) throw new Error(`could not load the test image:\n${describeRun(['docker', 'load'], r)}\n${ctx.d.logs()}`);
      }
    },
    { timeout: 120_000 },
  );
  after(
    async () => {
      await ctx.d?.stop();
    },
    { timeout: 120_000 },
  );
  printLogOfFailedTests(() => ctx.d);
  return ctx;
}
