// docker's context store, read as the docker CLI reads it, so that `docker context create/use`
// choose the daemon for berth too: $DOCKER_CONFIG/config.json "currentContext", DOCKER_CONTEXT,
// --context; each context's endpoint in contexts/meta/<sha256(name)>/meta.json and its TLS
// files in contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsOptions } from '../sdk/tls.ts';

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

/** The docker endpoint of a named context (not "default", which is the flags and environment). */
export function loadContext(configDir: string, name: string): ContextEndpoint {
  const id = crypto.createHash('sha256').update(name).digest('hex');
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
