// The embedded DNS's reverse look-ups (PTR, as dockerd's ResolveIP answers them) and DNS over TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { reverseNameIp, resolveLocally, parseQuestion } from '../../../src/network/dns.ts';
import { serveTcp, askOverTcp } from '../../../src/network/dns-tcp.ts';
import { dnsQuery } from './dns-query.ts';

const query = dnsQuery;

/** The PTR target of an answer with one record after the question. */
function ptrTarget(res: Buffer): string {
  const q = parseQuestion(res)!;
  let off = q.end + 12;
  const labels: string[] = [];
  while (res[off]) {
    labels.push(res.subarray(off + 1, off + 1 + res[off]!).toString());
    off += 1 + res[off]!;
  }
  return labels.join('.') + '.';
}

test('reverse names: in-addr.arpa and ip6.arpa to their addresses; anything else is not one', () => {
  assert.equal(reverseNameIp('5.0.18.172.in-addr.arpa'), '172.18.0.5');
  assert.equal(reverseNameIp('5.0.18.172.IN-ADDR.ARPA.'), '172.18.0.5');
  assert.equal(reverseNameIp(`${'20010db8000000000000000000000001'.split('').reverse().join('.')}.ip6.arpa`), '2001:db8::1');
  assert.equal(reverseNameIp('0.18.172.in-addr.arpa'), undefined);
  assert.equal(reverseNameIp('300.0.18.172.in-addr.arpa'), undefined);
  assert.equal(reverseNameIp('x.ip6.arpa'), undefined);
  assert.equal(reverseNameIp('example.org'), undefined);
});

test('PTR: a container\'s address answered with "name.network."; other addresses and types forwarded', () => {
  const reverse = (ip: string) => (ip === '172.18.0.5' ? 'web.mynet' : undefined);
  const r = resolveLocally(query('5.0.18.172.in-addr.arpa', 12), () => [], reverse);
  assert.ok(r && 'reply' in r);
  const res = r.reply;
  assert.equal(res.readUInt16BE(0), 0x1234);
  assert.equal(res.readUInt16BE(2) & 0x8000, 0x8000, 'a response');
  assert.equal(res.readUInt16BE(2) & 0xf, 0, 'NOERROR');
  assert.equal(res.readUInt16BE(6), 1, 'one answer');
  const q = parseQuestion(res)!;
  assert.equal(res.readUInt16BE(q.end + 2), 12, 'of type PTR');
  assert.equal(res.readUInt32BE(q.end + 6), 600, 'dockerd\'s TTL');
  assert.equal(ptrTarget(res), 'web.mynet.');
  const other = resolveLocally(query('9.0.18.172.in-addr.arpa', 12), () => [], reverse);
  assert.ok(other && 'forward' in other);
  const a = resolveLocally(query('5.0.18.172.in-addr.arpa', 1), () => [], reverse);
  assert.ok(a && 'forward' in a);
});

test('DNS over TCP: messages framed with their length, answered on their connection; a query asked of a server over TCP', async () => {
  const server = net.createServer();
  const seen: string[] = [];
  const conns = serveTcp(
    server,
    async (msg, client) => {
      seen.push(client);
      const r = resolveLocally(msg, (name) => (name === 'web' ? ['10.0.0.7'] : []));
      return r && 'reply' in r ? r.reply : undefined;
    },
    (e) => assert.fail(e),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const res = await askOverTcp(query('web', 1), '127.0.0.1', port);
    assert.ok(res);
    assert.equal(res.readUInt16BE(6), 1);
    assert.deepEqual([...res.subarray(res.length - 4)], [10, 0, 0, 7]);
    assert.deepEqual(seen, ['127.0.0.1']);
    // two messages in one write, then one split over two writes
    const c = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    c.on('data', (d) => got.push(d));
    const frame = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);
    const two = Buffer.concat([frame(query('web', 1)), frame(query('web', 1))]);
    c.write(two.subarray(0, 5));
    await new Promise((r) => setTimeout(r, 50));
    c.write(two.subarray(5));
    for (let i = 0; i < 50 && Buffer.concat(got).length < 2 * (2 + res.length); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(Buffer.concat(got).length, 2 * (2 + res.length));
    c.destroy();
    // a client that closes its side right after its query (as nc does) still gets the answer, however late
    const late = net.createServer();
    const lateConns = serveTcp(late, async (msg) => {
      await new Promise((r) => setTimeout(r, 100));
      const r = resolveLocally(msg, () => ['10.0.0.8']);
      return r && 'reply' in r ? r.reply : undefined;
    }, (e) => assert.fail(e));
    await new Promise<void>((r) => late.listen(0, '127.0.0.1', r));
    const hc = net.connect((late.address() as net.AddressInfo).port, '127.0.0.1');
    const lateGot: Buffer[] = [];
    hc.on('data', (d) => lateGot.push(d));
    const ended = new Promise((r) => hc.on('end', r));
    hc.end(frame(query('web', 1)));
    await ended;
    assert.deepEqual([...Buffer.concat(lateGot).subarray(-4)], [10, 0, 0, 8], 'answered, then the connection ended');
    for (const x of lateConns) x.destroy();
    late.close();
    // a server that is not there: no answer, quickly
    const t0 = Date.now();
    assert.equal(await askOverTcp(query('web', 1), '127.0.0.1', 1), undefined);
    assert.ok(Date.now() - t0 < 1500);
  } finally {
    for (const c of conns) c.destroy();
    server.close();
  }
});
