// Networks: Docker's `bridge`, `host` and `none`, and user-defined bridge networks, as records in the
// metadata store, with their events; a container's endpoints on them, wired by the bridge driver
// (src/network/bridge.ts) in its namespace when it starts and released when it stops. Containers keep
// their network namespace (and so their connectivity) while berthd restarts.
import path from 'node:path';
import type { MetaDB, Collection } from '../store/db.ts';
import type { EventsService } from '../events/bus.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerRecord, EndpointSettings, NetworkSettings } from './containers/record.ts';
import type { NetworkRecord, IpamConfig } from '../network/types.ts';
import { invalidParameter, notFound, systemError, BerthError } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { ipamConfigs, v6Config, type V6Defaults } from '../network/ipam-request.ts';
import { isV6, ulaPool, hostNameservers6, contains6, parseCidr6 } from '../network/ipam6.ts';
import { allocatePorts, takenKeys, mappingsOf, withV6Listing } from '../network/ports.ts';
import { BridgeDriver, type Endpoint } from '../network/bridge.ts';
import { LoopbackProxies, proxiedMappings, ruledMappings, hostHasV6 } from '../network/loopback-proxy.ts';
import { VlanDriver } from '../network/vlan-driver.ts';
import { planCreate, checkConfigInUse, type NetworkCreateRequest } from '../network/create-request.ts';
import { checkDriverOptions, checkBridgeName, withHostBinding } from '../network/bridge-options.ts';
import { checkEndpoint, type EndpointRequest } from '../network/endpoint-config.ts';
import { addLinkLocal } from '../network/link-local.ts';
import { NetnsDns } from './netns-dns.ts';

export type { NetworkRecord, NetworkCreateRequest };

export const BUILTIN = ['bridge', 'host', 'none'];

const CONFIG_ONLY = () => new BerthError('forbidden', 'cannot create endpoint on configuration-only network');

export class NetworkService {
  private readonly docs: Collection<NetworkRecord>;
  private readonly events: EventsService;
  private readonly bridges: BridgeDriver;
  private readonly proxies = new LoopbackProxies();
  private readonly cfg: DaemonConfig;
  private readonly vlans: VlanDriver;
  /** the containers the network service looks at (set by the container service) */
  containers: () => ContainerRecord[] = () => [];
  /** the embedded DNS in the namespace of containers on macvlan/ipvlan networks */
  private readonly netnsDns = new NetnsDns({ find: (ref) => this.find(ref), containers: () => this.containers(), resolve: (n, name, client) => this.resolve(n, name, client) });

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
    await Promise.all(this.docs.all().filter((n) => n.bridge || n.vlan).map((n) => (n.vlan ? this.vlans.setUp(n) : this.bridges.setUp(n, (name, client) => this.resolve(n, name, client), (ip) => this.dnsServersOf(n, ip))).catch((e) => log.warn(`network ${n.Name}: ${e.message}`))));
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
  private driver(n: NetworkRecord): BridgeDriver | VlanDriver | undefined {
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
    const asker = client ? this.containers().find((c) => c.State.Running && c.NetworkSettings?.Networks[n.Name]?.IPAddress === client) : undefined;
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
    const { bridge: _b, vlan: _v, ...rest } = n;
    const Containers: Record<string, unknown> = {};
    for (const c of this.members(n)) {
      const ep = c.NetworkSettings?.Networks[n.Name];
      if (!c.State.Running || !ep) continue;
      Containers[c.Id] = { Name: c.Name.slice(1), EndpointID: ep.EndpointID, MacAddress: ep.MacAddress, IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '', IPv6Address: ep.GlobalIPv6Address ? `${ep.GlobalIPv6Address}/${ep.GlobalIPv6PrefixLen}` : '' };
    }
    return { ...rest, Containers };
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
        await this.bridges.create(n, (qname, client) => this.resolve(n, qname, client), (ip) => this.dnsServersOf(n, ip));
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

  // --- container endpoints ---------------------------------------------------

  /** Validate a container's network mode and endpoints at create; the initial NetworkSettings. */
  settingsFor(mode: string, endpoints: Record<string, EndpointRequest> | undefined): NetworkSettings | undefined {
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
      if (endpoints?.[mode]?.MacAddress || mode.startsWith('container:') && Object.values(endpoints ?? {}).some((e) => e?.MacAddress)) throw invalidParameter('conflicting options: mac-address and the network mode');
      return mode === 'none' || mode === 'host' ? { Networks: { [mode]: this.emptyEndpoint(this.get(mode)) }, Ports: {} } : undefined;
    }
    // (no ports are listed until the network is set up at start, as dockerd fills NetworkSettings.Ports there)
    const ports = {};
    // As dockerd: a network that does not exist is looked up when the container starts ("network x not
    // found", 404), not at create, where a 404 would send the docker CLI to pull the image.
    if (!this.find(mode)) return { Networks: { [mode]: { ...this.emptyEndpoint({ Id: '' } as NetworkRecord) } }, Ports: ports };
    const n = this.get(mode);
    if (n.ConfigOnly) throw CONFIG_ONLY();
    const mine = (k: string) => k === mode || k === n.Id || k === n.Name || (n.Name === 'bridge' && k === 'default');
    const networks: NetworkSettings['Networks'] = { [n.Name]: this.endpointFor(n, Object.entries(endpoints ?? {}).find(([k]) => mine(k))?.[1]) };
    // API 1.44+ may name more networks at create: the container joins them all (eth1, ...), as Docker 25+.
    for (const [k, req] of Object.entries(endpoints ?? {})) {
      if (mine(k)) continue;
      const o = this.get(k);
      if (o.ConfigOnly) throw CONFIG_ONLY();
      if (!(o.Driver === 'bridge' || o.vlan) || o.Name === 'bridge' || networks[o.Name]) throw invalidParameter(`Container cannot be connected to network endpoints: ${[mode, ...Object.keys(endpoints ?? {}).filter((x) => !mine(x))].join(', ')}`);
      networks[o.Name] = this.endpointFor(o, req);
    }
    return { Networks: networks, Ports: ports };
  }

