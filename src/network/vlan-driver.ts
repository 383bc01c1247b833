// The macvlan and ipvlan drivers: a network is a parent link of the host (given with -o parent, or a VLAN
// subinterface or dummy link the driver makes and later deletes, as libnetwork's drivers do); a
// container's endpoint is a macvlan/ipvlan port of that parent in its namespace, made and released by the
// CNI plugins of the same names with host-local addresses. There is no bridge, NAT or port publishing on
// these networks, and the host itself cannot reach its own macvlan ports through the parent: the
// embedded DNS is served inside each container's namespace instead (engine/netns-dns.ts).
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';
import { log } from '../util/log.ts';
import { systemError } from '../errdefs.ts';
import { cniAdd, cniDel, type CniConfList } from './cni.ts';
import { parseCidr, ipString } from './ipam.ts';
import type { PortMapping } from './ports.ts';
import { readLeases, reserve, leaseKey, AUX_OWNER } from './leases.ts';
import { vlanOptions, type VlanDriverName } from './vlan-options.ts';
import type { Endpoint, EndpointRequest } from './bridge.ts';
import type { NetworkRecord } from './types.ts';

const linkExists = (name: string) => /^[^/\0]+$/.test(name) && name !== '.' && name !== '..' && fs.existsSync(`/sys/class/net/${name}`);

/** The kernel's answer to a link type it was built without, in the words netlink gives dockerd. */
function linkError(e: Error): Error {
  return /Unknown device type|not supported/i.test(e.message) ? systemError('operation not supported', e) : e;
}

export class VlanDriver {
  private readonly ipamDir: string;

  /** `ipamDir`: the daemon's own directory of address leases (one subdirectory per network). */
  constructor(ipamDir: string) {
    this.ipamDir = ipamDir;
  }

  /** Check a new network's options against the host and the other networks (Docker's messages); the
   * choice (parent, mode, whether the driver makes the parent) goes to `n.vlan`, to be stored before create. */
  plan(n: NetworkRecord, others: NetworkRecord[]): void {
    const driver = n.Driver as VlanDriverName;
    const v = vlanOptions(driver, n.Id, n.Options, linkExists, (parent) => others.find((o) => o.Driver === driver && o.vlan?.parent === parent)?.Id);
    n.vlan = { parent: v.parent, mode: v.mode, made: !!v.make };
  }

  /**
   * Make the parent link of a planned network when it is a VLAN subinterface or a dummy (a daemon killed
   * after the record was stored makes it at setUp). A failure leaves no link behind.
   */
  async create(n: NetworkRecord): Promise<void> {
    const v = n.vlan!;
    const dot = v.parent.lastIndexOf('.');
    const make = !v.made ? undefined : v.parent.startsWith('dm-') ? { kind: 'dummy' as const } : { kind: 'vlan' as const, link: v.parent.slice(0, dot), id: Number(v.parent.slice(dot + 1)) };
    try {
      if (make?.kind === 'dummy') {
        await run('ip', ['link', 'add', v.parent, 'type', 'dummy']).catch((e) => Promise.reject(linkError(e)));
      } else if (make?.kind === 'vlan') {
        await run('ip', ['link', 'add', 'link', make.link, 'name', v.parent, 'type', 'vlan', 'id', String(make.id)]).catch((e) => Promise.reject(systemError(`failed to create ${v.parent} vlan link: ${linkError(e).message}`, e)));
      }
      if (make) await run('ip', ['link', 'set', v.parent, 'up']);
      const aux = n.IPAM.Config[0]?.AuxiliaryAddresses;
      if (aux) reserve(this.leaseDir(n), aux);
    } catch (e) {
      await this.tearDown(n).catch((err) => log.warn(`undoing network ${n.Name}: ${err.message}`)); // the error below is the one reported
      throw e;
    }
  }

