// Networks: Docker's `bridge`, `host` and `none`, and user-defined bridge networks. A container's endpoints
// are set up by the CNI bridge + host-local (+ portmap) plugins in its network namespace once the runtime
// has created it, and torn down when it stops. State lives in the metadata store; containers keep their
// network namespace (and so their connectivity) while berthd restarts.
import fs from 'node:fs';
import path from 'node:path';
import type { MetaDB, Collection } from '../store/db.ts';
import type { EventsService } from './events.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerRecord, EndpointSettings, NetworkSettings } from './containers/record.ts';
import { conflict, invalidParameter, notFound, BerthError } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { run } from '../util/exec.ts';
import { log } from '../util/log.ts';
import { cniAdd, cniDel, type CniConfList } from '../network/cni.ts';
import { parseCidr, cidrString, pickPool, firstHost, parseIp, contains, type Cidr } from '../network/ipam.ts';
import { isolateBridge, forgetBridge } from '../network/firewall.ts';
import { allocatePorts, takenKeys, mappingsOf, PORTMAP_DEL_PLACEHOLDER, type PortMapping } from '../network/ports.ts';
import { readLeases } from '../network/leases.ts';
import { NetworkDns } from '../network/dns.ts';

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null';
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: { Subnet: string; Gateway: string; IPRange?: string }[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** the Linux bridge of a bridge network */
  bridge?: string;
}

export const BUILTIN = ['bridge', 'host', 'none'];

export interface NetworkCreateRequest {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[]; Options?: Record<string, string> };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
  CheckDuplicate?: boolean;
}

