// The reference registry (Debian's docker-registry) on 127.0.0.1 and a free port, optionally behind
// htpasswd authentication, for end-to-end tests. Everything stays on loopback. The lifecycle is
// daemon.ts's.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDaemonProcess, privateRoot } from './daemon.ts';
import { freePort } from './ports.ts';

export interface Registry {
  host: string;
  root: string;
  stop(): Promise<void>;
}

export function registryUnavailable(): string | false {
  return spawnSync('sh', ['-c', 'command -v docker-registry']).status === 0 ? false : 'docker-registry is not installed';
}

export { freePort };

/** `addr`: a fixed IP:port to listen on (critest's runner serves gcr.io there); a free loopback port by default */
export async function startRegistry(o: { user?: string; password?: string; addr?: string } = {}): Promise<Registry> {
  const root = privateRoot('reg-');
  const port = o.addr ? 0 : await freePort();
  let auth = '';
  if (o.user) {
    const r = spawnSync('htpasswd', ['-Bbn', o.user, o.password ?? ''], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd: ${r.stderr}`);
    fs.writeFileSync(path.join(root, 'htpasswd'), r.stdout);
    auth = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${path.join(root, 'htpasswd')}\n`;
  }
  fs.writeFileSync(
    path.join(root, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(root, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${o.addr ?? `127.0.0.1:${port}`}\n${auth}`,
  );
  const host = o.addr ?? `127.0.0.1:${port}`;
  const p = await startDaemonProcess({
    what: 'the registry',
    root,
    binary: 'docker-registry',
    args: ['serve', path.join(root, 'config.yml')],
    logName: 'log',
    ready: () => fetch(`http://${host}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false),
    readyWhat: `answer on ${host}`,
    readyTimeoutMs: 15_000,
    stopGraceMs: 10_000,
  });
  return { host, root, stop: p.stop };
}
