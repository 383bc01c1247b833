// Registry credentials in docker's client config (~/.docker/config.json, or --config DIR):
// "auths": {"registry": {"auth": base64("user:password")}}. Pull and push send them in
// X-Registry-Auth, as docker does.
import { configPath, readConfig, writeConfig } from './config-file.ts';

export { configPath };

export const DEFAULT_REGISTRY = 'https://index.docker.io/v1/';

export interface AuthEntry {
  username: string;
  password: string;
  serveraddress: string;
}

/** The registry host of an image reference ("docker.io" references use the index address). */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0];
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') && first !== 'docker.io' && first !== 'index.docker.io') return first;
  return DEFAULT_REGISTRY;
}

export function normalizeServer(server: string | undefined): string {
  if (!server || ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/', 'https://docker.io'].includes(server)) return DEFAULT_REGISTRY;
  return server.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function storeAuth(configDir: string | undefined, e: AuthEntry): void {
  const file = configPath(configDir);
  const cfg = readConfig(file);
  cfg.auths ??= {};
  cfg.auths[e.serveraddress] = { auth: Buffer.from(`${e.username}:${e.password}`).toString('base64') };
  writeConfig(file, cfg);
}

export function removeAuth(configDir: string | undefined, server: string): boolean {
  const file = configPath(configDir);
  const cfg = readConfig(file);
  if (!cfg.auths?.[server]) return false;
  delete cfg.auths[server];
  writeConfig(file, cfg);
  return true;
}

export function loadAuth(configDir: string | undefined, server: string): AuthEntry | null {
  const a = readConfig(configPath(configDir)).auths?.[server];
  if (!a?.auth) return null;
  const text = Buffer.from(a.auth, 'base64').toString();
  const i = text.indexOf(':');
  if (i < 0) return null;
  return { username: text.slice(0, i), password: text.slice(i + 1), serveraddress: server };
}

/** The X-Registry-Auth header value for an image reference: base64url of the JSON credentials. */
export function registryAuthHeader(configDir: string | undefined, ref: string): string | undefined {
  const a = loadAuth(configDir, registryOf(ref));
  if (!a) return undefined;
  return Buffer.from(JSON.stringify(a)).toString('base64url');
}
