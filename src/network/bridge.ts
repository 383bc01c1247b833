// The bridge driver: a network's Linux bridge with its gateway address, NAT and isolation rules and
// embedded DNS; a container's endpoint on it, made and released by the CNI bridge + host-local (+ portmap)
// plugins. It knows networks, container ids and namespaces, not containers: the engine says which
// names resolve to which addresses, and which container ids still run.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';
import { systemError } from '../errdefs.ts';
import { log } from '../util/log.ts';
import { cniAdd, cniDel, type CniConfList } from './cni.ts';
import { parseCidr, ipString } from './ipam.ts';
import { parseCidr6, ip6String, isV6 } from './ipam6.ts';
import { v4Config, v6Config } from './ipam-request.ts';
import { isolateBridge, forgetBridge } from './firewall.ts';
import { PORTMAP_DEL_PLACEHOLDER, type PortMapping } from './ports.ts';
import { readLeases, reserve, leaseKey, AUX_OWNER } from './leases.ts';
import { NetworkDns, type Lookup, type Upstreams, type ReverseLookup } from './dns.ts';
import type { NetworkRecord } from './types.ts';

/** The spellings of false Go's strconv.ParseBool reads (driver options are parsed so by dockerd). */
const FALSE = ['0', 'f', 'F', 'false', 'FALSE', 'False'];

/** What a container got on a network. */
export interface Endpoint {
  ip: string;
  prefixLen: number;
  gateway: string;
  /** the IPv6 address, on a network with EnableIPv6 ('' otherwise) */
  ip6: string;
  prefixLen6: number;
  gateway6: string;
  mac: string;
}

export interface EndpointRequest {
  containerId: string;
  /** the namespace to wire ('' on release when it is gone already: only the address and rules go) */
  netns: string;
  ifName: string;
  /** fixed addresses (--ip, --ip6) */
  ip?: string;
  ip6?: string;
  /** a fixed MAC address (--mac-address) */
  mac?: string;
  /** published ports, on one endpoint of the container */
  ports?: PortMapping[];
}

export class BridgeDriver {
  private readonly dns = new NetworkDns();
  private readonly ipamDir: string;

  /** `ipamDir`: the daemon's own directory of address leases (one subdirectory per network). */
  constructor(ipamDir: string) {
    this.ipamDir = ipamDir;
  }

  /** The bridge with its gateway address, its rules and its DNS (idempotent: also after a restart). */
  async setUp(n: NetworkRecord, names: Lookup, upstreams?: Upstreams, reverse?: ReverseLookup): Promise<void> {
    const br = n.bridge!;
    const cfg = v4Config(n)!;
    const cfg6 = v6Config(n);
    const bits = parseCidr(cfg.Subnet).bits;
    // The CNI plugin would make the bridge too; DNS needs the gateway address first.
    if (!fs.existsSync(`/sys/class/net/${br}`)) await run('ip', ['link', 'add', br, 'type', 'bridge']);
    const addrs = (await run('ip', ['-o', '-4', 'addr', 'show', 'dev', br], { allowFailure: true })).stdout;
    if (!addrs.includes(` ${cfg.Gateway}/`)) await run('ip', ['addr', 'add', `${cfg.Gateway}/${bits}`, 'dev', br]);
    // the IPv6 gateway without duplicate address detection: usable at once, as dockerd sets it
    if (cfg6) await setUpV6(br, cfg6.Gateway, parseCidr6(cfg6.Subnet)!.bits);
    await run('ip', ['link', 'set', br, 'up']);
    const icc = !FALSE.includes(n.Options['com.docker.network.bridge.enable_icc'] ?? '');
    await isolateBridge(br, icc);
    if (cfg6) await isolateBridge(br, icc, 'ip6tables');
    if (!n.Internal && !FALSE.includes(n.Options['com.docker.network.bridge.enable_ip_masquerade'] ?? '')) {
      for (const [bin, subnet] of [['iptables', cfg.Subnet], ...(cfg6 ? [['ip6tables', cfg6.Subnet]] : [])] as const) {
        const rule = ['POSTROUTING', '-s', subnet, '!', '-o', br, '-j', 'MASQUERADE'];
        const has = await run(bin, ['-w', '-t', 'nat', '-C', ...rule], { allowFailure: true });
        if (has.code !== 0) await run(bin, ['-w', '-t', 'nat', '-A', ...rule], { allowFailure: true });
      }
    }
    for (const c of [cfg, cfg6]) if (c?.AuxiliaryAddresses) reserve(this.leaseDir(n), c.AuxiliaryAddresses);
    if (n.Name !== 'bridge') await this.dns.listen(cfg.Gateway, names, upstreams, reverse);
  }

  /** host-local's lease directory of a network: <dataDir>/<CNI network name>. */
  private leaseDir(n: NetworkRecord): string {
    return path.join(this.ipamDir, leaseKey(n), this.confList(n, false).name);
  }

