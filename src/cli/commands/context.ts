// context create / use / ls / inspect / rm / show / update: docker's client-side context store
// (src/cli/context-store.ts), the same files the docker CLI reads and writes, so a context made by
// one CLI is used by the other.
import fs from 'node:fs';
import { StatusError, type Cli, type CommandDef } from '../cli.ts';
import { FormatContext, renderFormat, chooseFormat } from '../formatter.ts';
import { FORMAT_FLAG, INSPECT_FORMAT_FLAG } from './common.ts';
import { inspectRefs } from './inspect.ts';
import { configPath, readConfig, writeConfig } from '../config-file.ts';
import {
  contextName,
  contextPaths,
  checkNewName,
  readMeta,
  readTls,
  removeContext,
  storedNames,
  tlsFiles,
  writeContext,
  ContextError,
  type ContextMeta,
  type TlsMaterial,
} from '../context-store.ts';

const DEFAULT_DESCRIPTION = 'Current DOCKER_HOST based configuration';

/** The "default" context: the -H flags and the environment, as docker builds it in memory. */
function defaultMeta(cli: Cli): ContextMeta {
  const host = cli.defaultEndpoint().host;
  return { Name: 'default', Metadata: { Description: DEFAULT_DESCRIPTION }, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } };
}

function current(cli: Cli): string {
  return contextName({ flag: cli.opts.context, hostGiven: cli.opts.hosts.length > 0, configDir: cli.configDir() });
}

