// berth's entry: global flags, command lookup, help, docker's error formats and exit codes.
import { parseFlags, flagUsages, FlagError, type FlagSpec } from './flags.ts';
import { Cli, StatusError, PROG, type CommandDef, type ResolvedCommand } from './cli.ts';
import { TOP, COMMON, MANAGEMENT, findEntry, type Entry } from './registry.ts';

export const VERSION = '0.1.0';

const CERT_DIR = process.env.DOCKER_CERT_PATH || `${process.env.HOME ?? '/root'}/.docker`;

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'config', kind: 'string', usage: 'Location of client config files', def: `${process.env.HOME ?? '/root'}/.docker` },
  { name: 'context', short: 'c', kind: 'string', usage: 'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var)' },
  { name: 'debug', short: 'D', kind: 'bool', usage: 'Enable debug mode' },
  { name: 'host', short: 'H', kind: 'list', usage: 'Daemon socket to connect to' },
  { name: 'log-level', short: 'l', kind: 'string', usage: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', def: 'info' },
  { name: 'tls', kind: 'bool', usage: 'Use TLS; implied by --tlsverify' },
  { name: 'tlscacert', kind: 'string', usage: 'Trust certs signed only by this CA', def: `${CERT_DIR}/ca.pem` },
  { name: 'tlscert', kind: 'string', usage: 'Path to TLS certificate file', def: `${CERT_DIR}/cert.pem` },
  { name: 'tlskey', kind: 'string', usage: 'Path to TLS key file', def: `${CERT_DIR}/key.pem` },
  { name: 'tlsverify', kind: 'bool', usage: 'Use TLS and verify the remote' },
  { name: 'version', short: 'v', kind: 'bool', usage: 'Print version information and quit' },
  { name: 'help', kind: 'bool', usage: 'Print usage', hidden: true },
];

const HELP_FLAG: FlagSpec = { name: 'help', kind: 'bool', usage: 'Print usage' };

function helpFlags(def: CommandDef): FlagSpec[] {
  const flags = def.flags ?? [];
  const hasH = flags.some((f) => f.short === 'h');
  return [...flags, hasH ? HELP_FLAG : { ...HELP_FLAG, short: 'h' }];
}

function col(name: string, short: string): string {
  return `  ${name.padEnd(11)} ${short}`;
}

export function rootHelp(): string {
  const byName = new Map(TOP.map((e) => [e.name, e]));
  const common = COMMON.map((n) => byName.get(n)!).filter(Boolean);
  const mgmt = MANAGEMENT.map((n) => byName.get(n)!).filter(Boolean);
  const rest = TOP.filter((e) => !COMMON.includes(e.name) && !MANAGEMENT.includes(e.name) && !e.hidden).sort((a, b) => a.name.localeCompare(b.name));
  return [
    `Usage:  ${PROG} [OPTIONS] COMMAND`,
    '',
    'A self-sufficient runtime for containers',
    '',
    'Common Commands:',
    ...common.map((e) => col(e.name, e.short)),
    '',
    'Management Commands:',
    ...mgmt.map((e) => col(e.name, e.short)),
    '',
    'Commands:',
    ...rest.map((e) => col(e.name, e.short)),
    '',
    'Global Options:',
    flagUsages(GLOBAL_FLAGS.filter((f) => f.name !== 'help')).replace(/\n$/, ''),
    '',
    `Run '${PROG} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

function groupHelp(path: string, entry: Entry): string {
  const subs = [...entry.sub!].filter((s) => !s.hidden).sort((a, b) => a.name.localeCompare(b.name));
  return [
    `Usage:  ${path} COMMAND`,
    '',
    entry.short,
    '',
    'Commands:',
    ...subs.map((s) => col(s.name, s.short)),
    '',
    `Run '${path} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/** Every path that reaches the same command ("berth container ls, berth container ps, berth ps"). */
function aliasesOf(entry: Entry): string[] {
  const out: string[] = [];
  for (const top of TOP) {
    if (top.sub) {
      for (const s of top.sub) if (s.load === entry.load) for (const n of [s.name, ...(s.aliases ?? [])]) out.push(`${PROG} ${top.name} ${n}`);
    }
  }
  for (const top of TOP) if (!top.sub && top.load === entry.load) out.push(`${PROG} ${top.name}`);
  return [...new Set(out)];
}

export function commandHelp(rc: ResolvedCommand, entry: Entry): string {
  const def = rc.def;
  const lines = [`Usage:  ${rc.path} ${def.usage}`.trimEnd(), '', def.long ?? entry.short, ''];
  const aliases = aliasesOf(entry);
  if (aliases.length > 1) lines.push('Aliases:', `  ${aliases.join(', ')}`, '');
  const flags = helpFlags(def);
  lines.push('Options:', flagUsages(flags).replace(/\n$/, ''));
  if (def.examples) lines.push('', 'Examples:', def.examples.replace(/\n$/, ''));
  return lines.join('\n') + '\n';
}

function pluralize(word: string, n: number): string {
  return n === 1 ? word : `${word}s`;
}

/** docker 28's cli.RequiresMinArgs/MaxArgs/RangeArgs/ExactArgs/NoArgs messages (their "See" and "SRun" too). */
function checkArgs(rc: ResolvedCommand, n: number): string | null {
  const { min, max } = rc.def.args ?? {};
  const usage = `\n\nUsage:  ${rc.path} ${rc.def.usage}\n\n`;
  const run = `Run '${rc.path} --help' for more information`;
  const head = `${PROG}: '${rc.path}'`;
  if (max === 0 && n > 0) return `${head} accepts no arguments${usage}${run}`;
  if (min !== undefined && max !== undefined && min === max && n !== min) return `${head} requires ${min} ${pluralize('argument', min)}${usage}${run}`;
  if (min !== undefined && max !== undefined && min !== max && (n < min || n > max)) return `${head} requires at least ${min} and at most ${max} ${pluralize('argument', max)}${usage}${run}`;
  if (min !== undefined && max === undefined && n < min) return `${head} requires at least ${min} ${pluralize('argument', min)}${usage}See '${rc.path} --help' for more information`;
  if (max !== undefined && min === undefined && n > max) return `${head} requires at most ${max} ${pluralize('argument', max)}${usage}S${run}`;
  return null;
}

export async function main(argv: string[]): Promise<number> {
  let g;
  try {
    g = parseFlags(argv, GLOBAL_FLAGS, { interspersed: false });
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`${e.message}\n\nUsage:  ${PROG} [OPTIONS] COMMAND [ARG...]\n\nRun '${PROG} --help' for more information\n`);
      return 125;
    }
    throw e;
  }
  if (g.values.version) {
    process.stdout.write(`Berth version ${VERSION}, build berth\n`);
    return 0;
  }
  if (g.values.help || !g.args.length) {
    process.stdout.write(rootHelp());
    return 0;
  }
  const given = (name: string) => (g.changed.has(name) ? g.values[name] : undefined);
  const cli = new Cli({
    hosts: g.values.host,
    debug: g.values.debug || process.env.BERTH_DEBUG === '1',
    logLevel: g.values['log-level'],
    // --config, else DOCKER_CONFIG (as docker), else the default ~/.docker
    config: given('config') ?? (process.env.DOCKER_CONFIG || g.values.config),
    context: g.values.context,
    tls: { tls: given('tls'), tlsverify: given('tlsverify'), tlscacert: given('tlscacert'), tlscert: given('tlscert'), tlskey: given('tlskey') },
  });
  try {
    return await dispatch(cli, g.args);
  } finally {
    cli.close();
  }
}

