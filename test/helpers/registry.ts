// The reference registry (Debian's docker-registry) on 127.0.0.1 and a free port, optionally behind
// htpasswd authentication, for end-to-end tests. Everything stays on loopback.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

export interface Registry {
  host: string;
  root: string;
  stop(): Promise<void>;
}

export function registryUnavailable(): string | false {
  return spawnSync('sh', ['-c', 'command -v docker-registry']).status === 0 ? false : 'docker-registry is not installed';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRegistry(o: { user?: string; password?: string } = {}): Promise<Registry> {
  const root = fs.mkdtempSync('/tmp/reg-');
  const port = await freePort();
  let auth = '';
  if (o.user) {
    const r = spawnSync('htpasswd', ['-Bbn', o.user, o.password ?? ''], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd: ${r.stderr}`);
    fs.writeFileSync(path.join(root, 'htpasswd'), r.stdout);
    auth = `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${path.join(root, 'htpasswd')}\n`;
  }
  fs.writeFileSync(
    path.join(root, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(root, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child = spawn('docker-registry', ['serve', path.join(root, 'config.yml')], { stdio: ['ignore', fs.openSync(path.join(root, 'log'), 'a'), fs.openSync(path.join(root, 'log'), 'a')] });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`http://${host}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the registry did not start: ${fs.readFileSync(path.join(root, 'log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    root,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
