// Test helper: a busybox root filesystem in a temporary directory, and RunSpecs for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { RunSpec } from '../../../src/runtime/types.ts';

export function makeBusyboxRootfs(dir: string): string {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/user']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) {
    const p = path.join(rootfs, 'bin', a);
    if (!fs.existsSync(p)) fs.symlinkSync('busybox', p);
  }
  fs.writeFileSync(
    path.join(rootfs, 'etc/passwd'),
    ['root:x:0:0:root:/root:/bin/sh', 'daemon:x:1:1:daemon:/usr/sbin:/bin/false', 'user:x:1000:1000:User:/home/user:/bin/sh', 'nobody:x:65534:65534:nobody:/home:/bin/false', ''].join('\n'),
  );
  fs.writeFileSync(
    path.join(rootfs, 'etc/group'),
    ['root:x:0:', 'daemon:x:1:', 'wheel:x:10:root', 'audio:x:29:user', 'video:x:44:user,root', 'user:x:1000:', 'nogroup:x:65534:', ''].join('\n'),
  );
  return rootfs;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

let counter = 0;

export function testId(): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return hex(56) + (counter++).toString(16).padStart(8, '0');
}

export function runSpec(base: string, rootfs: string, over: Partial<RunSpec> = {}): RunSpec {
  const id = over.id ?? testId();
  return {
    id,
    rootfs,
    stateDir: path.join(base, 'containers', id),
    logPath: path.join(base, 'logs', id, 'container.log'),
    args: ['true'],
    env: [],
    cwd: '/',
    user: '',
    tty: false,
    openStdin: false,
    stdinOnce: false,
    hostname: id.slice(0, 12),
    readonlyRootfs: false,
    network: 'none',
    mounts: [],
    privileged: false,
    capAdd: [],
    capDrop: [],
    ulimits: [],
    shmSize: 64 * 1024 * 1024,
    securityOpt: [],
    sysctls: {},
    resources: {},
    ...over,
  };
}
