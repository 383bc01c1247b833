// Which containers get the embedded resolver in their own namespace (network/netns-resolver.ts) and
// what it answers: a container with an endpoint on a macvlan or ipvlan network, which cannot reach the
// DNS Berth serves on a bridge network's gateway. The resolver answers the names of all the container's
// user-defined networks (the names a container on the same network would get from that network's DNS,
// its links included) and forwards the rest to the container's --dns servers, else the host's.
import type { ContainerRecord } from './containers/record.ts';
import type { NetworkRecord } from '../network/types.ts';
import { NetnsResolvers } from '../network/netns-resolver.ts';
import { upstreams } from '../network/dns.ts';
import { embeddedResolvConf } from '../network/resolv-conf.ts';
import { log } from '../util/log.ts';
import fs from 'node:fs';

export interface NetnsDnsDeps {
  find(ref: string): NetworkRecord | undefined;
  containers(): ContainerRecord[];
  /** the addresses of a name on n as the container at `client` sees it */
  resolve(n: NetworkRecord, name: string, client: string): string[];
  /** the name of the running container at `ip` on n ("name.network") */
  nameOf(n: NetworkRecord, ip: string): string | undefined;
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

export class NetnsDns {
  private readonly resolvers = new NetnsResolvers();
  private readonly deps: NetnsDnsDeps;

  constructor(deps: NetnsDnsDeps) {
    this.deps = deps;
  }

  /** Whether the container's names are served in its namespace (an endpoint on a macvlan/ipvlan network). */
  wanted(c: ContainerRecord): boolean {
    return Object.keys(c.NetworkSettings?.Networks ?? {}).some((k) => !!this.deps.find(k)?.vlan);
  }

  /**
   * Open the container's resolver (idempotent). `again`: its namespace may hold an earlier berthd's rules
   * (a restart, or a running container joining a network); then a container whose resolv.conf names the
   * resolver keeps it even with no macvlan/ipvlan endpoint left: as dockerd's, it lives as long as the
   * container runs. One that cannot be set up is logged and the container runs on without it, as with dockerd.
   */
  async open(c: ContainerRecord, netnsPath: string, again: boolean): Promise<void> {
    if (!this.wanted(c) && !(again && namesResolver(c.ResolvConfPath))) return;
    const t0 = performance.now();
    await this.resolvers.open(c.Id, netnsPath, { lookup: (name) => this.lookup(c.Id, name), reverse: (ip) => this.reverse(c.Id, ip), upstreams: () => this.upstreams(c.Id) }, again).catch((e) => log.warn(`embedded DNS of container ${c.Id.slice(0, 12)}: ${(e as Error).message}`));
    log.debug(`embedded DNS of container ${c.Id.slice(0, 12)} in its namespace: ${Math.round(performance.now() - t0)} ms`);
  }

  /** Release the container's resolver (it stopped). */
  close(c: ContainerRecord): void {
    this.resolvers.close(c.Id);
  }

  closeAll(): void {
    this.resolvers.closeAll();
  }

  /** The container's resolv.conf with the resolver in it (undefined: not served in its namespace). */
  resolvConf(c: ContainerRecord, read: () => string): string | undefined {
    return this.wanted(c) || this.resolvers.has(c.Id) ? embeddedResolvConf(read()) : undefined;
  }

  private lookup(id: string, name: string): string[] {
    const c = this.deps.containers().find((x) => x.Id === id);
    for (const [netName, ep] of Object.entries(c?.NetworkSettings?.Networks ?? {})) {
      const n = this.deps.find(netName);
      // the default bridge has no names (legacy links there are /etc/hosts entries)
      if (!n || n.Name === 'bridge' || !(n.bridge || n.vlan) || !ep.IPAddress) continue;
      const ips = this.deps.resolve(n, name, ep.IPAddress);
      if (ips.length) return ips;
    }
    return [];
  }

  /** The name of an address on one of the container's user-defined networks (dockerd's sandbox asks each of its networks). */
  private reverse(id: string, ip: string): string | undefined {
    const c = this.deps.containers().find((x) => x.Id === id);
    for (const netName of Object.keys(c?.NetworkSettings?.Networks ?? {})) {
      const n = this.deps.find(netName);
      if (!n || n.Name === 'bridge' || !(n.bridge || n.vlan)) continue;
      const name = this.deps.nameOf(n, ip);
      if (name) return name;
    }
    return undefined;
  }

  /** --dns, else the host's resolvers that a container can reach (not its loopback ones), as the file
   * writeEtcFiles made lists them. */
  private upstreams(id: string): string[] {
    const c = this.deps.containers().find((x) => x.Id === id);
    const own = c?.HostConfig.Dns ?? [];
    return (own.length ? own : upstreams().filter((ip) => !ip.startsWith('127.'))).filter((ip) => IPV4.test(ip));
  }
}

/** Whether the container's resolv.conf (as written at its start) has the resolver as its nameserver. */
function namesResolver(file: string): boolean {
  try {
    return /^nameserver 127\.0\.0\.11$/m.test(fs.readFileSync(file, 'utf8'));
  } catch {
    // no file (a container being removed): nothing to serve
    return false;
  }
}
