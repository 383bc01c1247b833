// Network pieces an end-to-end test makes for itself on this machine: a veth pair to serve as the parent
// of a macvlan/ipvlan network (this CI kernel has no `dummy` link type; a veth end is as local), and a
// tiny DNS server (UDP and TCP) standing in for a container's --dns server (busybox has none).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { run } from './docker.ts';

/** A veth pair, both ends up; returns the end to give to -o parent (its peer is `<parent>p`). */
export async function makeVethParent(prefix = 'bmv'): Promise<string> {
  const parent = `${prefix}${crypto.randomBytes(3).toString('hex')}`;
  for (const args of [['link', 'add', parent, 'type', 'veth', 'peer', 'name', `${parent}p`], ['link', 'set', parent, 'up'], ['link', 'set', `${parent}p`, 'up']]) {
    const r = await run('ip', args);
    assert.equal(r.code, 0, r.stderr);
  }
  return parent;
}

/** A DNS server on bind:53 (UDP and TCP) that answers every A query with `ip`; records the names
 * asked (`askedTcp`: those that came over TCP). */
export async function fakeDns(bind: string, ip: string): Promise<{ asked: string[]; askedTcp: string[]; close: () => void }> {
  const asked: string[] = [];
  const askedTcp: string[] = [];
  const respond = (msg: Buffer, names: string[]): Buffer => {
    let off = 12;
    const labels: string[] = [];
    while (msg[off]) {
      labels.push(msg.subarray(off + 1, off + 1 + msg[off]!).toString());
      off += 1 + msg[off]!;
    }
    const qEnd = off + 5;
    names.push(labels.join('.'));
    const isA = msg.readUInt16BE(off + 1) === 1;
    const head = Buffer.from(msg.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(isA ? 1 : 0, 6);
    const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)]);
    return Buffer.concat([head, msg.subarray(12, qEnd), ...(isA ? [rr] : [])]);
  };
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => sock.send(respond(msg, asked), from.port, from.address));
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(53, bind, () => resolve());
  });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((c) => {
    conns.add(c);
    c.on('error', () => c.destroy());
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const res = respond(buf.subarray(2, 2 + buf.readUInt16BE(0)), askedTcp);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        c.write(Buffer.concat([Buffer.from([res.length >> 8, res.length & 0xff]), res]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(53, bind, () => resolve());
  });
  return {
    asked,
    askedTcp,
    close: () => {
      sock.close();
      tcp.close();
      for (const c of conns) c.destroy();
    },
  };
}
