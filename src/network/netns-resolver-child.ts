// The short-lived program berthd runs under `nsenter --net=<container's namespace>` (see
// netns-resolver.ts): Node cannot enter a namespace, but a socket belongs to the namespace it was made
// in, so this child makes them there and hands them to berthd over Node's IPC channel, then exits.
// As dockerd's resolver: UDP and TCP listeners on 127.0.0.11 at free ports (port 53 stays free for a
// DNS server of the container's own), and iptables NAT rules in the namespace that send 127.0.0.11:53
// to them; plus an unbound-port UDP socket for the queries forwarded to the container's servers, which
// must leave from the container's network as dockerd's do.
//
// argv[2]: "again" when the namespace may hold the rules of an earlier berthd (their chains are
// flushed and refilled, the jumps to them added only when missing). Messages: {ports} once all is
// set, then one {kind} per socket with its handle; {error} on failure.
import dgram from 'node:dgram';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { resolverRules, RESOLVER_IP } from './resolver-rules.ts';

function fail(e: unknown): void {
  process.send?.({ error: e instanceof Error ? e.message : String(e) }, () => process.exit(1));
}

function bindUdp(addr: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, addr, () => resolve(s));
  });
}

function listenTcp(addr: string): Promise<net.Server> {
  const s = net.createServer();
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, addr, () => resolve(s));
  });
}

/** 127.0.0.11 exists once the namespace's loopback is up: berthd brings it up while the endpoints are
 * wired, so this may come first; then it brings it up itself (the same idempotent step). */
async function withLoopback<T>(bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL') throw e;
    const r = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip link set lo up: ${r.stderr?.trim() ?? r.error?.message}`, { cause: e });
    return bind();
  }
}

function iptables(bin: string, args: string[], input?: string): string {
  const r = spawnSync(bin, args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const again = process.argv[2] === 'again';
  const udp = await withLoopback(() => bindUdp(RESOLVER_IP));
  const [tcp, fwd] = await Promise.all([listenTcp(RESOLVER_IP), bindUdp('0.0.0.0')]);
  const udpPort = udp.address().port;
  const tcpPort = (tcp.address() as net.AddressInfo).port;
  const existing = again ? iptables('iptables-save', ['-t', 'nat']) : '';
  iptables('iptables-restore', ['-w', '--noflush'], resolverRules(udpPort, tcpPort, existing));
  const send = (msg: object, handle: dgram.Socket | net.Server) => new Promise<void>((resolve, reject) => process.send!(msg, handle, undefined, (e) => (e ? reject(e) : resolve())));
  await send({ kind: 'udp', port: udpPort }, udp);
  await send({ kind: 'tcp', port: tcpPort }, tcp);
  await send({ kind: 'forward' }, fwd);
  // berthd closes the channel once it holds the three: then nothing keeps this process alive
  for (const s of [udp, fwd]) s.close();
  tcp.close();
  process.on('disconnect', () => process.exit(0));
}

main().catch(fail);