async function dispatch(cli: Cli, args: string[]): Promise<number> {
  let [name, ...rest] = args;
  if (name === 'help') {
    if (!rest.length) {
      cli.print(rootHelp());
      return 0;
    }
    return dispatch(cli, [...rest, '--help']);
  }
  const top = findEntry(TOP, name);
  if (!top) {
    cli.err.write(`${PROG}: unknown command: ${PROG} ${name}\n\nRun '${PROG} --help' for more information\n`);
    return 1;
  }
  let entry = top;
  let path = `${PROG} ${top.name}`;
  if (top.sub) {
    const [subName, ...subRest] = rest;
    if (subName === undefined || subName === '--help' || subName === '-h' || subName === 'help') {
      cli.print(groupHelp(path, top));
      return 0;
    }
    if (subName.startsWith('-')) {
      cli.err.write(`unknown ${subName.startsWith('--') ? 'flag' : 'shorthand flag'}: ${subName.startsWith('--') ? subName.split('=')[0] : `'${subName[1]}' in ${subName}`}\n\nUsage:  ${path}\n\nRun '${path} --help' for more information\n`);
      return 125;
    }
    const sub = findEntry(top.sub, subName);
    if (!sub) {
      cli.err.write(`${PROG}: unknown command: ${path} ${subName}\n\nUsage:  ${path}\n\nRun '${path} --help' for more information\n`);
      return 1;
    }
    entry = sub;
    path = `${path} ${sub.name}`;
    rest = subRest;
  }
  const def = await entry.load!();
  const rc: ResolvedCommand = { path, def };
  let parsed;
  try {
    parsed = def.rawArgs
      ? { values: { help: rest[0] === '--help' }, changed: new Set<string>(), args: rest }
      : parseFlags(rest, helpFlags(def), { interspersed: def.interspersed ?? true });
  } catch (e) {
    if (e instanceof FlagError) {
      // docker 28's FlagErrorFunc
      cli.err.write(`${e.message}\n\nUsage:  ${path} ${def.usage}\n\nRun '${path} --help' for more information\n`);
      return 125;
    }
    throw e;
  }
  if (parsed.values.help) {
    cli.print(commandHelp(rc, entry));
    return 0;
  }
  const argErr = checkArgs(rc, parsed.args.length);
  if (argErr) {
    cli.err.write(argErr + '\n');
    return 1;
  }
  try {
    const code = await def.run(cli, parsed, rc);
    return code ?? 0;
  } catch (e) {
    return reportError(cli, e);
  }
}

export function reportError(cli: Cli, e: unknown): number {
  if (e instanceof StatusError) {
    if (!e.quiet) cli.err.write(e.message.endsWith('\n') ? e.message : e.message + '\n');
    return e.code;
  }
  const err = e as Error;
  if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') return 141;
  if (cli.opts.debug && err?.stack) cli.err.write(err.stack + '\n');
  else cli.err.write(`${err?.message ?? String(e)}\n`);
  return 1;
}