  /** After a restart: the link the driver made is there again (a reboot took it), the reservations too. */
  async setUp(n: NetworkRecord): Promise<void> {
    const v = n.vlan;
    if (!v?.made || linkExists(v.parent)) return;
    const dot = v.parent.lastIndexOf('.');
    if (v.parent.startsWith('dm-')) await run('ip', ['link', 'add', v.parent, 'type', 'dummy']);
    else await run('ip', ['link', 'add', 'link', v.parent.slice(0, dot), 'name', v.parent, 'type', 'vlan', 'id', v.parent.slice(dot + 1)]);
    await run('ip', ['link', 'set', v.parent, 'up']);
  }

  /** Delete the link the driver made (only a dummy or a VLAN subinterface, never a parent it was given). */
  async tearDown(n: NetworkRecord): Promise<void> {
    if (n.vlan?.made && linkExists(n.vlan.parent)) await run('ip', ['link', 'del', n.vlan.parent], { allowFailure: true });
    fs.rmSync(path.join(this.ipamDir, leaseKey(n)), { recursive: true, force: true });
  }

  close(): void {}

  private leaseDir(n: NetworkRecord): string {
    return path.join(this.ipamDir, leaseKey(n), this.confList(n).name);
  }

  private confList(n: NetworkRecord): CniConfList {
    const cfg = n.IPAM.Config[0]!;
    const range: Record<string, string> = { subnet: cfg.Subnet, gateway: cfg.Gateway };
    if (cfg.IPRange) {
      const r = parseCidr(cfg.IPRange);
      range.rangeStart = ipString(r.base + (r.base === parseCidr(cfg.Subnet).base ? 2 : 0));
    }
    // an --internal network has no gateway in its containers (no default route), as libnetwork's Join
    const ipam = { type: 'host-local', ranges: [[range]], dataDir: path.join(this.ipamDir, leaseKey(n)), routes: n.Internal ? [] : [{ dst: '0.0.0.0/0', gw: cfg.Gateway }] };
    return { name: `berth-${leaseKey(n)}`, plugins: [{ type: n.Driver, master: n.vlan!.parent, mode: n.vlan!.mode, ipam }] };
  }

  /** A macvlan/ipvlan port of the parent in the container's namespace, with an address of the network
   * (and the MAC address asked for: the CNI macvlan plugin takes it as the MAC argument). */
  async connect(n: NetworkRecord, req: EndpointRequest): Promise<Endpoint> {
    // an ipvlan port has its parent's MAC address: dockerd's driver refuses one when the endpoint is made
    if (req.mac && n.Driver === 'ipvlan') throw systemError('ipvlan interfaces do not support custom mac address assignment');
    const args = { ...(req.ip ? { IP: req.ip } : {}), ...(req.mac ? { MAC: req.mac } : {}) };
    const res = await cniAdd(this.confList(n), { containerId: req.containerId, netns: req.netns, ifName: req.ifName, args });
    const ip = res.ips?.[0];
    const [addr, bits] = (ip?.address ?? '').split('/');
    return { ip: addr ?? '', prefixLen: Number(bits ?? 0), gateway: n.Internal ? '' : (ip?.gateway ?? ''), ip6: '', prefixLen6: 0, gateway6: '', mac: res.interfaces?.find((x) => x.sandbox)?.mac ?? '' };
  }

  /** Release the address (and the port, with the namespace if it still exists; no published ports here). Idempotent. */
  async disconnect(n: NetworkRecord, req: Omit<EndpointRequest, 'ports' | 'ip' | 'mac'> & { ports: PortMapping[] | 'unknown' }): Promise<void> {
    await cniDel(this.confList(n), { containerId: req.containerId, netns: req.netns, ifName: req.ifName });
  }

  /** After a restart (kill -9 included): release the addresses of containers that no longer run. */
  async releaseOrphans(n: NetworkRecord, running: (containerId: string) => boolean): Promise<void> {
    for (const lease of readLeases(this.leaseDir(n))) {
      if (lease.containerId === AUX_OWNER || running(lease.containerId)) continue;
      log.info(`network ${n.Name}: releasing ${lease.ip} of container ${lease.containerId.slice(0, 12)}, which no longer runs`);
      await this.disconnect(n, { containerId: lease.containerId, netns: '', ifName: lease.ifName, ports: 'unknown' }).catch((e) => log.warn(`network ${n.Name}: releasing ${lease.ip}: ${e.message}`));
    }
  }
}
