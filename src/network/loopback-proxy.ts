// Ports published on the IPv6 loopback address (-p [::1]:8080:80). IPv6 has no route_localnet: a packet
// from ::1 that DNAT sends to a container's address never comes back to the socket that sent it, so
// iptables cannot carry these, and dockerd carries them with its userland proxy (docker-proxy). Berth
// does the same in the daemon: a listener on [::1]:port per mapping that copies each connection (TCP) or
// each client's datagrams (UDP) to the container's IPv6 address. They are opened at start, closed at
// stop, and opened again for running containers when berthd restarts.
import net from 'node:net';
import dgram from 'node:dgram';
import { log } from '../util/log.ts';
import type { PortMapping } from './ports.ts';

/** Whether a host address is carried by this proxy rather than by portmap's rules. */
export function proxied(hostIP: string): boolean {
  return hostIP === '::1';
}

const UDP_IDLE_MS = 30_000;

type Closer = () => void;

export class LoopbackProxies {
  private readonly open = new Map<string, Closer[]>();

  /** Listen on every proxied mapping of the container, forwarding to `target` (its IPv6 address). */
  async start(containerId: string, mappings: PortMapping[], target: string): Promise<void> {
    const mine = mappings.filter((m) => proxied(m.hostIP));
    if (!mine.length) return;
    this.stop(containerId);
    const closers: Closer[] = [];
    this.open.set(containerId, closers);
    try {
      for (const m of mine) closers.push(await (m.protocol === 'udp' ? udp(m, target) : tcp(m, target)));
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
  const server = net.createServer((client) => {
    const up = net.connect({ host: target, port: m.containerPort });
    conns.add(client).add(up);
    const end = () => {
      client.destroy();
      up.destroy();
      conns.delete(client);
      conns.delete(up);
    };
    client.pipe(up).pipe(client);
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
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
      const up = dgram.createSocket('udp6');
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
