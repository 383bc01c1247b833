// Published ports that iptables cannot carry, carried as dockerd carries them with its userland proxy
// (docker-proxy): a listener per mapping in the daemon that copies each connection (TCP) or each client's
// datagrams (UDP) to the container.
// - On the IPv6 loopback address (-p [::1]:8080:80): IPv6 has no route_localnet, so a packet from ::1
//   that DNAT sends to a container never comes back to the socket that sent it.
// - On IPv6 for a container without an IPv6 address (its first network is IPv4 only): a port published
//   on every address listens on [::] too, and an explicit IPv6 host address (-p [::]:8080:80) works, as
//   with dockerd, whose docker-proxy forwards IPv6 clients to the container's IPv4 address.
// They are opened at start, closed at stop, and opened again for running containers when berthd restarts.
import fs from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { log } from '../util/log.ts';
import { isV6 } from './ipam6.ts';
import type { PortMapping } from './ports.ts';

/** Whether this host has IPv6 at all (a kernel booted with ipv6.disable=1 has no if_inet6): without it,
 * dockerd publishes nothing on [::] and neither does Berth. */
export function hostHasV6(): boolean {
  return fs.existsSync('/proc/net/if_inet6');
}

/**
 * The mappings of a container this proxy carries: given every mapping of its first network (HostIp ''
 * for every address), and whether the container has an IPv6 address there. With one, only [::1] (the
 * rest are portmap's rules, ip6tables included); without, every IPv6 host address, and [::] beside each
 * port published on every address. Listed once each (after a restart the "::" of the listing comes back
 * beside the "" it stands for).
 */
export function proxiedMappings(mappings: PortMapping[], containerHasV6: boolean, v6Host = hostHasV6()): PortMapping[] {
  if (!v6Host) return [];
  // (SCTP: no [::] beside a port on every address, as the listing says; an explicit IPv6 address is refused at start)
  const mine = containerHasV6 ? mappings.filter((m) => m.hostIP === '::1') : mappings.flatMap((m) => (m.hostIP === '' ? (m.protocol === 'sctp' ? [] : [{ ...m, hostIP: '::' }]) : isV6(m.hostIP) ? [m] : []));
  const seen = new Set<string>();
  return mine.filter((m) => {
    const k = `${m.protocol}/[${m.hostIP}]:${m.hostPort}`;
    return !seen.has(k) && !!seen.add(k);
  });
}

/** The mappings portmap's rules carry: the others. */
export function ruledMappings(mappings: PortMapping[], containerHasV6: boolean): PortMapping[] {
  return mappings.filter((m) => (containerHasV6 ? m.hostIP !== '::1' : !isV6(m.hostIP)));
}

const UDP_IDLE_MS = 30_000;

type Closer = () => void;

export class LoopbackProxies {
  private readonly open = new Map<string, Closer[]>();

  /** Listen on each of `mine` (from proxiedMappings), forwarding to `target` (the container's IPv6
   * address, or its IPv4 one when it has none). A host port some other program holds fails as dockerd's
   * docker-proxy fails ("Error starting userland proxy: listen tcp6 [::]:8080: bind: address already in use"). */
  async start(containerId: string, mine: PortMapping[], target: string): Promise<void> {
    if (!mine.length) return;
    this.stop(containerId);
    const closers: Closer[] = [];
    this.open.set(containerId, closers);
    try {
      for (const m of mine) {
        if (m.protocol === 'sctp') throw new Error(`sctp port ${m.containerPort} cannot be published on ${m.hostIP}`);
        closers.push(await (m.protocol === 'udp' ? udp(m, target) : tcp(m, target)).catch((e: NodeJS.ErrnoException) => {
          throw new Error(`Error starting userland proxy: listen ${m.protocol}6 [${m.hostIP}]:${m.hostPort}: bind: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : e.message}`);
        }));
      }
    } catch (e) {
      this.stop(containerId);
      throw e;
    }
  }

  stop(containerId: string): void {
    for (const close of this.open.get(containerId) ?? []) close();
    this.open.delete(containerId);
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.stop(id);
  }
}

function tcp(m: PortMapping, target: string): Promise<Closer> {
  const conns = new Set<net.Socket>();
  // half-open both ways: a client that ends its side (a request sent) still gets the whole answer
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const up = net.connect({ host: target, port: m.containerPort, allowHalfOpen: true });
    conns.add(client).add(up);
    client.pipe(up).pipe(client);
    // each side's end is passed on by pipe; a side closed for good ends the other, letting what it has
    // buffered go out (destroy would drop it); an error drops both
    client.on('close', () => {
      conns.delete(client);
      up.destroy();
    });
    up.on('close', () => {
      conns.delete(up);
      if (!client.writableEnded) client.end();
    });
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: m.hostIP, port: m.hostPort, ipv6Only: true }, () => {
      server.off('error', reject);
      server.on('error', (e) => log.warn(`port proxy [${m.hostIP}]:${m.hostPort}: ${e.message}`));
      resolve(() => {
        server.close();
        for (const s of conns) s.destroy();
      });
    });
  });
}

function udp(m: PortMapping, target: string): Promise<Closer> {
  const sock = dgram.createSocket({ type: 'udp6', ipv6Only: true });
  // one upstream socket per client, so that answers go back to the client that asked
  const clients = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
  const drop = (key: string) => {
    const c = clients.get(key);
    if (!c) return;
    clearTimeout(c.timer);
    c.up.close();
    clients.delete(key);
  };
  sock.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let c = clients.get(key);
    if (!c) {
      const up = dgram.createSocket(isV6(target) ? 'udp6' : 'udp4');
      up.on('message', (res) => sock.send(res, from.port, from.address));
      up.on('error', () => drop(key));
      c = { up, timer: setTimeout(() => drop(key), UDP_IDLE_MS) };
      clients.set(key, c);
    }
    c.timer.refresh();
    c.up.send(msg, m.containerPort, target);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(m.hostPort, m.hostIP, () => {
      sock.off('error', reject);
      sock.on('error', (e) => log.warn(`port proxy udp [${m.hostIP}]:${m.hostPort}: ${e.message}`));
      resolve(() => {
        for (const k of [...clients.keys()]) drop(k);
        sock.close();
      });
    });
  });
}
