// Network pieces an end-to-end test makes for itself on this machine: a veth pair to serve as the parent
// of a macvlan/ipvlan network (this CI kernel has no `dummy` link type; a veth end is as local), and a
// tiny UDP DNS server standing in for a container's --dns server (busybox has none).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
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

/** A DNS server on bind:53 that answers every A query with `ip`; records the names asked. */
export async function fakeDns(bind: string, ip: string): Promise<{ asked: string[]; close: () => void }> {
  const asked: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, from) => {
    let off = 12;
    const labels: string[] = [];
    while (msg[off]) {
      labels.push(msg.subarray(off + 1, off + 1 + msg[off]!).toString());
      off += 1 + msg[off]!;
    }
    const qEnd = off + 5;
    asked.push(labels.join('.'));
    const isA = msg.readUInt16BE(off + 1) === 1;
    const head = Buffer.from(msg.subarray(0, 12));
    head.writeUInt16BE(0x8180, 2);
    head.writeUInt16BE(isA ? 1 : 0, 6);
    const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)]);
    sock.send(Buffer.concat([head, msg.subarray(12, qEnd), ...(isA ? [rr] : [])]), from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(53, bind, () => resolve());
  });
  return { asked, close: () => sock.close() };
}