  private endpointFor(n: NetworkRecord, req: EndpointRequest | undefined): EndpointSettings {
    const ep = this.emptyEndpoint(n);
    const got = checkEndpoint(n, req);
    if (got.aliases) ep.Aliases = got.aliases;
    if (got.links) ep.Links = got.links;
    if (got.ipv4 || got.ipv6 || got.linkLocal) ep.IPAMConfig = { ...(got.ipv4 ? { IPv4Address: got.ipv4 } : {}), ...(got.ipv6 ? { IPv6Address: got.ipv6 } : {}), ...(got.linkLocal ? { LinkLocalIPs: got.linkLocal } : {}) };
    if (got.mac) ep.MacAddress = ep.configuredMac = got.mac;
    return ep;
  }

  private emptyEndpoint(n: NetworkRecord): EndpointSettings {
    return { IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', NetworkID: n.Id, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, DNSNames: null };
  }

  /**
   * After a restart (kill -9 included): release what containers that are gone or no longer run still
   * hold on the networks (address leases and published ports' rules). Run before containers start.
   */
  async releaseOrphans(): Promise<void> {
    const running = new Set(this.containers().filter((c) => c.State.Running).map((c) => c.Id));
    for (const n of this.docs.all()) await this.driver(n)?.releaseOrphans(n, (id) => running.has(id));
    // the port proxies of the containers that run on lived in the daemon: open them again
    for (const c of this.containers().filter((x) => x.State.Running)) {
      const first = Object.values(c.NetworkSettings?.Networks ?? {})[0];
      const target = first?.GlobalIPv6Address || first?.IPAddress;
      if (target) await this.proxies.start(c.Id, proxiedMappings(mappingsOf(c.NetworkSettings!.Ports), !!first!.GlobalIPv6Address), target).catch((e) => log.warn(`port proxies of ${c.Id.slice(0, 12)}: ${e.message}`));
      // so did the sockets of their embedded DNS: made again in their namespaces
      if (c.State.Pid) await this.netnsDns.open(c, `/proc/${c.State.Pid}/ns/net`, true);
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
    // ports are published by the bridge driver only: on macvlan/ipvlan dockerd publishes none (Ports {})
    const bridged = !!this.find(names[0]!)?.bridge;
    const { mappings, ports } = bridged ? await allocatePorts(withHostBinding(c.HostConfig.PortBindings as never, this.find(names[0]!)), c.Config.ExposedPorts, !!c.HostConfig.PublishAllPorts, taken, `${c.Name.slice(1)} (${c.Id.slice(0, 12)})`) : { mappings: [], ports: {} };
    // the first network carries the ports: IPv6 clients reach a container without an IPv6 address there
    // through the daemon's proxy, as dockerd's docker-proxy forwards them to its IPv4 address
    const firstHasV6 = bridged && !!v6Config(this.get(names[0]!));
    const ruled = ruledMappings(mappings, firstHasV6);
    const done: string[] = [];
    // the embedded DNS in the namespace of a macvlan/ipvlan container is made while the endpoints are
    // (it needs only the namespace); it never fails the start, as dockerd's
    const dns = names.some((k) => this.find(k)?.vlan) ? this.netnsDns.open(c, netnsPath, false) : undefined;
    try {
      for (const [i, name] of names.entries()) {
        const n = this.get(name);
        const ep = ns.Networks[name]!;
        const withPorts = i === 0 && ruled.length > 0;
        ep.ifName = `eth${i}`;
        done.push(name);
        const got = await this.driver(n)!.connect(n, { containerId: c.Id, netns: netnsPath, ifName: ep.ifName, ip: ep.IPAMConfig?.IPv4Address, ip6: ep.IPAMConfig?.IPv6Address, mac: ep.configuredMac, ports: withPorts ? ruled : undefined });
        Object.assign(ep, addressesOf(got), { EndpointID: newId(), NetworkID: n.Id });
        if (ep.IPAMConfig?.LinkLocalIPs) await addLinkLocal(netnsPath, ep.ifName, ep.IPAMConfig.LinkLocalIPs);
        if (i === 0 && bridged) await this.proxies.start(c.Id, proxiedMappings(mappings, firstHasV6), (firstHasV6 && got.ip6) || got.ip).catch((e: Error) => {
          throw new BerthError('system', `driver failed programming external connectivity on endpoint ${c.Name.slice(1)} (${ep.EndpointID}): ${e.message}`);
        });
        if (n.Name !== 'bridge') ep.DNSNames = [c.Name.slice(1), c.Id.slice(0, 12), ...(ep.Aliases ?? [])];
      }
      ns.Ports = firstHasV6 ? withV6Listing(mappings, ports) : bridged && hostHasV6() ? withV6Listing(mappings, ports, ['tcp', 'udp']) : ports;
      await dns;
    } catch (e) {
      // (a failed ADD may have left part of its work: DEL what was begun, the ports' rules too)
      ns.Ports = ports;
      await this.detach(c, done).catch((err) => log.warn(`undoing the network attach of ${c.Id}: ${err.message}`)); // the attach error below is the one reported
      await dns;
      this.netnsDns.close(c);
      throw e;
    }
  }

  /** Undo attach (the namespace may be gone already: DEL then only frees the address and the rules). */
  async detach(c: ContainerRecord, only?: string[], netns = ''): Promise<void> {
    const ns = c.NetworkSettings;
    if (!ns) return;
    const mappings = mappingsOf(ns.Ports);
    if (!only || only.includes(Object.keys(ns.Networks)[0]!)) this.proxies.stop(c.Id);
    if (!only) this.netnsDns.close(c);
    for (const [i, name] of Object.keys(ns.Networks).entries()) {
      if (only && !only.includes(name)) continue;
      const n = this.find(name);
      const ep = ns.Networks[name]!;
      if (n && this.driver(n)) await this.driver(n)!.disconnect(n, { containerId: c.Id, netns, ifName: ep.ifName ?? `eth${i}`, ports: mappings }).catch((e) => log.warn(`network teardown ${c.Id.slice(0, 12)} on ${name}: ${e.message}`));
      // an endpoint that had joined leaves (once: teardown runs at the exit and again at removal)
      if (n && ep.EndpointID) this.events.publish('network', 'disconnect', n.Id, { container: c.Id, name: n.Name, type: n.Driver });
      Object.assign(ep, { IPAddress: '', IPPrefixLen: 0, Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPv6Gateway: '', MacAddress: ep.configuredMac ?? '', EndpointID: '', DNSNames: null });
    }
    // the ports go with the first network's endpoint: none are listed once it is released (dockerd's
    // releaseNetwork empties NetworkSettings.Ports: a stopped container lists none in inspect or ps)
    if (!only || only.includes(Object.keys(ns.Networks)[0]!)) ns.Ports = {};
  }

  /** The container starts: its endpoints have joined their networks (host and none too), as dockerd says. */
  joined(c: ContainerRecord): void {
    for (const [name, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      const n = this.find(name);
      if (!n) continue;
      ep.EndpointID ||= newId();
      this.events.publish('network', 'connect', n.Id, { container: c.Id, name: n.Name, type: n.Driver });
    }
  }

  /** docker network connect: a new endpoint, set up at once when the container runs (netns given). */
  async connect(c: ContainerRecord, ref: string, cfg: EndpointRequest & { NetworkID?: string }, netns?: string): Promise<void> {
    // a user network named with its id in the endpoint's NetworkID is looked up by that id, as dockerd does
    const n = this.get(cfg.NetworkID && !BUILTIN.includes(ref) && ref !== 'default' ? cfg.NetworkID : ref);
    const mode = c.HostConfig.NetworkMode ?? 'bridge';
    if (n.Driver === 'host' && mode !== 'host') throw invalidParameter('cannot connect container to host network - container must be created in host network mode');
    if (n.ConfigOnly) throw CONFIG_ONLY();
    // the endpoint's settings are checked first (aliases, addresses), as dockerd checks them
    const ep = this.settingsFor(n.Name, { [n.Name]: cfg })!.Networks[n.Name]!;
    const ns = (c.NetworkSettings ??= { Networks: {}, Ports: {} });
    if (ns.Networks[n.Name]) throw new BerthError('forbidden', `endpoint with name ${c.Name.slice(1)} already exists in network ${n.Name}`);
    if (mode === 'host' || mode.startsWith('container:') || n.Driver === 'host') throw invalidParameter('container sharing network namespace with another container or host cannot be connected to any other network');
    if (mode === 'none' || n.Driver === 'null') throw invalidParameter('container cannot be connected to multiple networks with one of the networks in private (none) mode');
    ns.Networks[n.Name] = ep;
    if (!netns) return;
    const used = new Set(Object.values(ns.Networks).map((e) => e.ifName));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    ep.ifName = `eth${i}`;
    try {
      const got = await this.driver(n)!.connect(n, { containerId: c.Id, netns, ifName: ep.ifName, ip: ep.IPAMConfig?.IPv4Address, ip6: ep.IPAMConfig?.IPv6Address, mac: ep.configuredMac });
      if (ep.IPAMConfig?.LinkLocalIPs) await addLinkLocal(netns, ep.ifName, ep.IPAMConfig.LinkLocalIPs);
      Object.assign(ep, addressesOf(got), { EndpointID: newId(), DNSNames: [c.Name.slice(1), c.Id.slice(0, 12), ...(ep.Aliases ?? [])] });
      await this.netnsDns.open(c, netns, true);
    } catch (e) {
      await this.driver(n)!.disconnect(n, { containerId: c.Id, netns, ifName: ep.ifName, ports: [] }).catch((err) => log.warn(`undoing the connect of ${c.Id} to ${n.Name}: ${err.message}`)); // the connect error below is the one reported
      delete ns.Networks[n.Name];
      throw e;
    }
    this.events.publish('network', 'connect', n.Id, { container: c.Id, name: n.Name, type: n.Driver });
  }

  async disconnect(c: ContainerRecord, ref: string, running: boolean, force = false): Promise<void> {
    const n = this.find(ref);
    // with Force, an endpoint on a network that is gone (removed while the container was stopped) goes
    if (!n && force && c.NetworkSettings?.Networks[ref]) return void delete c.NetworkSettings.Networks[ref];
    if (!n && force) throw systemError(`container ${c.Id} is not connected to the network ${ref}`);
    if (!n) throw notFound(`network ${ref} not found`);
    const ep = c.NetworkSettings?.Networks[n.Name];
    // (dockerd's words, and its 500)
    if (!ep) throw systemError(running ? `container ${c.Id} is not connected to network ${n.Name}` : `container ${c.Id} is not connected to the network ${n.Name}`);
    if (running && n.Driver === 'host' && c.HostConfig.NetworkMode === 'host') throw invalidParameter('cannot disconnect container from host network - container was created in host network mode');
    if (running) await this.detach(c, [n.Name], c.State.Pid ? `/proc/${c.State.Pid}/ns/net` : '');
    delete c.NetworkSettings!.Networks[n.Name];
    this.events.publish('network', 'disconnect', n.Id, { container: c.Id, name: n.Name, type: n.Driver });
  }

  /** The container's resolv.conf from `current` once its endpoints are up: the embedded DNS as its
   * nameserver (its network's gateway, or 127.0.0.11 in its namespace); undefined: unchanged. */
  resolvConf(c: ContainerRecord, read: () => string): string | undefined {
    const own = this.netnsDns.resolvConf(c, read);
    if (own) return own;
    const dns = this.dnsServerFor(c);
    // (with --dns too: the embedded DNS forwards to those servers what it does not know, as Docker's)
    return dns ? [`nameserver ${dns}`, ...read().split('\n').filter((l) => l && !l.startsWith('nameserver '))].join('\n') + '\n' : undefined;
  }

  /** /etc/resolv.conf's nameserver for a container on a user network (this network's DNS), if any. */
  private dnsServerFor(c: ContainerRecord): string | undefined {
    for (const [name, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      if (name !== 'bridge' && ep.Gateway && this.find(name)?.bridge) return ep.Gateway;
    }
    return undefined;
  }
}

/** What an endpoint got from the driver, as EndpointSettings' address fields. */
function addressesOf(got: Endpoint): Partial<EndpointSettings> {
  return { IPAddress: got.ip, IPPrefixLen: got.prefixLen, Gateway: got.gateway, GlobalIPv6Address: got.ip6, GlobalIPv6PrefixLen: got.prefixLen6, IPv6Gateway: got.gateway6, MacAddress: got.mac };
}
