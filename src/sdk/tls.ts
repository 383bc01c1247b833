// TLS to a daemon on TCP, with the docker CLI's rules: --tlsverify (or DOCKER_TLS_VERIFY) checks
// the daemon's certificate against the CA and implies --tls; --tls (or DOCKER_TLS) encrypts without
// checking; the files default to ca.pem, cert.pem, key.pem in DOCKER_CERT_PATH (else ~/.docker),
// and a default client certificate or key that does not exist is simply not sent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the transport needs: PEM contents, and whether the daemon's certificate is checked. */
export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  verify: boolean;
}

/** The TLS choices of a command line (all optional: unset flags fall back to the environment). */
export interface TlsFlags {
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
}

export class TlsConfigError extends Error {}

export function defaultCertPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CERT_PATH || path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'));
}

/** docker's cli/flags rules; undefined when TLS is off. */
export function resolveTls(flags: TlsFlags, env: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  const verify = flags.tlsverify ?? !!env.DOCKER_TLS_VERIFY;
  const on = verify || (flags.tls ?? !!env.DOCKER_TLS);
  if (!on) return undefined;
  const dir = defaultCertPath(env);
  const pick = (given: string | undefined, name: string) => {
    if (given !== undefined) return given;
    const p = path.join(dir, name);
    return fs.existsSync(p) ? p : undefined;
  };
  const caFile = verify ? (flags.tlscacert ?? path.join(dir, 'ca.pem')) : flags.tlscacert;
  const certFile = pick(flags.tlscert, 'cert.pem');
  const keyFile = pick(flags.tlskey, 'key.pem');
  return loadTlsFiles({ caFile, certFile, keyFile, verify });
}

/** "open /x/ca.pem: no such file or directory", as Go words a failed open. */
function openError(file: string, e: NodeJS.ErrnoException): string {
  const text: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' };
  return `Failed to initialize: unable to resolve docker endpoint: open ${file}: ${text[e.code ?? ''] ?? e.message}`;
}

/** Reads the PEM files, with the docker CLI's messages when one cannot be read. */
export function loadTlsFiles(f: { caFile?: string; certFile?: string; keyFile?: string; verify: boolean }): TlsOptions {
  const read = (p: string) => {
    try {
      return fs.readFileSync(p);
    } catch (e) {
      throw new TlsConfigError(openError(p, e as NodeJS.ErrnoException));
    }
  };
  const out: TlsOptions = { verify: f.verify };
  if (f.caFile && f.verify) out.ca = read(f.caFile);
  // a certificate without its key (or the reverse) is not sent, as docker does
  if (f.certFile && f.keyFile) {
    out.cert = read(f.certFile);
    out.key = read(f.keyFile);
  }
  return out;
}
