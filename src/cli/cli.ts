// The state a command runs with: output streams, the daemon connection (made on first use,
// starting berthd when nothing answers on the default socket), and docker's exit-code rules.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '../sdk/client.ts';
import type { FlagSpec, Parsed } from './flags.ts';
import type { TlsFlags } from '../sdk/tls.ts';
import { contextName, loadContext, ContextError, type ContextEndpoint } from './context-store.ts';

export const PROG = 'berth';

/** Ends the command with an exit code; message (if any) goes to stderr. */
export class StatusError extends Error {
  readonly code: number;
  readonly quiet: boolean;
  constructor(code: number, message = '') {
    super(message);
    this.name = 'StatusError';
    this.code = code;
    this.quiet = !message;
  }
}

export interface CommandDef {
  /** Usage after the command path: "[OPTIONS] IMAGE [COMMAND] [ARG...]". */
  usage: string;
  short?: string;
  long?: string;
  flags?: FlagSpec[];
  /** Argument count rules, reported like docker's cli.RequiresMinArgs & co. */
  args?: { min?: number; max?: number };
  /** Stop parsing flags at the first positional (run, exec, create). */
  interspersed?: boolean;
  /** Take every argument as-is (no flag parsing apart from a leading --help). */
  rawArgs?: boolean;
  /** Other names shown under "Aliases:". */
  aliases?: string[];
  examples?: string;
  run(cli: Cli, p: Parsed, cmd: ResolvedCommand): Promise<number | void>;
}

export interface ResolvedCommand {
  /** "berth container run" */
  path: string;
  def: CommandDef;
}

export interface GlobalOptions {
  hosts: string[];
  debug: boolean;
  logLevel?: string;
  config?: string;
  context?: string;
  /** --tls, --tlsverify, --tlscacert, --tlscert, --tlskey as given (unset ones: the environment) */
  tls?: TlsFlags;
}

export class Cli {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
  readonly in: NodeJS.ReadStream;
  readonly opts: GlobalOptions;
  private clientPromise: Promise<Client> | null = null;
  private clientInstance: Client | null = null;

  constructor(opts: GlobalOptions) {
    this.opts = opts;
    this.out = process.stdout;
    this.err = process.stderr;
    this.in = process.stdin;
  }

  /** The host to talk to, whether it is the default one (which we may start berthd for), and the
   * TLS settings of a docker context when one is in use. */
  hostInfo(): { host: string; isDefault: boolean; context?: ContextEndpoint } {
    const name = contextName({ flag: this.opts.context, hostGiven: this.opts.hosts.length > 0, configDir: this.configDir() });
    if (name !== 'default') return { host: '', isDefault: false, context: loadContext(this.configDir(), name) };
    return this.defaultEndpoint();
  }

  /** The "default" context's host: -H, else BERTH_HOST/DOCKER_HOST, else (with TLS asked for) localhost:2376, else berthd's socket. */
  defaultEndpoint(): { host: string; isDefault: boolean } {
    if (this.opts.hosts.length) return { host: this.opts.hosts[this.opts.hosts.length - 1], isDefault: false };
    const env = process.env.BERTH_HOST || process.env.DOCKER_HOST;
    if (env) return { host: env, isDefault: false };
    // docker: TLS asked for and no host given means the default TLS port on localhost
    const t = this.opts.tls ?? {};
    if (t.tls || t.tlsverify || (t.tlsverify === undefined && process.env.DOCKER_TLS_VERIFY) || (t.tls === undefined && process.env.DOCKER_TLS)) return { host: 'tcp://localhost:2376', isDefault: false };
    return { host: 'unix:///run/berth/berth.sock', isDefault: true };
  }

  /** The client configuration directory: --config, else DOCKER_CONFIG, else ~/.docker. */
  configDir(): string {
    return this.opts.config || process.env.DOCKER_CONFIG || path.join(process.env.HOME ?? '/root', '.docker');
  }

  /** A connected client: the API version is negotiated before this resolves. */
  client(): Promise<Client> {
    this.clientPromise ??= this.connect();
    return this.clientPromise;
  }

  private async connect(): Promise<Client> {
    const { Client } = await import('../sdk/client.ts');
    const { DaemonUnreachableError } = await import('../sdk/errors.ts');
    const { resolveTls, TlsConfigError } = await import('../sdk/tls.ts');
    let host: string, isDefault: boolean, tls;
    try {
      const info = this.hostInfo();
      ({ isDefault } = info);
      host = info.context?.host ?? info.host;
      tls = info.context ? info.context.tls : resolveTls(this.opts.tls ?? {});
    } catch (e) {
      if (e instanceof TlsConfigError || e instanceof ContextError) throw new StatusError(1, e.message);
      throw e;
    }
    const client = new Client({ host, tls, userAgent: 'Berth-Client/0.1.0 (linux)' });
    this.clientInstance = client;
    try {
      await client.apiVersion();
    } catch (e) {
      if (!(e instanceof DaemonUnreachableError) || !isDefault || process.env.BERTH_NO_AUTOSTART) throw e;
      await this.startDaemon(client, e);
    }
    return client;
  }

  /** Nothing answers on the default socket: start bin/berthd in the background and wait for it. */
  private async startDaemon(client: Client, original: Error): Promise<void> {
    // bin/berthd next to bin/berth (BERTH_BERTHD overrides it, for tests and unusual installs).
    const berthd = process.env.BERTH_BERTHD || path.resolve(import.meta.dirname, '../../bin/berthd');
    if (!fs.existsSync(berthd) || (process.getuid && process.getuid() !== 0)) throw original;
    const { spawn } = await import('node:child_process');
    const logPath = process.env.BERTH_BERTHD_LOG || '/var/log/berthd.log';
    let fd: number;
    try {
      fd = fs.openSync(logPath, 'a');
    } catch {
      throw original;
    }
    const child = spawn(berthd, [], { detached: true, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    child.unref();
    this.err.write(`Berth daemon was not running: started berthd (pid ${child.pid}, logs in ${logPath}).\n`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await client.apiVersion();
        return;
      } catch (e) {
        if (exited !== null) {
          throw new StatusError(1, `berthd exited with code ${exited} before it was ready; see ${logPath}`);
        }
        if (Date.now() > deadline) throw new StatusError(1, `berthd did not answer within 30s; see ${logPath}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.clientInstance?.close();
  }

  print(s: string): void {
    this.out.write(s);
  }

  println(s = ''): void {
    this.out.write(s + '\n');
  }

  eprintln(s: string): void {
    this.err.write(s + '\n');
  }
}

/** Docker's multi-object commands: run fn per name, print errors, exit 1 if any failed. */
export async function forEachName(cli: Cli, names: string[], fn: (name: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      const out = await fn(name);
      if (out !== undefined) cli.println(out);
    } catch (e) {
      failed = true;
      cli.eprintln(errorText(e));
    }
  }
  return failed ? 1 : 0;
}

/** The text docker prints for an error. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