export class NetworkService {
  private readonly docs: Collection<NetworkRecord>;
  private readonly events: EventsService;
  private readonly ipamDir: string;
  private readonly dns = new NetworkDns();
  /** the containers the network service looks at (set by the container service) */
  containers: () => ContainerRecord[] = () => [];

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService }) {
    this.docs = deps.db.collection<NetworkRecord>('network');
    this.events = deps.events;
    this.ipamDir = path.join(deps.cfg.dataRoot, 'network', 'ipam');
  }

  /** The built-in networks, and every bridge network's bridge, firewall rules and DNS (after a restart too). */
  async init(): Promise<void> {
    const byName = new Map(this.docs.all().map((n) => [n.Name, n]));
    if (!byName.has('bridge')) this.save(this.record('bridge', 'bridge', { subnet: parseCidr('172.17.0.0/16'), gateway: '172.17.0.1', bridge: 'berth0', options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': 'berth0', 'com.docker.network.driver.mtu': '1500' } }));
    if (!byName.has('host')) this.save(this.record('host', 'host'));
    if (!byName.has('none')) this.save(this.record('none', 'null'));
    await Promise.all(this.docs.all().filter((n) => n.bridge).map((n) => this.setUpBridge(n).catch((e) => log.warn(`network ${n.Name}: ${e.message}`))));
  }

  close(): void {
    this.dns.close();
  }

  private save(n: NetworkRecord): void {
    this.docs.put(n.Id, n);
  }

  private record(name: string, driver: NetworkRecord['Driver'], o: { subnet?: Cidr; gateway?: string; bridge?: string; options?: Record<string, string>; internal?: boolean; labels?: Record<string, string>; attachable?: boolean; ipRange?: string } = {}): NetworkRecord {
    return {
      Name: name,
      Id: newId(),
      Created: new Date().toISOString(),
      Scope: 'local',
      Driver: driver,
      EnableIPv4: true,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: driver === 'bridge' && name !== 'bridge' ? {} : null, Config: o.subnet ? [{ Subnet: cidrString(o.subnet), Gateway: o.gateway!, ...(o.ipRange ? { IPRange: o.ipRange } : {}) }] : [] },
      Internal: !!o.internal,
      Attachable: !!o.attachable,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Options: o.options ?? {},
      Labels: o.labels ?? {},
      bridge: o.bridge,
    };
  }

  /** The bridge with its gateway address (the CNI plugin would make it too; DNS needs the address first). */
  private async setUpBridge(n: NetworkRecord): Promise<void> {
    const br = n.bridge!;
    const cfg = n.IPAM.Config[0]!;
    const bits = parseCidr(cfg.Subnet).bits;
    if (!fs.existsSync(`/sys/class/net/${br}`)) {
      await run('ip', ['link', 'add', br, 'type', 'bridge']);
    }
    const addrs = (await run('ip', ['-o', '-4', 'addr', 'show', 'dev', br], { allowFailure: true })).stdout;
    if (!addrs.includes(` ${cfg.Gateway}/`)) await run('ip', ['addr', 'add', `${cfg.Gateway}/${bits}`, 'dev', br]);
    await run('ip', ['link', 'set', br, 'up']);
    await isolateBridge(br);
    if (!n.Internal) {
      const rule = ['-t', 'nat', 'POSTROUTING', '-s', cfg.Subnet, '!', '-o', br, '-j', 'MASQUERADE'];
      const has = await run('iptables', ['-w', '-C', ...rule.slice(0, 2), ...rule.slice(2)], { allowFailure: true });
      if (has.code !== 0) await run('iptables', ['-w', '-t', 'nat', '-A', ...rule.slice(2)], { allowFailure: true });
    }
    if (n.Name !== 'bridge') await this.dns.listen(cfg.Gateway, (name) => this.resolve(n, name));
  }

  private async tearDownBridge(n: NetworkRecord): Promise<void> {
    const br = n.bridge!;
    const cfg = n.IPAM.Config[0]!;
    this.dns.close(cfg.Gateway);
    await run('iptables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-s', cfg.Subnet, '!', '-o', br, '-j', 'MASQUERADE'], { allowFailure: true });
    await forgetBridge(br);
    await run('ip', ['link', 'del', br], { allowFailure: true });
    fs.rmSync(path.join(this.ipamDir, n.Name), { recursive: true, force: true });
  }

  /** Names on a network: container names, aliases and short ids of its running containers. */
  private resolve(n: NetworkRecord, qname: string): string[] {
    const name = qname.replace(/\.$/, '');
    const out: string[] = [];
    for (const c of this.containers()) {
      const ep = c.NetworkSettings?.Networks[n.Name];
      if (!c.State.Running || !ep?.IPAddress) continue;
      const names = [c.Name.slice(1), c.Id.slice(0, 12), c.Config.Hostname ?? '', ...(ep.Aliases ?? [])].map((x) => x.toLowerCase());
      if (names.includes(name)) out.push(ep.IPAddress);
    }
    return out;
  }

  // --- lookups -------------------------------------------------------------

  all(): NetworkRecord[] {
    return this.docs.all().sort((a, b) => a.Name.localeCompare(b.Name));
  }

  find(ref: string): NetworkRecord | undefined {
    const all = this.docs.all();
    return all.find((n) => n.Id === ref) ?? all.find((n) => n.Name === ref) ?? (ref.length >= 1 ? all.filter((n) => n.Id.startsWith(ref)).at(0) : undefined);
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  /** Containers with an endpoint on n (running or not). */
  private members(n: NetworkRecord): ContainerRecord[] {
    return this.containers().filter((c) => c.NetworkSettings?.Networks[n.Name] || (c.HostConfig.NetworkMode === n.Name && !c.NetworkSettings));
  }

  inspectView(n: NetworkRecord): Record<string, unknown> {
    const { bridge: _b, ...rest } = n;
    const Containers: Record<string, unknown> = {};
    for (const c of this.members(n)) {
      const ep = c.NetworkSettings?.Networks[n.Name];
      if (!c.State.Running || !ep) continue;
      Containers[c.Id] = { Name: c.Name.slice(1), EndpointID: ep.EndpointID, MacAddress: ep.MacAddress, IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '', IPv6Address: '' };
    }
    return { ...rest, Containers };
  }

  // --- create / remove -----------------------------------------------------

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    const name = req.Name ?? '';
    if (!name) throw invalidParameter('network name is required');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidParameter(`invalid network name "${name}"`);
    const driver = req.Driver || 'bridge';
    if (BUILTIN.includes(name)) throw new BerthError('forbidden', `operation is not permitted on predefined ${name} network `);
    if (this.docs.all().some((n) => n.Name === name)) throw conflict(`network with name ${name} already exists`);
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    if (req.EnableIPv6) throw invalidParameter('IPv6 networks are not supported by Berth yet');
    const used = this.docs.all().flatMap((n) => n.IPAM.Config.map((c) => parseCidr(c.Subnet)));
    const cfgIn = req.IPAM?.Config?.[0];
    let subnet: Cidr;
    let gateway: string;
    if (cfgIn?.Subnet) {
      subnet = parseCidr(cfgIn.Subnet);
      if (subnet.bits > 30) throw invalidParameter(`invalid subnet ${cfgIn.Subnet}: too small`);
      const clash = this.docs.all().find((n) => n.IPAM.Config.some((c) => { const o = parseCidr(c.Subnet); return Math.min(o.bits, subnet.bits) >= 0 && ((o.base >>> 0) === (subnet.base >>> 0) || contains(o, subnet.base) || contains(subnet, o.base)); }));
      if (clash) throw new BerthError('forbidden', `Pool overlaps with other one on this address space`);
      gateway = cfgIn.Gateway || firstHost(subnet);
      const g = parseIp(gateway);
      if (g === undefined || !contains(subnet, g)) throw invalidParameter(`invalid gateway ${gateway}: not in subnet ${cidrString(subnet)}`);
    } else {
      if (cfgIn?.Gateway) throw invalidParameter('a gateway needs a subnet');
      subnet = pickPool(used);
      gateway = firstHost(subnet);
    }
    const n = this.record(name, 'bridge', { subnet, gateway, internal: req.Internal, attachable: req.Attachable, labels: req.Labels ?? {}, options: req.Options ?? {}, ipRange: cfgIn?.IPRange });
    n.bridge = req.Options?.['com.docker.network.bridge.name'] || `br-${n.Id.slice(0, 12)}`;
    await this.setUpBridge(n);
    this.save(n);
    this.events.publish('network', 'create', n.Id, { name: n.Name, type: n.Driver });
    return { Id: n.Id, Warning: '' };
  }

  async remove(ref: string): Promise<void> {
    const n = this.get(ref);
    if (BUILTIN.includes(n.Name)) throw new BerthError('forbidden', `${n.Name} is a pre-defined network and cannot be removed`);
    if (this.members(n).some((c) => c.State.Running || c.NetworkSettings?.Networks[n.Name])) {
      throw new BerthError('forbidden', `error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    }
    await this.tearDownBridge(n);
    this.docs.delete(n.Id);
    this.events.publish('network', 'destroy', n.Id, { name: n.Name, type: n.Driver });
  }

  async prune(labelFilter: (labels: Record<string, string>) => boolean = () => true): Promise<string[]> {
    const out: string[] = [];
    for (const n of this.docs.all()) {
      if (BUILTIN.includes(n.Name) || !labelFilter(n.Labels) || this.members(n).length) continue;
      await this.remove(n.Id).then(() => out.push(n.Name), () => {});
    }
    return out;
  }

  // --- container endpoints ---------------------------------------------------

  /** Validate a container's network mode and endpoints at create; the initial NetworkSettings. */
  settingsFor(mode: string, endpoints: Record<string, { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string } | null }> | undefined, exposed: Record<string, object> | null | undefined): NetworkSettings | undefined {
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
      return mode === 'none' || mode === 'host' ? { Networks: { [mode]: this.emptyEndpoint(this.get(mode)) }, Ports: {} } : undefined;
    }
    const n = this.get(mode);
    const ep = this.emptyEndpoint(n);
    const req = endpoints?.[mode] ?? endpoints?.[n.Id];
    if (req?.Aliases?.length) ep.Aliases = [...req.Aliases];
    if (req?.IPAMConfig?.IPv4Address) {
      if (n.Name === 'bridge') throw invalidParameter('user specified IP address is supported on user defined networks only');
      const ip = parseIp(req.IPAMConfig.IPv4Address);
      if (ip === undefined || !contains(parseCidr(n.IPAM.Config[0]!.Subnet), ip)) throw invalidParameter(`no configured subnet or ip-range contain the IP address ${req.IPAMConfig.IPv4Address}`);
      ep.IPAMConfig = { IPv4Address: req.IPAMConfig.IPv4Address };
    }
    const ports: Record<string, null> = {};
    for (const k of Object.keys(exposed ?? {})) ports[k] = null;
    return { Networks: { [n.Name]: ep }, Ports: ports };
  }

  private emptyEndpoint(n: NetworkRecord): EndpointSettings {
    return { IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', NetworkID: n.Id, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, DNSNames: null };
  }

  /** The CNI chain of a network; with `withPorts`, the portmap plugin too (its ADD and DEL both need the
   * mappings: portmap's DEL does nothing without them). */
  private confList(n: NetworkRecord, withPorts: boolean): CniConfList {
    const cfg = n.IPAM.Config[0]!;
    const range: Record<string, string> = { subnet: cfg.Subnet, gateway: cfg.Gateway };
    if (cfg.IPRange) {
      const r = parseCidr(cfg.IPRange);
      range.rangeStart = `${(r.base >>> 24)}.${(r.base >>> 16) & 255}.${(r.base >>> 8) & 255}.${(r.base & 255) + (r.base === parseCidr(cfg.Subnet).base ? 2 : 0)}`;
    }
    const plugins: CniConfList['plugins'] = [
      { type: 'bridge', bridge: n.bridge, isGateway: !n.Internal, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local', ranges: [[range]], dataDir: path.join(this.ipamDir, n.Name), routes: n.Internal ? [] : [{ dst: '0.0.0.0/0' }] } },
    ];
    if (withPorts) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
    return { name: `berth-${n.Name}`, plugins };
  }

  /** Release what a container holds on a network without its record: its address lease, its published
   * ports' rules (portmap finds them by network and container id; the mapping given only makes its DEL
   * run) and the host end of its veth (with the netns, when it still exists). Idempotent. */
  private async release(n: NetworkRecord, containerId: string, ifName: string, netns: string, mappings: PortMapping[] | 'unknown'): Promise<void> {
    const withPorts = mappings === 'unknown' || mappings.length > 0;
    const portMappings = mappings === 'unknown' ? [PORTMAP_DEL_PLACEHOLDER] : mappings;
    await cniDel(this.confList(n, withPorts), { containerId, netns, ifName, runtimeConfig: withPorts ? { portMappings } : undefined });
  }

  /**
   * After a restart (kill -9 included): release the address leases, and with them the port rules, of
   * containers that are gone or not running. A lease is this daemon's own record (its IPAM directory),
   * so another daemon's containers on this host are never touched. Run before containers start.
   */
  async releaseOrphans(): Promise<void> {
    const live = new Set(this.containers().filter((c) => c.State.Running).map((c) => c.Id));
    for (const n of this.docs.all().filter((x) => x.bridge)) {
      for (const lease of readLeases(path.join(this.ipamDir, n.Name, this.confList(n, false).name))) {
        if (live.has(lease.containerId)) continue;
        log.info(`network ${n.Name}: releasing ${lease.ip} and the ports of container ${lease.containerId.slice(0, 12)}, which no longer runs`);
        await this.release(n, lease.containerId, lease.ifName, '', 'unknown').catch((e) => log.warn(`network ${n.Name}: releasing ${lease.ip}: ${e.message}`));
      }
    }
  }

  /** Whether the container has endpoints on networks that need wiring (not host, none, container:). */
  hasEndpoints(c: ContainerRecord): boolean {
    return Object.keys(c.NetworkSettings?.Networks ?? {}).some((k) => !['host', 'none'].includes(k));
  }

  /** Connect a created (not yet started) container's network namespace to its networks. */
  async attach(c: ContainerRecord, netnsPath: string): Promise<void> {
    const ns = c.NetworkSettings;
    if (!ns) return;
    const names = Object.keys(ns.Networks).filter((k) => !['host', 'none'].includes(k));
    if (!names.length) return;
    const taken = new Set(this.containers().filter((o) => o.Id !== c.Id && o.State.Running).flatMap((o) => takenKeys(o.NetworkSettings?.Ports)));
    const { mappings, ports } = await allocatePorts(c.HostConfig.PortBindings as never, c.Config.ExposedPorts, !!c.HostConfig.PublishAllPorts, taken, `${c.Name.slice(1)} (${c.Id.slice(0, 12)})`);
    const done: string[] = [];
    try {
      for (const [i, name] of names.entries()) {
        const n = this.get(name);
        const ep = ns.Networks[name]!;
        const withPorts = i === 0 && mappings.length > 0;
        ep.ifName = `eth${i}`;
        const res = await cniAdd(this.confList(n, withPorts), {
          containerId: c.Id,
          netns: netnsPath,
          ifName: ep.ifName,
          args: ep.IPAMConfig?.IPv4Address ? { IP: ep.IPAMConfig.IPv4Address } : undefined,
          runtimeConfig: withPorts ? { portMappings: mappings } : undefined,
        });
        done.push(name);
        const ip = res.ips?.[0];
        const iface = res.interfaces?.find((x) => x.sandbox);
        const [addr, bits] = (ip?.address ?? '').split('/');
        Object.assign(ep, { IPAddress: addr ?? '', IPPrefixLen: Number(bits ?? 0), Gateway: ip?.gateway ?? '', MacAddress: iface?.mac ?? '', EndpointID: newId(), NetworkID: n.Id });
        if (n.Name !== 'bridge') ep.DNSNames = [c.Name.slice(1), c.Id.slice(0, 12), ...(ep.Aliases ?? [])];
      }
      ns.Ports = ports;
    } catch (e) {
      await this.detach(c, done).catch(() => {});
      throw e;
    }
  }

  /** Undo attach (the namespace may be gone already: DEL then only frees the address and the rules). */
  async detach(c: ContainerRecord, only?: string[], netns = ''): Promise<void> {
    const ns = c.NetworkSettings;
    if (!ns) return;
    const names = Object.keys(ns.Networks).filter((k) => !['host', 'none'].includes(k));
    const mappings = mappingsOf(ns.Ports);
    for (const [i, name] of names.entries()) {
      if (only && !only.includes(name)) continue;
      const n = this.find(name);
      const ep = ns.Networks[name]!;
      if (n) await this.release(n, c.Id, ep.ifName ?? `eth${i}`, netns, mappings).catch((e) => log.warn(`network teardown ${c.Id.slice(0, 12)} on ${name}: ${e.message}`));
      Object.assign(ep, { IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '', EndpointID: '', DNSNames: null });
    }
    for (const k of Object.keys(ns.Ports)) ns.Ports[k] = null;
  }

  /** docker network connect: a new endpoint, set up at once when the container runs (netns given). */
  async connect(c: ContainerRecord, ref: string, cfg: { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string } }, netns?: string): Promise<void> {
    const n = this.get(ref);
    const mode = c.HostConfig.NetworkMode ?? 'bridge';
    if (mode === 'host' || n.Driver === 'host') throw new BerthError('forbidden', 'container cannot be disconnected from host network or connected to host network');
    if (mode === 'none' || mode.startsWith('container:') || n.Driver === 'null') throw new BerthError('forbidden', 'container sharing network namespace with another container or host cannot be connected to any other network');
    const ns = (c.NetworkSettings ??= { Networks: {}, Ports: {} });
    if (ns.Networks[n.Name]) throw new BerthError('forbidden', `endpoint with name ${c.Name.slice(1)} already exists in network ${n.Name}`);
    const ep = this.settingsFor(n.Name, { [n.Name]: cfg }, undefined)!.Networks[n.Name]!;
    ns.Networks[n.Name] = ep;
    if (!netns) return;
    const used = new Set(Object.values(ns.Networks).map((e) => e.ifName));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    ep.ifName = `eth${i}`;
    try {
      const res = await cniAdd(this.confList(n, false), { containerId: c.Id, netns, ifName: ep.ifName, args: ep.IPAMConfig?.IPv4Address ? { IP: ep.IPAMConfig.IPv4Address } : undefined });
      const ip = res.ips?.[0];
      const [addr, bits] = (ip?.address ?? '').split('/');
      Object.assign(ep, { IPAddress: addr ?? '', IPPrefixLen: Number(bits ?? 0), Gateway: ip?.gateway ?? '', MacAddress: res.interfaces?.find((x) => x.sandbox)?.mac ?? '', EndpointID: newId(), DNSNames: [c.Name.slice(1), c.Id.slice(0, 12), ...(ep.Aliases ?? [])] });
    } catch (e) {
      delete ns.Networks[n.Name];
      throw e;
    }
    this.events.publish('network', 'connect', n.Id, { container: c.Id, name: n.Name, type: n.Driver });
  }

  async disconnect(c: ContainerRecord, ref: string, running: boolean): Promise<void> {
    const n = this.get(ref);
    const ep = c.NetworkSettings?.Networks[n.Name];
    if (!ep) throw new BerthError('forbidden', `container ${c.Id} is not connected to network ${n.Name}`);
    if (n.Driver === 'host' || n.Driver === 'null') throw new BerthError('forbidden', 'container cannot be disconnected from host network or connected to host network');
    if (running) await this.detach(c, [n.Name], c.State.Pid ? `/proc/${c.State.Pid}/ns/net` : '');
    delete c.NetworkSettings!.Networks[n.Name];
    this.events.publish('network', 'disconnect', n.Id, { container: c.Id, name: n.Name, type: n.Driver });
  }

  /** /etc/resolv.conf's nameserver for a container on a user network (this network's DNS), if any. */
  dnsServerFor(c: ContainerRecord): string | undefined {
    for (const [name, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      if (name !== 'bridge' && ep.Gateway) return ep.Gateway;
    }
    return undefined;
  }
}
