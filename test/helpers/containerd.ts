// Debian's containerd with its CRI plugin on private paths (root, state, sockets, CNI config), the
// reference implementation the CRI e2e tests also run against (BERTH_CRI_TARGET=containerd).
// Registries on loopback are reached over plain HTTP, as berthd does, through a mirror entry each.
// The lifecycle is daemon.ts's.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { criServices } from '../../src/cri/proto.ts';
import { pidsMatching, killPids } from './daemon-common.ts';
import { startDaemonProcess, privateRoot, type DaemonProcess } from './daemon.ts';
import { dockerArchive, busyboxEntries, testCacheDir } from './images.ts';

/** The pod network of the test's containerd: a bridge of its own (removed by stop()). */
export const CRI_TEST_BRIDGE = 'crit0';
const CRI_TEST_SUBNET = '10.222.0.0/24';
/** containerd's sandbox image, imported from a local archive (nothing can be pulled here) */
const PAUSE = 'docker.io/berth-test/pause:latest';

export const CONTAINERD = process.env.BERTH_TEST_CONTAINERD ?? '/usr/bin/containerd';

export interface Containerd extends DaemonProcess {
  address: string;
}

export function containerdUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'containerd needs root';
  if (!fs.existsSync(CONTAINERD)) return `${CONTAINERD} not found (apt-get install containerd)`;
  if (spawnSync('sh', ['-c', 'command -v containerd-shim-runc-v2']).status !== 0) return 'containerd-shim-runc-v2 is not installed';
  return false;
}

/** `registries`: loopback hosts reached over HTTP, or NAME=http://ENDPOINT to serve a registry's name from elsewhere */
function config(root: string, registries: string[], streamIdleTimeout?: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const mirror = (r: string) => (r.includes('=') ? (r.split('=', 2) as [string, string]) : [r, `http://${r}`]);
  const mirrors = registries.map((r) => mirror(r)).map(([h, url]) => `[${cri}.registry.mirrors."${h}"]\n  endpoint = ["${url}"]\n`).join('');
  return `version = 2
root = "${root}/root"
state = "${root}/state"
[grpc]
  address = "${root}/c.sock"
[ttrpc]
  address = "${root}/c.sock.ttrpc"
[debug]
  level = "debug"
[plugins."io.containerd.internal.v1.opt"]
  path = "${root}/opt"
[${cri}]
  sandbox_image = "${PAUSE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
${streamIdleTimeout ? `  stream_idle_timeout = "${streamIdleTimeout}"\n` : ''}  restrict_oom_score_adj = true
[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${root}/net.d"
${mirrors}`;
}

export async function startContainerd(o: { registries?: string[]; timeoutMs?: number; streamIdleTimeout?: string } = {}): Promise<Containerd> {
  const root = privateRoot('ctrd-');
  fs.mkdirSync(path.join(root, 'net.d'));
  fs.writeFileSync(
    path.join(root, 'net.d', '10-crit.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'crit',
      plugins: [
        { type: 'bridge', bridge: CRI_TEST_BRIDGE, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: CRI_TEST_SUBNET }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(root, 'ipam') } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }),
  );
  const cfgFile = path.join(root, 'config.toml');
  fs.writeFileSync(cfgFile, config(root, o.registries ?? [], o.streamIdleTimeout));
  const address = `unix://${root}/c.sock`;
  const p = await startDaemonProcess({
    what: 'containerd',
    root,
    binary: CONTAINERD,
    args: ['--config', cfgFile],
    logName: 'containerd.log',
    ready: () => answersVersion(address),
    readyWhat: `answer the CRI's Version on ${address}`,
    readyTimeoutMs: o.timeoutMs ?? 30_000,
    stopGraceMs: 10_000,
    cleanup: () => {
      // its shims (and their containers) are found by the private socket path on their command line
      killPids(pidsMatching(root));
      spawnSync('ip', ['link', 'del', CRI_TEST_BRIDGE], { stdio: 'ignore' });
    },
  });
  try {
    const archive = await dockerArchive(path.join(testCacheDir(), 'cri-pause.docker.tar'), { tags: [PAUSE], layers: [busyboxEntries()], cmd: ['sleep', 'inf'] });
    const r = spawnSync('ctr', ['-a', `${root}/c.sock`, '-n', 'k8s.io', 'images', 'import', archive.file], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`ctr images import: ${r.stderr}`);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return Object.assign(p, { address });
}

/** One CRI Version call: does containerd's CRI answer yet? */
async function answersVersion(address: string): Promise<boolean> {
  const c = new (criServices().RuntimeService)(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<boolean>((resolve) => (c as any).Version({}, { deadline: Date.now() + 2000 }, (err: unknown) => resolve(!err)));
  } finally {
    c.close();
  }
}