/** Runs a store operation, turning the store's errors into docker's one-line failures. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ContextError) throw new StatusError(1, e.message);
    throw e;
  }
}

function metaOf(cli: Cli, name: string): ContextMeta {
  return name === 'default' ? defaultMeta(cli) : readMeta(cli.configDir(), name);
}

/** `--docker host=...,ca=...,cert=...,key=...,skip-tls-verify=...,from=...` (docker's endpoint options). */
function dockerEndpoint(cli: Cli, specs: string[]): { endpoint: ContextMeta['Endpoints']['docker']; tls: TlsMaterial } {
  const opts: Record<string, string> = {};
  for (const spec of specs) {
    for (const kv of spec.split(',')) {
      if (!kv) continue;
      const i = kv.indexOf('=');
      opts[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
    }
  }
  const fail = (why: string): never => {
    throw new ContextError(`unable to create docker endpoint config: ${why}`);
  };
  for (const k of Object.keys(opts)) if (!['from', 'host', 'ca', 'cert', 'key', 'skip-tls-verify'].includes(k)) fail(`unrecognized config key: ${k}`);
  if (opts.from) {
    const src = metaOf(cli, opts.from);
    return { endpoint: { ...src.Endpoints.docker }, tls: opts.from === 'default' ? {} : readTls(cli.configDir(), opts.from) };
  }
  let skip = false;
  if (opts['skip-tls-verify'] !== undefined) {
    const b = parseGoBool(opts['skip-tls-verify']);
    if (b === undefined) fail(`skip-tls-verify: parsing "${opts['skip-tls-verify']}": invalid syntax`);
    skip = b!;
  }
  const tls: TlsMaterial = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    if (!opts[k]) continue;
    try {
      tls[k] = fs.readFileSync(opts[k]);
    } catch (e) {
      fail(`open ${opts[k]}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
  }
  return { endpoint: { Host: opts.host || defaultMeta(cli).Endpoints.docker.Host, SkipTLSVerify: skip }, tls };
}

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

const DOCKER_FLAG = { name: 'docker', kind: 'list' as const, typeName: 'stringToString', usage: 'set the docker endpoint (default [])' };

export const create: CommandDef = {
  usage: '[OPTIONS] CONTEXT',
  long: `Create a context

Docker endpoint config:

NAME                DESCRIPTION
from                Copy named context's Docker endpoint configuration
host                Docker endpoint on which to connect
ca                  Trust certs signed only by this CA
cert                Path to TLS certificate file
key                 Path to TLS key file
skip-tls-verify     Skip TLS certificate validation`,
  examples: `$ berth context create my-context --description "some description" --docker "host=tcp://myserver:2376,ca=~/ca-file,cert=~/cert-file,key=~/key-file"`,
  args: { min: 1, max: 1 },
  flags: [{ name: 'description', kind: 'string', usage: 'Description of the context' }, DOCKER_FLAG, { name: 'from', kind: 'string', usage: 'create context from a named context' }],
  async run(cli, p) {
    const v = p.values;
    const name = p.args[0];
    guarded(() => {
      checkNewName(name);
      if (fs.existsSync(contextPaths(cli.configDir(), name).metaFile)) throw new ContextError(`context "${name}" already exists`);
      if (v.from !== undefined && v.docker.length) throw new ContextError('cannot use --docker flag when --from is set');
      let meta: ContextMeta;
      let tls: TlsMaterial;
      if (v.docker.length) {
        const ep = dockerEndpoint(cli, v.docker);
        meta = { Name: name, Metadata: v.description ? { Description: v.description } : {}, Endpoints: { docker: ep.endpoint } };
        tls = ep.tls;
      } else {
        // neither --docker nor --from: docker copies the current context
        const from = v.from ?? current(cli);
        const src = metaOf(cli, from);
        const description = v.description ?? src.Metadata.Description;
        meta = { Name: name, Metadata: description ? { Description: description } : {}, Endpoints: { docker: { ...src.Endpoints.docker } } };
        tls = from === 'default' ? {} : readTls(cli.configDir(), from);
      }
      writeContext(cli.configDir(), meta, tls);
    });
    cli.println(name);
    cli.eprintln(`Successfully created context "${name}"`);
  },
};

export const update: CommandDef = {
  usage: '[OPTIONS] CONTEXT',
  args: { min: 1, max: 1 },
  flags: [{ name: 'description', kind: 'string', usage: 'Description of the context' }, DOCKER_FLAG],
  async run(cli, p) {
    const v = p.values;
    const name = p.args[0];
    guarded(() => {
      if (name === 'default') throw new ContextError('"default" is a reserved context name');
      const meta = readMeta(cli.configDir(), name);
      let tls = readTls(cli.configDir(), name);
      if (v.description !== undefined) meta.Metadata = { ...meta.Metadata, Description: v.description };
      if (v.docker.length) {
        const ep = dockerEndpoint(cli, v.docker);
        meta.Endpoints.docker = ep.endpoint;
        tls = ep.tls;
      }
      writeContext(cli.configDir(), meta, tls);
    });
    cli.println(name);
    cli.eprintln(`Successfully updated context "${name}"`);
  },
};

export const use: CommandDef = {
  usage: 'CONTEXT',
  args: { min: 1, max: 1 },
  async run(cli, p) {
    const name = p.args[0];
    guarded(() => {
      if (name !== 'default') readMeta(cli.configDir(), name);
    });
    const file = configPath(cli.configDir());
    const cfg = readConfig(file);
    cfg.auths ??= {};
    if (name === 'default') delete cfg.currentContext;
    else cfg.currentContext = name;
    writeConfig(file, cfg);
    cli.println(name);
    cli.eprintln(`Current context is now "${name}"`);
    if (process.env.DOCKER_HOST && name !== 'default') {
      cli.eprintln('Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset DOCKER_HOST environment variable.');
    }
  },
};

export const show: CommandDef = {
  usage: '',
  args: { max: 0 },
  async run(cli) {
    cli.println(guarded(() => current(cli)));
  },
};

class ContextRow extends FormatContext {
  private readonly name: string;
  private readonly meta: ContextMeta | undefined;
  private readonly isCurrent: boolean;
  private readonly error: string;
  constructor(name: string, meta: ContextMeta | undefined, isCurrent: boolean, error: string) {
    super();
    this.name = name;
    this.meta = meta;
    this.isCurrent = isCurrent;
    this.error = error;
  }
  fields(): string[] {
    return ['Name', 'Description', 'DockerEndpoint', 'Current', 'Error'];
  }
  Name(): string {
    return this.name;
  }
  Description(): string {
    return this.meta?.Metadata.Description ?? '';
  }
  DockerEndpoint(): string {
    return this.meta?.Endpoints.docker.Host ?? '';
  }
  Current(): boolean {
    return this.isCurrent;
  }
  Error(): string {
    return this.error;
  }
}

export const ls: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [FORMAT_FLAG, { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show context names' }],
  async run(cli, p) {
    const cur = guarded(() => current(cli));
    const names = [...new Set(['default', ...storedNames(cli.configDir())])].sort();
    const rows = names.map((n) => {
      try {
        return new ContextRow(n, metaOf(cli, n), n === cur, '');
      } catch (e) {
        return new ContextRow(n, undefined, n === cur, (e as Error).message);
      }
    });
    const format = chooseFormat({
      format: p.values.format,
      quiet: p.values.quiet,
      defaultTable: 'table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}',
      quietFormat: '{{.Name}}',
    });
    cli.print(renderFormat(format, rows, { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR', Current: '' }));
    if (process.env.DOCKER_HOST && cur !== 'default' && !p.values.quiet && !p.values.format) {
      cli.eprintln('Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the global --context flag, or unset DOCKER_HOST environment variable.');
    }
  },
};

/** docker marshals with Go's HTML-safe escaping: "<IN MEMORY>" is written \u003cIN MEMORY\u003e. */
function goJSON(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export const inspect: CommandDef = {
  usage: '[OPTIONS] [CONTEXT] [CONTEXT...]',
  flags: [INSPECT_FORMAT_FLAG],
  async run(cli, p) {
    const names = p.args.length ? p.args : [guarded(() => current(cli))];
    return inspectRefs(cli, names, p.values.format, async (name) => {
      const meta = guarded(() => metaOf(cli, name));
      // docker's in-memory default context has no metadata in inspect (ls still describes it)
      if (name === 'default') return goJSON({ ...meta, Metadata: {}, TLSMaterial: {}, Storage: { MetadataPath: '<IN MEMORY>', TLSPath: '<IN MEMORY>' } });
      const files = tlsFiles(cli.configDir(), name);
      const paths = contextPaths(cli.configDir(), name);
      return goJSON({ ...meta, TLSMaterial: files.length ? { docker: files } : {}, Storage: { MetadataPath: paths.meta, TLSPath: paths.tls } });
    });
  },
};

export const rm: CommandDef = {
  usage: '[OPTIONS] CONTEXT [CONTEXT...]',
  args: { min: 1 },
  aliases: ['remove'],
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of a context in use' }],
  async run(cli, p) {
    const cur = guarded(() => current(cli));
    const errors: string[] = [];
    for (const name of p.args) {
      if (name === 'default') {
        errors.push(`context "default" cannot be removed`);
        continue;
      }
      const exists = fs.existsSync(contextPaths(cli.configDir(), name).metaFile);
      if (!exists && !p.values.force) {
        errors.push(`context "${name}" does not exist`);
        continue;
      }
      if (name === cur && !p.values.force) {
        errors.push(`context "${name}" is in use, set -f flag to force remove`);
        continue;
      }
      if (name === cur) {
        // the removed context was the current one: back to the default, as docker does
        const file = configPath(cli.configDir());
        const cfg = readConfig(file);
        if (cfg.currentContext === name) {
          delete cfg.currentContext;
          writeConfig(file, cfg);
        }
      }
      removeContext(cli.configDir(), name);
      cli.println(name);
    }
    if (errors.length) throw new StatusError(1, errors.join('\n'));
  },
};
