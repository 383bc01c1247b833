// Isolation between bridge networks, as Docker's DOCKER-ISOLATION-STAGE-1/2 chains: traffic that enters
// from one network's bridge and leaves through another's is dropped. The host forwards between its
// bridges otherwise, so containers on different user networks could reach each other.
import { run } from '../util/exec.ts';
import { log } from '../util/log.ts';

const STAGE1 = 'BERTH-ISOLATION-1';
const STAGE2 = 'BERTH-ISOLATION-2';

/** iptables, or ip6tables for the IPv6 side of dual-stack bridges (the same rules in both families). */
type Family = 'iptables' | 'ip6tables';

async function ipt(args: string[], bin: Family = 'iptables'): Promise<boolean> {
  const r = await run(bin, ['-w', ...args], { allowFailure: true, timeoutMs: 30_000 });
  return r.code === 0;
}

const ready = new Map<Family, Promise<void>>();

/** The two chains and the jump from FORWARD (idempotent). */
export function ensureChains(bin: Family = 'iptables'): Promise<void> {
  let p = ready.get(bin);
  if (!p) {
    p = (async () => {
      for (const c of [STAGE1, STAGE2]) if (!(await ipt(['-n', '-L', c], bin))) await ipt(['-N', c], bin);
      if (!(await ipt(['-C', 'FORWARD', '-j', STAGE1], bin))) await ipt(['-I', 'FORWARD', '1', '-j', STAGE1], bin);
    })().catch((e) => {
      ready.delete(bin);
      log.warn(`network isolation chains (${bin}): ${(e as Error).message}`);
    });
    ready.set(bin, p);
  }
  return p;
}

/** `icc: false` (com.docker.network.bridge.enable_icc=false): containers of the bridge cannot reach
 * each other either, as Docker's `-i br -o br -j DROP`. */
export async function isolateBridge(bridge: string, icc = true, bin: Family = 'iptables'): Promise<void> {
  await ensureChains(bin);
  const r1 = ['-i', bridge, '!', '-o', bridge, '-j', STAGE2];
  const r2 = ['-o', bridge, '-j', 'DROP'];
  if (!(await ipt(['-C', STAGE1, ...r1], bin))) await ipt(['-A', STAGE1, ...r1], bin);
  if (!(await ipt(['-C', STAGE2, ...r2], bin))) await ipt(['-A', STAGE2, ...r2], bin);
  const noIcc = ['-i', bridge, '-o', bridge, '-j', 'DROP'];
  if (!icc && !(await ipt(['-C', STAGE1, ...noIcc], bin))) {
    if (!(await ipt(['-A', STAGE1, ...noIcc], bin))) throw new Error(`cannot set enable_icc=false on ${bridge}`);
  }
}

/** Drop the bridge's isolation rules (`ipv6`: the ip6tables ones too). */
export async function forgetBridge(bridge: string, ipv6 = false): Promise<void> {
  for (const bin of ipv6 ? (['iptables', 'ip6tables'] as const) : (['iptables'] as const)) {
    await ipt(['-D', STAGE1, '-i', bridge, '!', '-o', bridge, '-j', STAGE2], bin);
    await ipt(['-D', STAGE2, '-o', bridge, '-j', 'DROP'], bin);
    await ipt(['-D', STAGE1, '-i', bridge, '-o', bridge, '-j', 'DROP'], bin);
  }
}
