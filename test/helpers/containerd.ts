// Debian's containerd with its CRI plugin on private paths (root, state, sockets, CNI config), the
// reference implementation the CRI e2e tests also run against (BERTH_CRI_TARGET=containerd).
// Registries on loopback are reached over plain HTTP, as berthd does, through a mirror entry each.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { criServices } from '../../src/cri/proto.ts';
import { terminate, removeTree, tail, pidsMatching, killPids } from './daemon-common.ts';

export const CONTAINERD = process.env.BERTH_TEST_CONTAINERD ?? '/usr/bin/containerd';

export interface Containerd {
  root: string;
  address: string;
  logFile: string;
  logSize(): number;
  stop(): Promise<void>;
}

export function containerdUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'containerd needs root';
  if (!fs.existsSync(CONTAINERD)) return `${CONTAINERD} not found (apt-get install containerd)`;
  if (spawnSync('sh', ['-c', 'command -v containerd-shim-runc-v2']).status !== 0) return 'containerd-shim-runc-v2 is not installed';
  return false;
}

function config(root: string, registries: string[]): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const mirrors = registries.map((h) => `[${cri}.registry.mirrors."${h}"]\n  endpoint = ["http://${h}"]\n`).join('');
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
  sandbox_image = "berth-test/pause:latest"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true
[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${root}/net.d"
${mirrors}`;
}

export async function startContainerd(o: { registries?: string[]; timeoutMs?: number } = {}): Promise<Containerd> {
  const root = fs.mkdtempSync('/tmp/ctrd-');
  fs.mkdirSync(path.join(root, 'net.d'));
  const logFile = path.join(root, 'containerd.log');
  const cfgFile = path.join(root, 'config.toml');
  fs.writeFileSync(cfgFile, config(root, o.registries ?? []));
  const out = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(CONTAINERD, ['--config', cfgFile], { stdio: ['ignore', out, out] });
  } finally {
    fs.closeSync(out);
  }
  const address = `unix://${root}/c.sock`;
  const stop = async () => {
    await terminate(child, 10_000);
    // its shims (and their containers) are found by the private socket path on their command line
    killPids(pidsMatching(root));
    removeTree(root);
  };
  try {
    await waitVersion(address, child, o.timeoutMs ?? 30_000, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { root, address, logFile, logSize: () => fs.statSync(logFile).size, stop };
}

async function waitVersion(address: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const c = new (criServices().RuntimeService)(address, grpc.credentials.createInsecure());
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`containerd exited (${child.exitCode ?? child.signalCode})\n${tail(logFile, 60)}`);
      const ok = await new Promise<boolean>((resolve) => (c as any).Version({}, { deadline: Date.now() + 2000 }, (err: unknown) => resolve(!err)));
      if (ok) return;
      await sleep(100);
    }
  } finally {
    c.close();
  }
  throw new Error(`containerd's CRI did not answer on ${address} within ${timeoutMs} ms\n${tail(logFile, 60)}`);
}
