// Process and directory pieces under the daemon lifecycle (daemon.ts) and the tests: pinging a
// unix socket, waiting for and finding processes, unmounting and removing a private data root.
import fs from 'node:fs';
import http from 'node:http';
import { spawnSync, type ChildProcess } from 'node:child_process';

/** GET /_ping over a unix socket; true on a 200 "OK". */
export function ping(socket: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** One API request over a unix socket; the parsed JSON answer (undefined when there is none). */
function api(socket: string, method: string, p: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, path: p, method, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Before a test daemon stops for good: remove its containers and user networks through its API, so
 * their host bridges and NAT rules go with them. (A daemon's data root is deleted after the test;
 * networks left in it would leave their bridges on the host for good, and enough of those use up
 * the address pools every later daemon allocates from.) Best effort, bounded: a failure here only
 * leaves what the old code left.
 */
export async function releaseHostState(socket: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const containers = (await api(socket, 'GET', '/containers/json?all=1', left())) as { Id: string }[] | undefined;
  await Promise.all((Array.isArray(containers) ? containers : []).map((c) => api(socket, 'DELETE', `/containers/${c.Id}?force=1&v=1`, left())));
  const networks = (await api(socket, 'GET', '/networks', left())) as { Id: string; Name: string }[] | undefined;
  for (const n of Array.isArray(networks) ? networks : []) {
    if (['bridge', 'host', 'none'].includes(n.Name) || Date.now() > deadline) continue;
    await api(socket, 'DELETE', `/networks/${n.Id}`, left());
  }
}

/** Waits for a child process to exit; false if it did not within the time. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(t);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitExit(child, 5000);
}

/** Is pid alive? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsBelow(dir: string): string[] {
  const root = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = unescapeMount(f[4]);
    if (mp === root || mp.startsWith(root + '/')) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Lazily unmounts everything below `dir`. */
export function unmountBelow(dir: string): void {
  for (let round = 0; round < 3; round++) {
    const mps = mountsBelow(dir);
    if (!mps.length) return;
    for (const mp of mps) spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
  }
}

/** Unmounts and removes a directory tree. Never called on anything but our own temp dirs. */
export function removeTree(dir: string): void {
  if (!dir || !dir.startsWith('/tmp/')) throw new Error(`refusing to remove ${dir}`);
  unmountBelow(dir);
  for (let i = 0; i < 3; i++) {
    try {
      // chattr +i / immutable files are not expected; plain rm.
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      return;
    } catch {
      unmountBelow(dir);
    }
  }
}

/** The last `n` lines of a file (or a note that there is none). */
export function tail(file: string, n: number, fromOffset = 0): string {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(fromOffset, size - 256 * 1024);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      text = buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return `(no log at ${file})`;
  }
  const lines = text.split('\n');
  return lines.slice(-n - 1).join('\n');
}

/** Kills a list of pids (SIGKILL), ignoring ones already gone. */
export function killPids(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Pids of processes whose command line contains `needle` (used to find our own private
 * containerd/conmon by their unique temp paths). */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(pid);
    } catch {
      /* raced */
    }
  }
  return out;
}