  /** A new network's bridge (setUp); a failure undoes what it made, and leaves a bridge it found alone. */
  async create(n: NetworkRecord, names: Lookup, upstreams?: Upstreams, reverse?: ReverseLookup): Promise<void> {
    const existed = fs.existsSync(`/sys/class/net/${n.bridge}`);
    // (dockerd's words and 500: an interface of another kind is never taken over as a network's bridge)
    if (existed && !fs.existsSync(`/sys/class/net/${n.bridge}/bridge`)) throw systemError(`existing interface ${n.bridge} is not a bridge`);
    try {
      await this.setUp(n, names, upstreams, reverse);
    } catch (e) {
      if (existed) {
        this.dns.close(v4Config(n)!.Gateway);
        fs.rmSync(path.join(this.ipamDir, leaseKey(n)), { recursive: true, force: true });
      } else await this.tearDown(n).catch((err) => log.warn(`undoing the bridge of network ${n.Name}: ${err.message}`)); // the setUp error below is the one reported
      throw e;
    }
  }

  async tearDown(n: NetworkRecord): Promise<void> {
    const br = n.bridge!;
    const cfg = v4Config(n)!;
    const cfg6 = v6Config(n);
    this.dns.close(cfg.Gateway);
    await run('iptables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-s', cfg.Subnet, '!', '-o', br, '-j', 'MASQUERADE'], { allowFailure: true });
    if (cfg6) await run('ip6tables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-s', cfg6.Subnet, '!', '-o', br, '-j', 'MASQUERADE'], { allowFailure: true });
    await forgetBridge(br, !!cfg6);
    await run('ip', ['link', 'del', br], { allowFailure: true });
    fs.rmSync(path.join(this.ipamDir, leaseKey(n)), { recursive: true, force: true });
  }

  /** Take the IPv6 side off a bridge (the default bridge started without --ipv6 after a start with it). */
  async dropV6(n: NetworkRecord): Promise<void> {
    const cfg6 = v6Config(n);
    if (!cfg6) return;
    await run('ip', ['-6', 'addr', 'del', `${cfg6.Gateway}/${parseCidr6(cfg6.Subnet)!.bits}`, 'dev', n.bridge!], { allowFailure: true });
    await run('ip6tables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-s', cfg6.Subnet, '!', '-o', n.bridge!, '-j', 'MASQUERADE'], { allowFailure: true });
  }

  close(): void {
    this.dns.close();
  }

  /** The CNI chain of a network; with `withPorts`, the portmap plugin too (its ADD and its DEL both need
   * the mappings: portmap's DEL does nothing without them). */
  private confList(n: NetworkRecord, withPorts: boolean, fixed: string[] = []): CniConfList {
    const cfg = v4Config(n)!;
    const cfg6 = v6Config(n);
    const range: Record<string, string> = { subnet: cfg.Subnet, gateway: cfg.Gateway };
    if (cfg.IPRange) {
      const r = parseCidr(cfg.IPRange);
      range.rangeStart = ipString(r.base + (r.base === parseCidr(cfg.Subnet).base ? 2 : 0));
    }
    const ranges = [[range], ...(cfg6 ? [[range6(cfg6.Subnet, cfg6.Gateway, cfg6.IPRange)]] : [])];
    const routes = n.Internal ? [] : [{ dst: '0.0.0.0/0' }, ...(cfg6 ? [{ dst: '::/0' }] : [])];
    const plugins: CniConfList['plugins'] = [
      // fixed addresses (--ip, --ip6) go to host-local as args.cni.ips, one per family
      { type: 'bridge', bridge: n.bridge, isGateway: !n.Internal, ipMasq: false, hairpinMode: true, ...mtuOf(n), ...(fixed.length ? { args: { cni: { ips: fixed } } } : {}), ipam: { type: 'host-local', ranges, dataDir: path.join(this.ipamDir, leaseKey(n)), routes } },
    ];
    if (withPorts) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
    return { name: `berth-${leaseKey(n)}`, plugins };
  }

  /** Wire a container's namespace to the network: a veth on the bridge, an address, its published ports. */
  async connect(n: NetworkRecord, req: EndpointRequest): Promise<Endpoint> {
    const withPorts = !!req.ports?.length;
    const fixed = [req.ip, v6Config(n) ? req.ip6 : undefined].filter((x): x is string => !!x);
    const res = await cniAdd(this.confList(n, withPorts, fixed), {
      containerId: req.containerId,
      netns: req.netns,
      ifName: req.ifName,
      args: req.mac ? { MAC: req.mac } : undefined,
      runtimeConfig: withPorts ? { portMappings: req.ports } : undefined,
    });
    const ip = res.ips?.find((x) => !isV6(x.address));
    const ip6 = res.ips?.find((x) => isV6(x.address));
    const [addr, bits] = (ip?.address ?? '').split('/');
    const [addr6, bits6] = (ip6?.address ?? '').split('/');
    const mac = res.interfaces?.find((x) => x.sandbox)?.mac ?? '';
    await announce(n.bridge!, mac, [addr, addr6]);
    return { ip: addr ?? '', prefixLen: Number(bits ?? 0), gateway: ip?.gateway ?? '', ip6: addr6 ?? '', prefixLen6: Number(bits6 ?? 0), gateway6: ip6?.gateway ?? '', mac };
  }

  /**
   * Release what a container holds on the network: its published ports' rules (portmap finds them by
   * network and container id), its address lease and its veth (with the namespace, if it still exists).
   * `ports: 'unknown'` when the container's record is not at hand: every port rule of it goes. Idempotent.
   */
  async disconnect(n: NetworkRecord, req: Omit<EndpointRequest, 'ports' | 'ip' | 'mac'> & { ports: PortMapping[] | 'unknown' }): Promise<void> {
    const withPorts = req.ports === 'unknown' || req.ports.length > 0;
    const portMappings = req.ports === 'unknown' ? [PORTMAP_DEL_PLACEHOLDER] : req.ports;
    await cniDel(this.confList(n, withPorts), { containerId: req.containerId, netns: req.netns, ifName: req.ifName, runtimeConfig: withPorts ? { portMappings } : undefined });
  }

  /**
   * After a restart (kill -9 included): release the leases, and with them the port rules, of containers
   * that no longer run. The leases are this daemon's own (its data root), so another daemon's containers
   * on this host are never touched.
   */
  async releaseOrphans(n: NetworkRecord, running: (containerId: string) => boolean): Promise<void> {
    for (const lease of readLeases(this.leaseDir(n))) {
      if (lease.containerId === AUX_OWNER || running(lease.containerId)) continue;
      log.info(`network ${n.Name}: releasing ${lease.ip} and the ports of container ${lease.containerId.slice(0, 12)}, which no longer runs`);
      await this.disconnect(n, { containerId: lease.containerId, netns: '', ifName: lease.ifName, ports: 'unknown' }).catch((e) => log.warn(`network ${n.Name}: releasing ${lease.ip}: ${e.message}`));
    }
  }
}

