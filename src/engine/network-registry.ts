// The networks themselves: Docker's `bridge`, `host` and `none`, and user-defined bridge, macvlan and
// ipvlan networks, as records in the metadata store, with their events; created, inspected, removed and
// pruned here, their bridges, firewall rules and DNS set up again after a restart. Containers' endpoints
// on them are networks.ts (NetworkService extends this).
import path from 'node:path';
import type { MetaDB, Collection } from '../store/db.ts';
import type { EventsService } from '../events/bus.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerRecord, NetworkSettings } from './containers/record.ts';
import type { NetworkRecord, IpamConfig } from '../network/types.ts';
import { invalidParameter, notFound, BerthError } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { ipamConfigs, v6Config, type V6Defaults } from '../network/ipam-request.ts';
import { isV6, ulaPool, hostNameservers6, contains6, parseCidr6, parseIp6 } from '../network/ipam6.ts';
import { BridgeDriver } from '../network/bridge.ts';
import { LoopbackProxies } from '../network/loopback-proxy.ts';
import { VlanDriver } from '../network/vlan-driver.ts';
import { planCreate, checkConfigInUse, type NetworkCreateRequest } from '../network/create-request.ts';
import { checkDriverOptions, checkBridgeName } from '../network/bridge-options.ts';
import { NetnsDns } from './netns-dns.ts';

export type { NetworkRecord, NetworkCreateRequest };

export const BUILTIN = ['bridge', 'host', 'none'];

export class NetworkRegistry {
  protected readonly docs: Collection<NetworkRecord>;
  protected readonly events: EventsService;
  private readonly bridges: BridgeDriver;
  protected readonly proxies = new LoopbackProxies();
  private readonly cfg: DaemonConfig;
  private readonly vlans: VlanDriver;
  /** the containers the network service looks at (set by the container service) */
  containers: () => ContainerRecord[] = () => [];
  /** the embedded DNS in the namespace of containers on macvlan/ipvlan networks */
  protected readonly netnsDns = new NetnsDns({ find: (ref) => this.find(ref), containers: () => this.containers(), resolve: (n, name, client) => this.resolve(n, name, client), nameOf: (n, ip) => this.nameOf(n, ip) });

