// Published ports: HostConfig.PortBindings (and -P's ephemeral ports for the image's exposed ports) turned
// into the mappings the CNI portmap plugin programs; a host port already taken is refused as dockerd does.
import fs from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { conflict, invalidParameter } from '../errdefs.ts';
import type { PortBinding } from './types.ts';
import { HostPortAllocator } from './port-allocator.ts';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP: string;
}

let daemonAllocator: HostPortAllocator | undefined;
/** The daemon's one allocator (dockerd's is a singleton too), made at the first publication. */
function daemonHostPorts(): HostPortAllocator {
  return (daemonAllocator ??= new HostPortAllocator());
}

function splitPort(key: string): { port: number; proto: 'tcp' | 'udp' | 'sctp' } {
  const [p, proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidParameter(`invalid port specification: "${key}"`);
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw invalidParameter(`invalid proto: ${proto}`);
  return { port, proto };
}

/** Whether the port can be bound on the host right now (nothing else, Berth's or not, listens there).
 * `bothFamilies`: a port picked for every address must be free on IPv6 too, where it is published as well
 * (a dual-stack bind of [::] checks both; a host without IPv6 only has the IPv4 side). */
function hostPortFree(port: number, proto: string, ip: string, bothFamilies = false): Promise<boolean> {
  const host = ip || (bothFamilies && fs.existsSync('/proc/net/if_inet6') ? '::' : '0.0.0.0');
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
      return;
    }
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * The mappings for a container, given the host ports other containers hold (`taken`: "proto/ip/port").
 * Throws dockerd's "port is already allocated" for a host port in use.
 */
export async function allocatePorts(
  bindings: Record<string, PortBinding[] | null> | null | undefined,
  exposed: Record<string, object> | null | undefined,
  publishAll: boolean,
  taken: Set<string>,
  who: string,
  allocator: HostPortAllocator = daemonHostPorts(),
): Promise<{ mappings: PortMapping[]; ports: Record<string, PortBinding[] | null> }> {
  const mappings: PortMapping[] = [];
  const ports: Record<string, PortBinding[] | null> = {};
  const wanted: Record<string, PortBinding[]> = {};
  for (const [k, v] of Object.entries(bindings ?? {})) wanted[k] = v?.length ? v : [{ HostIp: '', HostPort: '' }];
  for (const k of Object.keys(exposed ?? {})) {
    if (!(k in wanted)) {
      if (publishAll) wanted[k] = [{ HostIp: '', HostPort: '' }];
      else ports[k] = null;
    }
  }
  const mine = new Set<string>();
  const key = (proto: string, ip: string, port: number) => `${proto}/${ip || '0.0.0.0'}/${port}`;
  const inUse = (proto: string, ip: string, port: number) => taken.has(key(proto, ip, port)) || taken.has(key(proto, '', port)) || (!ip && [...taken].some((t) => t.startsWith(`${proto}/`) && t.endsWith(`/${port}`))) || mine.has(key(proto, ip, port));
  for (const [k, list] of Object.entries(wanted)) {
    const { port, proto } = splitPort(k);
    ports[k] = [];
    for (const b of list) {
      const ip = b.HostIp ?? '';
      let hostPorts: number[];
      if (!b.HostPort || b.HostPort === '0') hostPorts = [];
      else {
        const [lo, hi] = b.HostPort.split('-').map(Number);
        if (!Number.isInteger(lo) || lo! < 1 || lo! > 65535 || (hi !== undefined && (!Number.isInteger(hi) || hi < lo!))) throw invalidParameter(`invalid hostPort: ${b.HostPort}`);
        hostPorts = hi === undefined ? [lo!] : Array.from({ length: hi - lo! + 1 }, (_, i) => lo! + i);
      }
      let chosen: number | undefined;
      if (hostPorts.length === 1) {
        const p = hostPorts[0]!;
        if (inUse(proto, ip, p) || !(await hostPortFree(p, proto, ip))) {
          throw conflict(`driver failed programming external connectivity on endpoint ${who}: Bind for ${ip || '0.0.0.0'}:${p} failed: port is already allocated`);
        }
        chosen = p;
      } else {
        // A range or none given (an ephemeral port), in dockerd's order (port-allocator.ts). (A port given
        // outright is checked on IPv4 here; one taken on IPv6 fails when the proxy listens, as docker-proxy
        // fails.) A port another program holds is passed over as dockerd's retry passes it over; dockerd
        // gives up after 10 of them, Berth goes on round the range.
        const wanted = hostPorts.length ? { begin: hostPorts[0]!, end: hostPorts[hostPorts.length - 1]! } : undefined;
        for (const p of allocator.candidates(proto, ip, wanted)) {
          if (inUse(proto, ip, p)) continue;
          allocator.given(proto, ip, p, wanted);
          if (await hostPortFree(p, proto, ip, true)) {
            chosen = p;
            break;
          }
        }
        if (chosen === undefined) throw conflict(`driver failed programming external connectivity on endpoint ${who}: all ports are allocated`);
      }
      mine.add(key(proto, ip, chosen));
      mappings.push({ hostPort: chosen, containerPort: port, protocol: proto, hostIP: ip });
      ports[k]!.push({ HostIp: ip || '0.0.0.0', HostPort: String(chosen) });
    }
  }
  return { mappings, ports };
}

export function takenKeys(ports: Record<string, PortBinding[] | null> | undefined): string[] {
  const out: string[] = [];
  for (const [k, list] of Object.entries(ports ?? {})) {
    const proto = k.split('/')[1] ?? 'tcp';
    for (const b of list ?? []) out.push(`${proto}/${b.HostIp === '0.0.0.0' ? '0.0.0.0' : b.HostIp}/${b.HostPort}`);
  }
  return out;
}

/** The mappings a container's published ports were programmed with (NetworkSettings.Ports), for DEL. */
export function mappingsOf(ports: Record<string, PortBinding[] | null> | undefined): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [k, list] of Object.entries(ports ?? {})) {
    const [p, proto = 'tcp'] = k.split('/');
    for (const b of list ?? []) {
      out.push({ hostPort: Number(b.HostPort), containerPort: Number(p), protocol: proto as PortMapping['protocol'], hostIP: b.HostIp === '0.0.0.0' ? '' : b.HostIp });
    }
  }
  return out;
}