/**
 * The host's neighbour entries for a new endpoint's addresses, pointed at its MAC address. An address is
 * given again soon after its last holder went (host-local hands out the same first addresses to every
 * new data root), and the host may still hold the old holder's random MAC for it as reachable, for up to
 * 45 s: the traffic of published ports (DNAT) and from the host then goes to a MAC nobody has. dockerd
 * 20.10 derived the MAC from the IPv4 address, so that a stale entry was still right; current Docker has
 * random MACs and announces each new endpoint with unsolicited ARP/NA instead (moby#48808). Here the
 * host's own entries are set (as an ARP request from the container would set them: stale, confirmed on
 * first use).
 */
async function announce(bridge: string, mac: string, addrs: (string | undefined)[]): Promise<void> {
  if (!mac) return;
  await Promise.all(
    addrs.filter((a): a is string => !!a).map((a) => run('ip', ['neigh', 'replace', a, 'lladdr', mac, 'dev', bridge, 'nud', 'stale'], { allowFailure: true })),
  );
}

/** host-local's range of an IPv6 pool; with an IPRange, from its second address (dockerd gives out a
 * range's first address last: its first container gets ::101 of fd00::100/120). */
function range6(subnet: string, gateway: string, ipRange?: string): Record<string, string> {
  const out: Record<string, string> = { subnet, gateway };
  if (ipRange) {
    const r = parseCidr6(ipRange)!;
    out.rangeStart = ip6String(r.base + 1n);
    out.rangeEnd = ip6String(r.base + (1n << BigInt(128 - r.bits)) - 1n);
  }
  return out;
}

/** The bridge's IPv6 gateway address (idempotent). */
async function setUpV6(br: string, gateway: string, bits: number): Promise<void> {
  // a bridge made with IPv6 disabled on it (sysctl default) would refuse the address
  await run('sysctl', ['-q', '-w', `net.ipv6.conf.${br}.disable_ipv6=0`], { allowFailure: true });
  const addrs = (await run('ip', ['-o', '-6', 'addr', 'show', 'dev', br], { allowFailure: true })).stdout;
  if (!addrs.includes(` ${gateway}/`)) await run('ip', ['-6', 'addr', 'add', `${gateway}/${bits}`, 'dev', br, 'nodad']);
}

/** com.docker.network.driver.mtu: the MTU of the bridge's veths (the kernel's default without it). */
function mtuOf(n: NetworkRecord): { mtu?: number } {
  const v = n.Options['com.docker.network.driver.mtu'];
  return v && Number(v) > 0 ? { mtu: Number(v) } : {};
}
