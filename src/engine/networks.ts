// Networks: a container's endpoints on Docker's networks (the networks themselves are network-registry.ts),
// wired by the bridge or macvlan/ipvlan driver (src/network/) in its namespace when it starts and released
// when it stops. Containers keep their network namespace (and so their connectivity) while berthd restarts.
import type { ContainerRecord, EndpointSettings, NetworkSettings } from './containers/record.ts';
import type { NetworkRecord } from '../network/types.ts';
import { invalidParameter, notFound, systemError, BerthError } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { v6Config } from '../network/ipam-request.ts';
import { allocatePorts, takenKeys, mappingsOf, withV6Listing } from '../network/ports.ts';
import type { Endpoint } from '../network/bridge.ts';
import { proxiedMappings, ruledMappings, hostHasV6 } from '../network/loopback-proxy.ts';
import type { NetworkCreateRequest } from '../network/create-request.ts';
import { withHostBinding } from '../network/bridge-options.ts';
import { checkEndpoint, type EndpointRequest } from '../network/endpoint-config.ts';
import { addLinkLocal } from '../network/link-local.ts';
import { NetworkRegistry, BUILTIN } from './network-registry.ts';

export type { NetworkRecord, NetworkCreateRequest };
export { BUILTIN };

const CONFIG_ONLY = () => new BerthError('forbidden', 'cannot create endpoint on configuration-only network');

export class NetworkService extends NetworkRegistry {
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
    if (got.driverOpts) ep.DriverOpts = got.driverOpts;
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
        if (n.Name !== 'bridge') ep.DNSNames = endpointDnsNames(c, ep.Aliases);
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
      Object.assign(ep, addressesOf(got), { EndpointID: newId(), DNSNames: endpointDnsNames(c, ep.Aliases) });
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

/** An endpoint's DNS names as moby's buildEndpointDNSNames lists them: the name, the aliases, the short
 * id, the hostname, each once (the first is the one reverse lookups answer). */
function endpointDnsNames(c: ContainerRecord, aliases: string[] | null | undefined): string[] {
  const names = [c.Name.slice(1), ...(aliases ?? []), c.Id.slice(0, 12), ...(c.Config.Hostname ? [c.Config.Hostname] : [])];
  return [...new Set(names.filter(Boolean))];
}