/**
 * The ports published on every address are reached over IPv6 too (on a network with IPv6 portmap programs
 * ip6tables DNAT to the container's IPv6 address; without, the daemon's proxy forwards to its IPv4 one),
 * and are listed as dockerd lists them: a "::" binding after each "0.0.0.0" one (of the `protocols` that
 * have one).
 */
export function withV6Listing(mappings: PortMapping[], ports: Record<string, PortBinding[] | null>, protocols: string[] = ['tcp', 'udp', 'sctp']): Record<string, PortBinding[] | null> {
  const out: Record<string, PortBinding[] | null> = {};
  for (const [k, list] of Object.entries(ports)) {
    const [p, proto = 'tcp'] = k.split('/');
    out[k] = list && list.flatMap((b) => {
      const wildcard = b.HostIp === '0.0.0.0' && protocols.includes(proto) && mappings.some((m) => m.hostIP === '' && m.hostPort === Number(b.HostPort) && m.containerPort === Number(p) && m.protocol === proto);
      return wildcard ? [b, { HostIp: '::', HostPort: b.HostPort }] : [b];
    });
  }
  return out;
}

/** portmap's DEL removes a container's chains by network and container id, whatever the mappings;
 * it only runs with at least one, so this one stands in when the real ones are not known. */
export const PORTMAP_DEL_PLACEHOLDER: PortMapping = { hostPort: 1, containerPort: 1, protocol: 'tcp', hostIP: '' };
