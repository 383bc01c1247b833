import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { LoopbackProxies } from '../../../src/network/loopback-proxy.ts';
import type { PortMapping } from '../../../src/network/ports.ts';

// The proxy between loopback sockets: [::1] on the "host" side, a server on 127.0.0.1 standing in for a
// container's IPv4 address.

async function freeV6Port(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen({ host: '::1', port: 0, ipv6Only: true }, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Everything a TCP client gets after sending `msg` and ending its side, or the error code. */
function exchange(port: number, msg: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ host: '::1', port });
    let got = '';
    c.on('data', (d) => (got += d));
    c.on('end', () => resolve(got));
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    c.end(msg);
  });
}

test('TCP: an IPv6 client reaches an IPv4 target, its half-close passed on and the whole answer back; gone at stop', async () => {
  // answers only once the request is complete (the client's end), then ends
  const target = net.createServer({ allowHalfOpen: true }, (s) => {
    let req = '';
    s.on('data', (d) => (req += d));
    s.on('end', () => s.end(`got:${req}:${'x'.repeat(100_000)}`));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const proxies = new LoopbackProxies();
  const port = await freeV6Port();
  const m: PortMapping = { hostIP: '::1', hostPort: port, containerPort: (target.address() as net.AddressInfo).port, protocol: 'tcp' };
  try {
    await proxies.start('c1', [m], '127.0.0.1');
    const got = await exchange(port, 'ping');
    assert.equal(got.length, 'got:ping:'.length + 100_000);
    assert.ok(got.startsWith('got:ping:'));
    // a port held elsewhere: docker-proxy's words
    await assert.rejects(new LoopbackProxies().start('c2', [m], '127.0.0.1'), new RegExp(`^Error: Error starting userland proxy: listen tcp6 \\[::1\\]:${port}: bind: address already in use$`));
    proxies.stop('c1');
    assert.equal(await exchange(port, 'ping'), 'ECONNREFUSED');
  } finally {
    proxies.closeAll();
    target.close();
  }
});

test('UDP: datagrams of an IPv6 client reach an IPv4 target and its answers come back to that client', async () => {
  const target = dgram.createSocket('udp4');
  target.on('message', (msg, from) => target.send(`echo:${msg}`, from.port, from.address));
  await new Promise<void>((r) => target.bind(0, '127.0.0.1', r));
  const proxies = new LoopbackProxies();
  const port = await freeV6Port();
  const client = dgram.createSocket('udp6');
  try {
    await proxies.start('c1', [{ hostIP: '::1', hostPort: port, containerPort: target.address().port, protocol: 'udp' }], '127.0.0.1');
    client.send('hi', port, '::1');
    const [msg] = (await once(client, 'message')) as [Buffer];
    assert.equal(msg.toString(), 'echo:hi');
  } finally {
    client.close();
    proxies.closeAll();
    target.close();
  }
});