  /** the daemon's id, from which its default IPv6 pool (a ULA prefix) is derived, as dockerd derives it */
  private readonly hostId: string;
  /** bridge networks whose bridge is being made, not yet in the store */
  private readonly creating = new Set<NetworkRecord>();

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService; hostId: string }) {
    this.docs = deps.db.collection<NetworkRecord>('network');
    this.hostId = deps.hostId;
    this.events = deps.events;
    this.cfg = deps.cfg;
    this.bridges = new BridgeDriver(path.join(deps.cfg.dataRoot, 'network', 'ipam'));
    this.vlans = new VlanDriver(path.join(deps.cfg.dataRoot, 'network', 'ipam'));
  }

  /** The built-in networks, and every bridge network's bridge, firewall rules and DNS (after a restart too). */
  async init(): Promise<void> {
    const byName = new Map(this.docs.all().map((n) => [n.Name, n]));
    if (!byName.has('bridge')) this.save(this.record('bridge', 'bridge', { pools: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }], bridge: 'berth0', options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': 'berth0', 'com.docker.network.driver.mtu': '1500' } }));
    await this.defaultBridgeV6(this.get('bridge'));
    if (!byName.has('host')) this.save(this.record('host', 'host'));
    if (!byName.has('none')) this.save(this.record('none', 'null'));
    await Promise.all(this.docs.all().filter((n) => n.bridge || n.vlan).map((n) => (n.vlan ? this.vlans.setUp(n) : this.bridges.setUp(n, (name, client) => this.resolve(n, name, client), (ip) => this.dnsServersOf(n, ip), (ip) => this.nameOf(n, ip))).catch((e) => log.warn(`network ${n.Name}: ${e.message}`))));
  }

  /** The default bridge's IPv6 pool follows --ipv6/--fixed-cidr-v6 at each start (--ipv6 alone: a /64 of
   * the default IPv6 pool, kept from one start to the next while it is one): a changed or dropped one
   * gives up its gateway address and NAT rule first. */
  private async defaultBridgeV6(n: NetworkRecord): Promise<void> {
    const had = v6Config(n);
    const fromDefaults = (s: string) => this.v6Defaults().pools.some((p) => contains6(p.base, parseCidr6(s)!.base) && parseCidr6(s)!.bits === p.size);
    const want = !this.cfg.ipv6 ? undefined : (this.cfg.fixedCidrV6 ?? (had && fromDefaults(had.Subnet) ? had.Subnet : 'pick'));
    if (had?.Subnet === want && n.EnableIPv6 === !!want) return;
    if (had) await this.bridges.dropV6(n);
    const others = this.pooled().filter((o) => o.Id !== n.Id);
    const v4 = n.IPAM.Config.filter((c) => !isV6(c.Subnet));
    const pools = want ? ipamConfigs('bridge', want === 'pick' ? v4 : [...v4, { Subnet: want }], true, others, undefined, this.v6Defaults()) : v4;
    this.save({ ...n, EnableIPv6: !!want, IPAM: { ...n.IPAM, Config: pools } });
  }

  /** The networks that exist or are being made (their names and pools taken). */
  private known(): NetworkRecord[] {
    return [...this.docs.all(), ...this.creating];
  }

  /** The default IPv6 pools of this daemon (read at each use: the host's nameservers may change). */
  private v6Defaults(): V6Defaults {
    return { pools: [ulaPool(this.hostId)], reserved: hostNameservers6() };
  }

  close(): void {
    this.bridges.close();
    this.netnsDns.closeAll();
    this.proxies.closeAll();
  }

  /** The driver that wires containers to n (none for host and none). */
  protected driver(n: NetworkRecord): BridgeDriver | VlanDriver | undefined {
    return n.vlan ? this.vlans : n.bridge ? this.bridges : undefined;
  }

  private save(n: NetworkRecord): void {
    this.docs.put(n.Id, n);
  }

  private record(name: string, driver: NetworkRecord['Driver'], o: { pools?: IpamConfig[]; ipv6?: boolean; bridge?: string; options?: Record<string, string>; internal?: boolean; labels?: Record<string, string>; attachable?: boolean; ipamOptions?: Record<string, string> | null; configOnly?: boolean; configFrom?: string } = {}): NetworkRecord {
    return {
      Name: name,
      Id: newId(),
      Created: new Date().toISOString(),
      Scope: 'local',
      Driver: driver,
      EnableIPv4: true,
      EnableIPv6: !!o.ipv6,
      IPAM: { Driver: 'default', Options: o.ipamOptions ?? null, Config: o.pools ?? [] },
      Internal: !!o.internal,
      Attachable: !!o.attachable,
      Ingress: false,
      ConfigFrom: { Network: o.configFrom ?? '' },
      ConfigOnly: !!o.configOnly,
      Options: o.options ?? {},
      Labels: o.labels ?? {},
      bridge: o.bridge,
    };
  }

  /** Names on a network: container names, aliases and short ids of its running containers; and for the
   * container asking (at `client`), the aliases of its links on n ("target:alias"). */
  private resolve(n: NetworkRecord, qname: string, client?: string): string[] {
    const name = qname.replace(/\.$/, '');
    // the asker may not be marked running yet: its process asks as soon as runc has started it
    const holders = client ? this.containers().filter((c) => c.NetworkSettings?.Networks[n.Name]?.IPAddress === client) : [];
    const asker = holders.find((c) => c.State.Running) ?? holders[0];
    const link = asker?.NetworkSettings?.Networks[n.Name]?.Links?.map((l) => l.split(':')).find(([, alias]) => alias?.toLowerCase() === name);
    if (link) return this.resolve(n, link[0]!.replace(/^\//, '').toLowerCase());
    const out: string[] = [];
    for (const c of this.containers()) {
      const ep = c.NetworkSettings?.Networks[n.Name];
      if (!c.State.Running || !ep?.IPAddress) continue;
      const names = [c.Name.slice(1), c.Id.slice(0, 12), c.Config.Hostname ?? '', ...(ep.Aliases ?? [])].map((x) => x.toLowerCase());
      if (names.includes(name)) out.push(ep.IPAddress, ...(ep.GlobalIPv6Address ? [ep.GlobalIPv6Address] : []));
    }
    return out;
  }

  /** The name of the running container at `ip` on n, as dockerd's embedded DNS answers a reverse
   * look-up: "<container name>.<network name>" (ResolveIP); undefined for another address. */
  nameOf(n: NetworkRecord, ip: string): string | undefined {
    const v6 = parseIp6(ip);
    const c = this.containers().find((x) => {
      const ep = x.State.Running ? x.NetworkSettings?.Networks[n.Name] : undefined;
      return !!ep && (v6 === undefined ? ep.IPAddress === ip : !!ep.GlobalIPv6Address && parseIp6(ep.GlobalIPv6Address) === v6);
    });
    return c && `${c.Name.slice(1)}.${n.Name}`;
  }

  /** The --dns servers of the running container at `ip` on n: the embedded DNS forwards its queries there. */
  private dnsServersOf(n: NetworkRecord, ip: string): string[] {
    const c = this.containers().find((x) => x.State.Running && x.NetworkSettings?.Networks[n.Name]?.IPAddress === ip);
    return c?.HostConfig.Dns ?? [];
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
    const Containers: Record<string, unknown> = {};
    for (const c of this.members(n)) {
      const ep = c.NetworkSettings?.Networks[n.Name];
      if (!c.State.Running || !ep) continue;
      Containers[c.Id] = { Name: c.Name.slice(1), EndpointID: ep.EndpointID, MacAddress: ep.MacAddress, IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '', IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '' };
    }
    // Go's struct order (network.Inspect: Containers before Options and Labels; IPAMConfig: IPRange before Gateway)
    const IPAM = { ...n.IPAM, Config: n.IPAM.Config.map((c) => ({ Subnet: c.Subnet, IPRange: c.IPRange, Gateway: c.gatewayImplicit ? undefined : c.Gateway, AuxiliaryAddresses: c.AuxiliaryAddresses })) };
    const { Name, Id, Created, Scope, Driver, EnableIPv4, EnableIPv6, Internal, Attachable, Ingress, ConfigFrom, ConfigOnly, Options, Labels } = n;
    return { Name, Id, Created, Scope, Driver, EnableIPv4, EnableIPv6, IPAM, Internal, Attachable, Ingress, ConfigFrom, ConfigOnly, Containers, Options, Labels };
  }

  // --- create / remove -----------------------------------------------------

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    const plan = planCreate(req, this.known());
    const { name, driver } = plan;
    const n = this.record(name, driver, { ipv6: plan.enableIPv6, internal: plan.internal, attachable: plan.attachable, labels: plan.labels, options: plan.options, ipamOptions: plan.ipamOptions, configOnly: plan.configOnly, configFrom: plan.configFrom });
    if (plan.configOnly) {
      // a configuration for other networks (--config-from): no pool is taken and nothing is made; its pools
      // are read now (as dockerd decodes them) so that a network made from it can use them
      ipamConfigs(name, plan.pools, plan.enableIPv6, [], [], this.v6Defaults());
      n.IPAM.Config = (plan.pools ?? []).map((c) => ({ ...c }) as IpamConfig);
      this.save(n);
      this.events.publish('network', 'create', n.Id, { name: n.Name, type: n.Driver });
      return { Id: n.Id, Warning: '' };
    }
    // (the macvlan/ipvlan drivers are wired for IPv4 only: refused rather than made v4-only silently)
    if (driver !== 'bridge' && (plan.enableIPv6 || plan.pools?.some((c) => c.Subnet?.includes(':')))) throw invalidParameter(`IPv6 on ${driver} networks is not supported by Berth yet`);
    if (driver === 'bridge') checkDriverOptions(plan.options);
    n.IPAM.Config = ipamConfigs(name, plan.pools, plan.enableIPv6, this.pooled(), undefined, this.v6Defaults());
    if (driver === 'bridge') {
      n.bridge = plan.options['com.docker.network.bridge.name'] || `br-${n.Id.slice(0, 12)}`;
      checkBridgeName(n, this.known());
      // (its name and pools are held while the bridge is made: a create running meanwhile picks others)
      this.creating.add(n);
      try {
        await this.bridges.create(n, (qname, client) => this.resolve(n, qname, client), (ip) => this.dnsServersOf(n, ip), (ip) => this.nameOf(n, ip));
      } finally {
        this.creating.delete(n);
      }
    } else {
      // the record first: a daemon killed while the driver makes the parent link finds it and finishes (setUp)
      this.vlans.plan(n, this.pooled());
      this.save(n);
      await this.vlans.create(n).catch((e) => {
        this.docs.delete(n.Id);
        throw e;
      });
    }
    this.save(n);
    this.events.publish('network', 'create', n.Id, { name: n.Name, type: n.Driver });
    return { Id: n.Id, Warning: '' };
  }

  /** The networks that hold address pools (not the configuration-only ones). */
  private pooled(): NetworkRecord[] {
    return this.known().filter((n) => !n.ConfigOnly);
  }

  async remove(ref: string): Promise<void> {
    const n = this.get(ref);
    if (BUILTIN.includes(n.Name)) throw new BerthError('forbidden', `${n.Name} is a pre-defined network and cannot be removed`);
    checkConfigInUse(n, this.docs.all());
    // (as dockerd: only running containers have endpoints; a stopped one connected does not keep the network)
    if (this.members(n).some((c) => c.State.Running)) {
      throw new BerthError('forbidden', `error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    }
    await this.driver(n)?.tearDown(n);
    this.docs.delete(n.Id);
    this.events.publish('network', 'destroy', n.Id, { name: n.Name, type: n.Driver });
  }

  /** Remove the unused user networks `match` selects; the names of those really removed. */
  async prune(match: (n: NetworkRecord) => boolean): Promise<string[]> {
    const out: string[] = [];
    for (const n of this.docs.all()) {
      if (BUILTIN.includes(n.Name) || n.ConfigOnly || this.members(n).some((c) => c.State.Running) || !match(n)) continue;
      await this.remove(n.Id).then(
        () => out.push(n.Name),
        (e) => log.warn(`could not remove local network ${n.Name}: ${(e as Error).message}`),
      );
    }
    this.events.publish('network', 'prune', '', { reclaimed: '0' });
    return out;
  }
}
