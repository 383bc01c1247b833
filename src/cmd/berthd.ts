// berthd: the Berth daemon, with dockerd's flags.
import { parseArgs } from 'node:util';
import { Daemon } from '../daemon.ts';
import { BerthError } from '../errdefs.ts';
import { DEFAULTS, type DaemonConfig } from '../config.ts';
import { log, type Level } from '../util/log.ts';

const USAGE = `Usage:	berthd [OPTIONS]

A self-sufficient runtime for containers.

Options:
  -D, --debug                 Enable debug mode
      --data-root string      Root directory of persistent Berth state (default "${DEFAULTS.dataRoot}")
      --exec-root string      Root directory for execution state files (default "${DEFAULTS.execRoot}")
  -H, --host list             Daemon socket to connect to (default unix://${DEFAULTS.socketPath})
  -l, --log-level string      Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string        Path to use for daemon PID file
      --insecure-registry list  Enable insecure registry communication
  -v, --version               Print version information and quit
`;

function parse(argv: string[]): DaemonConfig & { pidfile?: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', short: 'H', multiple: true },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        'log-level': { type: 'string', short: 'l' },
        debug: { type: 'boolean', short: 'D' },
        pidfile: { type: 'string', short: 'p' },
        'insecure-registry': { type: 'string', multiple: true },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`berthd: ${(e as Error).message}\nSee 'berthd --help'.\n`);
    process.exit(125);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (values.version) {
    process.stdout.write('Berth version 0.1.0\n');
    process.exit(0);
  }
  let socketPath = DEFAULTS.socketPath;
  for (const h of values.host ?? []) {
    if (h.startsWith('unix://')) socketPath = h.slice('unix://'.length);
    else if (h.startsWith('/')) socketPath = h;
    else {
      process.stderr.write(`berthd: only unix:// hosts are supported: ${h}\n`);
      process.exit(1);
    }
  }
  return {
    socketPath,
    dataRoot: values['data-root'] ?? DEFAULTS.dataRoot,
    execRoot: values['exec-root'] ?? DEFAULTS.execRoot,
    logLevel: values.debug ? 'debug' : values['log-level'] ?? 'info',
    pidfile: values.pidfile,
    insecureRegistries: values['insecure-registry'] ?? [],
  };
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
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('terminated'));
  process.on('SIGINT', () => void shutdown('interrupt'));
  process.on('uncaughtException', (e) => log.error(`uncaught exception: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
}

void main();
