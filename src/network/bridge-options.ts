// The bridge driver's options dockerd parses at network create (com.docker.network.bridge.*, driver.mtu):
// a value it cannot use is refused as dockerd's parser refuses it; the default host address of published
// ports is applied to a container's bindings.
import { forbidden, invalidParameter } from '../errdefs.ts';
import { parseIp } from './ipam.ts';
import type { NetworkRecord, PortBinding } from './types.ts';

/** A binding without a host address takes the network's com.docker.network.bridge.host_binding_ipv4. */
export function withHostBinding(bindings: Record<string, PortBinding[] | null> | null | undefined, n: NetworkRecord | undefined): Record<string, PortBinding[] | null> | null | undefined {
  const ip = n?.Options['com.docker.network.bridge.host_binding_ipv4'];
  if (!bindings || !ip || ip === '0.0.0.0') return bindings;
  return Object.fromEntries(Object.entries(bindings).map(([k, list]) => [k, (list?.length ? list : [{ HostIp: '', HostPort: '' }]).map((b) => (b.HostIp ? b : { ...b, HostIp: ip }))]));
}

/** The bridge driver's options Berth reads: a value it cannot use is refused, as dockerd's parser does. */
export function checkDriverOptions(o: Record<string, string>): void {
  const mtu = o['com.docker.network.driver.mtu'];
  if (mtu !== undefined && !/^\d+$/.test(mtu)) throw invalidParameter(`strconv.Atoi: parsing "${mtu}": invalid syntax`);
  for (const k of ['com.docker.network.bridge.enable_ip_masquerade', 'com.docker.network.bridge.enable_icc']) {
    const v = o[k];
    if (v !== undefined && !['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False', 'T', 'F'].includes(v)) throw invalidParameter(`strconv.ParseBool: parsing "${v}": invalid syntax`);
  }
  const hb = o['com.docker.network.bridge.host_binding_ipv4'];
  if (hb !== undefined && parseIp(hb) === undefined) throw invalidParameter(`failed to parse default binding IP ${hb}`);
}

/** Two networks on one Linux bridge are refused, as dockerd's bridge driver refuses them (its words). */
export function checkBridgeName(n: NetworkRecord, others: NetworkRecord[]): void {
  const same = others.find((o) => o.bridge === n.bridge && o.Id !== n.Id);
  if (same) throw forbidden(`cannot create network ${n.Id} (${n.bridge}): conflicts with network ${same.Id} (${same.bridge}): networks have same bridge name`);
}
