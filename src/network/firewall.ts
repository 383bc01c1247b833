// Isolation between bridge networks, as Docker's DOCKER-ISOLATION-STAGE-1/2 chains: traffic that enters
// from one network's bridge and leaves through another's is dropped. The host forwards between its
// bridges otherwise, so containers on different user networks could reach each other.
import { run } from '../util/exec.ts';
import { log } from '../util/log.ts';

const STAGE1 = 'BERTH-ISOLATION-1';
const STAGE2 = 'BERTH-ISOLATION-2';

async function ipt(args: string[]): Promise<boolean> {
  const r = await run('iptables', ['-w', ...args], { allowFailure: true, timeoutMs: 30_000 });
  return r.code === 0;
}

let ready: Promise<void> | undefined;

/** The two chains and the jump from FORWARD (idempotent). */
export function ensureChains(): Promise<void> {
  ready ??= (async () => {
    for (const c of [STAGE1, STAGE2]) if (!(await ipt(['-n', '-L', c]))) await ipt(['-N', c]);
    if (!(await ipt(['-C', 'FORWARD', '-j', STAGE1]))) await ipt(['-I', 'FORWARD', '1', '-j', STAGE1]);
  })().catch((e) => {
    ready = undefined;
    log.warn(`network isolation chains: ${(e as Error).message}`);
  });
  return ready;
}

/** `icc: false` (com.docker.network.bridge.enable_icc=false): containers of the bridge cannot reach
 * each other either, as Docker's `-i br -o br -j DROP`. */
export async function isolateBridge(bridge: string, icc = true): Promise<void> {
  await ensureChains();
  const r1 = ['-i', bridge, '!', '-o', bridge, '-j', STAGE2];
  const r2 = ['-o', bridge, '-j', 'DROP'];
  if (!(await ipt(['-C', STAGE1, ...r1]))) await ipt(['-A', STAGE1, ...r1]);
  if (!(await ipt(['-C', STAGE2, ...r2]))) await ipt(['-A', STAGE2, ...r2]);
  const noIcc = ['-i', bridge, '-o', bridge, '-j', 'DROP'];
  if (!icc && !(await ipt(['-C', STAGE1, ...noIcc]))) {
    if (!(await ipt(['-A', STAGE1, ...noIcc]))) throw new Error(`cannot set enable_icc=false on ${bridge}`);
  }
}

export async function forgetBridge(bridge: string): Promise<void> {
  await ipt(['-D', STAGE1, '-i', bridge, '!', '-o', bridge, '-j', STAGE2]);
  await ipt(['-D', STAGE2, '-o', bridge, '-j', 'DROP']);
  await ipt(['-D', STAGE1, '-i', bridge, '-o', bridge, '-j', 'DROP']);
}
