// Debian's real dockerd (package docker.io), started on private paths for comparison, interop
// tests and the benchmark. It starts its own containerd under the exec root. Never touches
// /var/lib/docker or /run/docker.sock. The lifecycle is daemon.ts's.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ping, releaseHostState, pidsMatching, killPids } from './daemon-common.ts';
import { startDaemonProcess, privateRoot, type DaemonProcess } from './daemon.ts';

export const DOCKERD = process.env.BERTH_TEST_DOCKERD ?? '/usr/sbin/dockerd';

/** stopDaemon() (with --live-restore) leaves containers running; stop() removes everything. */
export interface Dockerd extends DaemonProcess {
  kind: 'dockerd';
  socket: string;
  dataRoot: string;
  execRoot: string;
  env: { DOCKER_HOST: string };
}

export interface DockerdOptions {
  timeoutMs?: number;
  extraArgs?: string[];
  logLevel?: string;
  /** Give dockerd its default `bridge` network (docker0, on a private /24 so that it never
   * collides with berthd's), without NAT: containers reach each other and the host only. */
  bridge?: boolean;
  /** Let dockerd write its iptables rules (inter-network isolation, enable_icc=false), as berthd
   * always does, for the tests that check what those rules enforce. Still no NAT and no change to
   * ip_forward or the FORWARD policy (other daemons share this host); its chains and the rules for
   * its default bridge are removed again when it stops (dockerd leaves them behind). */
  iptables?: boolean;
}

/** Is dockerd installed here, and are we root? (A reason string when it can't be used.) */
export function dockerdUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'dockerd needs root';
  if (!fs.existsSync(DOCKERD)) return `${DOCKERD} is not installed (apt-get install docker.io)`;
  if (spawnSync('sh', ['-c', 'command -v containerd']).status !== 0) return 'containerd is not installed';
  return false;
}

/** The address dockerd's default bridge gets with `bridge: true` (a private /24 of its own). */
const DOCKER0_BIP = '10.250.250.1/24';

/**
 * dockerd 20.10 looks for docker0's address among its default pools before it reads --bip, and
 * fails to start when other daemons' bridges on a shared host hold them all. For a test that starts
 * dockerd with `bridge: true` and more than --bip (e.g. --ipv6), docker0 is made beforehand with the
 * --bip address. Returns whether it was made here (then the test removes it with `ip link del`).
 */
export function ensureDocker0(): boolean {
  if (fs.existsSync('/sys/class/net/docker0')) return false;
  for (const args of [['link', 'add', 'docker0', 'type', 'bridge'], ['addr', 'add', DOCKER0_BIP, 'dev', 'docker0']]) {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  }
  return true;
}

export async function startDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  const why = dockerdUnavailable();
  if (why) throw new Error(why);
  const root = privateRoot('dref-');
  const dataRoot = path.join(root, 'data');
  const execRoot = path.join(root, 'exec');
  const socket = path.join(root, 'docker.sock');
  // (mkdtemp's 0700 would keep a remapped root out: dockerd --userns-remap refuses to start unless
  // every directory above its data root lets others through, o+x)
  fs.chmodSync(root, 0o711);
  fs.mkdirSync(dataRoot);
  fs.mkdirSync(execRoot);
  // a private config file keeps /etc/docker/daemon.json out of it
  fs.writeFileSync(path.join(root, 'daemon.json'), '{}\n');
  const args = [
    '--data-root', dataRoot,
    '--exec-root', execRoot,
    '-H', `unix://${socket}`,
    '--pidfile', path.join(root, 'docker.pid'),
    ...(opts.bridge ? ['--bip', DOCKER0_BIP] : ['--bridge', 'none']),
    `--iptables=${opts.iptables === true}`,
    '--ip-masq=false',
    '--ip-forward=false',
    '--log-level', opts.logLevel ?? 'info',
    '--config-file', path.join(root, 'daemon.json'),
    ...(opts.extraArgs ?? []),
  ];
  const p = await startDaemonProcess({
    what: 'dockerd',
    root,
    binary: DOCKERD,
    args,
    logName: 'dockerd.log',
    ready: () => ping(socket),
    release: () => releaseHostState(socket),
    readyWhat: `answer /_ping on ${socket}`,
    readyTimeoutMs: opts.timeoutMs ?? 60_000,
    // dockerd stops its containers (10 s each, in parallel; not with --live-restore) and its containerd
    stopGraceMs: 30_000,
    afterKill: () => {
      // a crash leaves its containerd (a child) behind, which would block the next start; the
      // containerd shims, and so the containers, live on
      killPids(pidsMatching(`${root}/exec/containerd/containerd.toml`));
      // (a killed containerd may linger as a zombie, which dockerd would take for a live one)
      fs.rmSync(path.join(execRoot, 'containerd', 'containerd.pid'), { force: true });
    },
    cleanup: () => {
      cleanupLeftovers(root);
      if (opts.iptables) removeDockerIptables();
    },
  });
  return Object.assign(p, { kind: 'dockerd' as const, socket, dataRoot, execRoot, env: { DOCKER_HOST: `unix://${socket}` } });
}

/** Kills any containerd / shim / container process still running from this private root. */
function cleanupLeftovers(root: string): void {
  // containerd of this dockerd: its config lives under our exec root.
  const containerd = pidsMatching(`${root}/exec/containerd`);
  // shims are started with -namespace moby -address <our containerd socket>
  const shims = pidsMatching(`${root}/exec/containerd/containerd.sock`).filter((p) => !containerd.includes(p));
  // runc containers of this dockerd
  const runcRoot = path.join(root, 'exec', 'runtime-runc', 'moby');
  if (fs.existsSync(runcRoot)) {
    const list = spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' });
    for (const id of (list.stdout ?? '').split('\n').filter(Boolean)) {
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id], { stdio: 'ignore', timeout: 10_000 });
    }
  }
  killPids([...shims, ...containerd]);
}

/** Removes what a dockerd with --iptables leaves behind in the filter and nat tables: the rules
 * that jump to its DOCKER* chains or name its default bridge, then the chains. (Its user networks'
 * rules went with the networks, which releaseHostState() removes.) Only under the e2e lock, where
 * no other dockerd runs. */
function removeDockerIptables(): void {
  for (const table of ['filter', 'nat']) {
    const rules = spawnSync('iptables', ['-t', table, '-S'], { encoding: 'utf8' }).stdout ?? '';
    const chains: string[] = [];
    for (const line of rules.split('\n')) {
      const chain = /^-N (DOCKER[\w-]*)$/.exec(line);
      if (chain) chains.push(chain[1]);
      else if (/^-A /.test(line) && !/^-A DOCKER/.test(line) && /-j DOCKER|\bdocker0\b/.test(line)) {
        spawnSync('iptables', ['-t', table, '-D', ...line.slice(3).split(' ')], { stdio: 'ignore' });
      }
    }
    for (const c of chains) spawnSync('iptables', ['-t', table, '-F', c], { stdio: 'ignore' });
    for (const c of chains) spawnSync('iptables', ['-t', table, '-X', c], { stdio: 'ignore' });
  }
}

/** For scripts: start, print the socket, and wait for a signal. */
if (import.meta.main) {
  const d = await startDockerd();
  console.log(`dockerd on ${d.socket} (pid ${d.pid}); export DOCKER_HOST=${d.env.DOCKER_HOST}`);
  const stop = async () => {
    await d.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
