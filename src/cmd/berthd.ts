// berthd: the Berth daemon, with dockerd's flags.
import { Daemon } from '../daemon.ts';
import { BerthError } from '../errdefs.ts';
import { parseDaemonOptions, OptionsError, USAGE, type DaemonOptions } from '../daemon-options.ts';
import { log, type Level } from '../util/log.ts';
import { leave } from '../util/leave.ts';
import v8 from 'node:v8';

// Patterns that clients send are compiled to JavaScript regexes (dockerignore and --exclude
// globs, ps/images filters, log-opt regexes); Go's RE2 runs them in linear time, V8's backtracker
// can take exponential time (`**/` repeated, `(a+)+$`), freezing the daemon's only thread. V8
// switches a regex to its linear-time engine once it backtracks too much.
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

function parse(argv: string[]): DaemonOptions {
  try {
    const o = parseDaemonOptions(argv);
    if (o.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (o.version) {
      process.stdout.write('Berth version 0.1.0\n');
      process.exit(0);
    }
    return o;
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(e.exitCode);
  }
}

async function main() {
  const cfg = parse(process.argv.slice(2));
  try {
    log.setLevel(cfg.logLevel as Level);
  } catch (e) {
    process.stderr.write(`berthd: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (process.getuid && process.getuid() !== 0) {
    process.stderr.write('berthd needs to be started with root privileges.\n');
    process.exit(1);
  }
  const { writeFileSync, rmSync } = await import('node:fs');
  let daemon: Daemon;
  try {
    daemon = new Daemon(cfg);
    if (cfg.pidfile) writeFileSync(cfg.pidfile, String(process.pid));
    await daemon.start();
  } catch (e) {
    // Expected failures (another daemon, a socket in use) in one line; anything else with its stack.
    log.error(`failed to start daemon: ${e instanceof BerthError ? e.message : ((e as Error).stack ?? e)}`);
    process.exit(1);
  }
  log.info('Daemon has completed initialization');
  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`Processing signal '${sig}'`);
    await daemon.stop().catch((e) => log.error(String(e)));
    if (cfg.pidfile) rmSync(cfg.pidfile, { force: true });
    void leaveWatched(0);
  };
  process.on('SIGTERM', () => void shutdown('terminated'));
  process.on('SIGINT', () => void shutdown('interrupt'));
  process.on('uncaughtException', (e) => log.error(`uncaught exception: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
}

/**
 * leave(), watched: its fallback is still process.exit, which Node 24 can deadlock when a background
 * Maglev/Turbofan compile waits for a main-thread GC that never comes (nodejs/node#54918); a daemon
 * whose work is done would then never go. A detached watchdog kills it if it is still there after 5 s.
 */
async function leaveWatched(code: number): Promise<void> {
  const { spawn } = await import('node:child_process');
  const pid = process.pid;
  // (the process must still be this daemon: its command line is checked, so a reused pid is safe)
  const cmdline = `/proc/${pid}/cmdline`;
  spawn('sh', ['-c', `sleep 5; grep -q berthd ${cmdline} 2>/dev/null && kill -9 ${pid}`], { detached: true, stdio: 'ignore' }).unref();
  leave(code);
}

void main();
