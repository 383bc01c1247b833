// docker's context store, read as the docker CLI reads it, so that `docker context create/use`
// choose the daemon for berth too: $DOCKER_CONFIG/config.json "currentContext", DOCKER_CONTEXT,
// --context; each context's endpoint in contexts/meta/<sha256(name)>/meta.json and its TLS
// files in contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsOptions } from '../sdk/tls.ts';
import { writeFileAtomic } from '../util/fs.ts';

export interface ContextEndpoint {
  host: string;
  tls?: TlsOptions;
}

export class ContextError extends Error {}

/** docker's resolveContextName: --context, else "default" when -H or DOCKER_HOST is given, else
 * DOCKER_CONTEXT, else the config file's currentContext, else "default". */
export function contextName(o: { flag?: string; hostGiven: boolean; configDir: string; env?: NodeJS.ProcessEnv }): string {
  const env = o.env ?? process.env;
  if (o.flag !== undefined) {
    if (o.hostGiven) throw new ContextError('conflicting options: cannot specify both --host and --context');
    return o.flag;
  }
  if (o.hostGiven || env.DOCKER_HOST || env.BERTH_HOST) return 'default';
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT;
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(o.configDir, 'config.json'), 'utf8')) as { currentContext?: unknown };
    if (typeof cfg.currentContext === 'string' && cfg.currentContext) return cfg.currentContext;
  } catch {
    /* no config file: the default context */
  }
  return 'default';
}

/** A context's directory key: docker stores each context under the sha256 of its name. */
export function contextId(name: string): string {
  return crypto.createHash('sha256').update(name).digest('hex');
}

export function contextPaths(configDir: string, name: string): { meta: string; metaFile: string; tls: string } {
  const id = contextId(name);
  const meta = path.join(configDir, 'contexts', 'meta', id);
  return { meta, metaFile: path.join(meta, 'meta.json'), tls: path.join(configDir, 'contexts', 'tls', id) };
}

/** The docker endpoint of a named context (not "default", which is the flags and environment). */
export function loadContext(configDir: string, name: string): ContextEndpoint {
  const id = contextId(name);
  const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `context not found: open ${metaFile}: no such file or directory` : (e as Error).message;
    throw new ContextError(`Failed to initialize: unable to resolve docker endpoint: context "${name}": ${why}`);
  }
  const ep = meta.Endpoints?.docker;
  if (!ep?.Host) throw new ContextError(`context "${name}": no docker endpoint`);
  const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(tlsDir, f));
    } catch {
      return undefined;
    }
  };
  const ca = read('ca.pem');
  const cert = read('cert.pem');
  const key = read('key.pem');
  // a context with TLS material speaks TLS, checking the daemon unless it was created with skip-tls-verify
  const tls = ca || cert || key || ep.SkipTLSVerify ? { ca, cert, key, verify: !ep.SkipTLSVerify } : undefined;
  return { host: ep.Host, tls };
}

/** A context as docker stores it (meta.json) and shows it (`context inspect`). */
export interface ContextMeta {
  Name: string;
  Metadata: { Description?: string };
  Endpoints: { docker: { Host: string; SkipTLSVerify: boolean } };
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

/** docker's validation of a new context name. */
export function checkNewName(name: string): void {
  if (name === 'default') throw new ContextError('"default" is a reserved context name');
  if (!NAME_RE.test(name)) throw new ContextError(`context name "${name}" is invalid, names are validated against regexp "${NAME_RE.source}"`);
}

/** A stored context's metadata, or docker's "context not found" error naming the file. */
export function readMeta(configDir: string, name: string): ContextMeta {
  const { metaFile } = contextPaths(configDir, name);
  let raw: string;
  try {
    raw = fs.readFileSync(metaFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ContextError(`context "${name}": context not found: open ${metaFile}: no such file or directory`);
    throw new ContextError(`context "${name}": ${(e as Error).message}`);
  }
  const m = JSON.parse(raw) as Partial<ContextMeta>;
  return {
    Name: m.Name ?? name,
    Metadata: m.Metadata ?? {},
    Endpoints: { docker: { Host: m.Endpoints?.docker?.Host ?? '', SkipTLSVerify: !!m.Endpoints?.docker?.SkipTLSVerify } },
  };
}

/** The TLS files a context holds, in docker's order. */
export function tlsFiles(configDir: string, name: string): string[] {
  const dir = path.join(contextPaths(configDir, name).tls, 'docker');
  return ['ca.pem', 'cert.pem', 'key.pem'].filter((f) => fs.existsSync(path.join(dir, f)));
}

/** Every stored context's name (the directory names are hashes: the names come from meta.json). */
export function storedNames(configDir: string): string[] {
  const dir = path.join(configDir, 'contexts', 'meta');
  let ids: string[];
  try {
    ids = fs.readdirSync(dir);
  } catch {
    return []; // no context was ever created
  }
  const names: string[] = [];
  for (const id of ids) {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(dir, id, 'meta.json'), 'utf8')) as { Name?: string };
      if (m.Name) names.push(m.Name);
    } catch {
      // a directory without a readable meta.json is not a context (docker skips it too)
    }
  }
  return names.sort();
}

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Writes a context whole: meta.json, and the TLS directory replaced by exactly `tls`. */
export function writeContext(configDir: string, meta: ContextMeta, tls: TlsMaterial): void {
  const p = contextPaths(configDir, meta.Name);
  fs.mkdirSync(p.meta, { recursive: true, mode: 0o755 });
  writeFileAtomic(p.metaFile, JSON.stringify(meta), 0o644);
  fs.rmSync(p.tls, { recursive: true, force: true });
  const entries = Object.entries(tls).filter(([, v]) => v !== undefined) as [string, Buffer][];
  if (!entries.length) return;
  const dir = path.join(p.tls, 'docker');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [k, v] of entries) writeFileAtomic(path.join(dir, `${k}.pem`), v, 0o600);
}

/** The TLS material stored with a context (to copy it into another). */
export function readTls(configDir: string, name: string): TlsMaterial {
  const dir = path.join(contextPaths(configDir, name).tls, 'docker');
  const out: TlsMaterial = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    try {
      out[k] = fs.readFileSync(path.join(dir, `${k}.pem`));
    } catch {
      // absent: the context has no such file
    }
  }
  return out;
}

export function removeContext(configDir: string, name: string): void {
  const p = contextPaths(configDir, name);
  fs.rmSync(p.meta, { recursive: true, force: true });
  fs.rmSync(p.tls, { recursive: true, force: true });
}
