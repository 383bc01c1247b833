// End-to-end: name resolution and MAC addresses on macvlan/ipvlan networks. As dockerd, the embedded DNS
// is at 127.0.0.11 inside each container's namespace (a macvlan container cannot reach its host), answers
// the names of the network's containers and forwards the rest to the container's servers, from the
// container's own network; it survives a daemon restart and follows the container through stop/start.
// The parent link is a veth pair the test makes; the --dns server is the test's own, on the peer end.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { docker, run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq, curl, waitFor } from '../helpers/util.ts';
import { makeVethParent, fakeDns } from '../helpers/local-net.ts';

const skip = e2eSkipReason();

/** resolv.conf without its comments (current Docker writes a header and a footer; 20.10 none). */
const resolvLines = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));

/** An A query for `name` as DNS over TCP sends it (length first). */
function tcpQuery(name: string): Buffer {
  const q = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  return Buffer.concat([len, q]);
}

/** Bytes as printf's octal escapes. */
const octal = (b: Buffer) => [...b].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join('');

describe('macvlan/ipvlan: embedded DNS and MAC addresses', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const parents: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    for (const p of parents) await run('ip', ['link', 'del', p]);
  });
  /** A macvlan network on a fresh veth parent, removed (with its containers) after the file. */
  const macvlan = async (subnet: string) => {
    const p = await makeVethParent();
    parents.push(p);
    const nw = uniq('mvdns');
    ok(await dk(['network', 'create', '-d', 'macvlan', '--subnet', subnet, '-o', `parent=${p}`, nw]));
    cleanups.push(() => dk(['network', 'rm', nw]));
    return { p, nw };
  };
  const container = async (args: string[]) => {
    const name = uniq('c');
    ok(await dk(['run', '-d', '--name', name, ...args]));
    cleanups.push(() => dk(['rm', '-f', name]));
    return name;
  };
  const ipOn = async (c: string, nw: string) => ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").IPAddress}}`, c])).trim();
  const resolves = (out: string, ip: string) => new RegExp(`Address:? +(\\d+ )?${ip.replaceAll('.', '\\.')}\\b`).test(out);

  test('containers resolve each other by name, alias and short id at 127.0.0.11; resolv.conf as dockerd writes it', T, async () => {
    const { nw } = await macvlan('10.181.0.0/24');
    const srv = await container(['--network', nw, '--network-alias', 'srv-alias', '--ip', '10.181.0.10', t.image, 'sleep', '300']);
    const client = await container(['--network', nw, t.image, 'sleep', '300']);
    // a container without options: the resolver and ndots:0 only (this host's resolv.conf has no search)
    assert.deepEqual(resolvLines(ok(await dk(['exec', client, 'cat', '/etc/resolv.conf']))), ['nameserver 127.0.0.11', 'options ndots:0']);
    // --dns-search and --dns-option are kept, ndots:0 after the options given (not when one sets ndots)
    const withOpts = ok(await dk(['run', '--rm', '--network', nw, '--dns-search', 'corp.test', '--dns-option', 'timeout:3', t.image, 'cat', '/etc/resolv.conf']));
    assert.deepEqual(resolvLines(withOpts), ['search corp.test', 'nameserver 127.0.0.11', 'options timeout:3 ndots:0']);
    const ndots = ok(await dk(['run', '--rm', '--network', nw, '--dns-option', 'ndots:2', t.image, 'cat', '/etc/resolv.conf']));
    assert.deepEqual(resolvLines(ndots), ['nameserver 127.0.0.11', 'options ndots:2']);
    const srvId = ok(await dk(['inspect', '-f', '{{.Id}}', srv])).trim().slice(0, 12);
    for (const name of [srv, 'srv-alias', srvId]) {
      const out = ok(await dk(['exec', client, 'nslookup', name]));
      assert.ok(resolves(out, '10.181.0.10'), `${name}:\n${out}`);
    }
    assert.match(ok(await dk(['exec', client, 'ping', '-c1', '-W2', srv])), /1 packets received/);
    // the reverse look-up of its address names it on the network, as dockerd's ResolveIP: "name.network"
    const rev = ok(await dk(['exec', client, 'nslookup', '10.181.0.10']));
    assert.match(rev, new RegExp(`name = ${srv}\\.${nw}\\.?$`, 'm'), rev);
    // over TCP too (a 2-byte length before the message): the answer's last 4 bytes are the address
    const tcp = ok(await dk(['exec', client, 'sh', '-c', `printf '${octal(tcpQuery(srv))}' | nc -w 2 127.0.0.11 53 | od -An -tu1`]));
    assert.deepEqual(tcp.trim().split(/\s+/).slice(-4), ['10', '181', '0', '10'], tcp);
    // and the other way, from the first container to the second
    const out = ok(await dk(['exec', srv, 'nslookup', client]));
    assert.ok(resolves(out, await ipOn(client, nw)), out);
  });

  test('other names go to the container\'s --dns server, from the container\'s network; port 53 stays free', T, async () => {
    const { p, nw } = await macvlan('10.183.0.0/24');
    const add = await run('ip', ['addr', 'add', '10.183.0.250/24', 'dev', `${p}p`]);
    assert.equal(add.code, 0, add.stderr);
    const server = await fakeDns('10.183.0.250', '10.9.8.7');
    cleanups.push(async () => server.close());
    const peer = await container(['--network', nw, t.image, 'sleep', '300']);
    const peerIp = await ipOn(peer, nw);
    // the container serves port 53 itself (dockerd's resolver listens on other ports, NATed from 53)
    const client = await container(['--network', nw, '--dns', '10.183.0.250', t.image, 'nc', '-ll', '-p', '53', '-e', 'echo', 'own server']);
    assert.deepEqual(resolvLines(ok(await dk(['exec', client, 'cat', '/etc/resolv.conf']))), ['nameserver 127.0.0.11', 'options ndots:0']);
    const other = ok(await dk(['exec', client, 'nslookup', '-type=a', 'only-the-custom-server-knows.example.']));
    assert.ok(resolves(other, '10.9.8.7'), other);
    assert.ok(server.asked.includes('only-the-custom-server-knows.example'), `${server.asked}`);
    const byName = ok(await dk(['exec', client, 'nslookup', `${peer}.`]));
    assert.ok(resolves(byName, peerIp), byName);
    assert.ok(!server.asked.some((n) => n.startsWith(peer)), `the server was asked for a container's name: ${server.asked}`);
    const own = await ipOn(client, nw);
    assert.equal(ok(await dk(['exec', peer, 'sh', '-c', `nc -w 2 ${own} 53 </dev/null`])).trim(), 'own server');
  });

  test('the resolver comes back after a daemon restart, and with the container after stop and start', T, async () => {
    const { nw } = await macvlan('10.184.0.0/24');
    const srv = await container(['--network', nw, '--ip', '10.184.0.10', t.image, 'sleep', '300']);
    const client = await container(['--network', nw, t.image, 'sleep', '300']);
    assert.ok(resolves(ok(await dk(['exec', client, 'nslookup', srv])), '10.184.0.10'));
    await t.d.restart();
    await waitFor(async () => resolves((await dk(['exec', client, 'nslookup', srv])).stdout, '10.184.0.10'), 'the name to resolve after the restart', 20_000, 500);
    // a daemon killed with SIGKILL too (the containers run on; the restarted daemon finds them)
    await t.d.stopDaemon({ signal: 'SIGKILL' });
    await t.d.startDaemon();
    await waitFor(async () => resolves((await dk(['exec', client, 'nslookup', srv])).stdout, '10.184.0.10'), 'the name to resolve after kill -9 and a start', 20_000, 500);
    ok(await dk(['restart', '-t', '1', client]));
    const again = ok(await dk(['exec', client, 'nslookup', srv]));
    assert.ok(resolves(again, '10.184.0.10'), again);
  });

  test('a running container that joins a macvlan network resolves its names, and its other network\'s, until it stops', T, async () => {
    const { nw } = await macvlan('10.188.0.0/24');
    const srv = await container(['--network', nw, '--ip', '10.188.0.10', t.image, 'sleep', '300']);
    const br = uniq('brdns');
    ok(await dk(['network', 'create', '--subnet', '10.189.0.0/24', br]));
    cleanups.push(() => dk(['network', 'rm', br]));
    const peer = await container(['--network', br, t.image, 'sleep', '300']);
    const c = await container(['--network', br, t.image, 'sleep', '300']);
    ok(await dk(['network', 'connect', nw, c]));
    assert.deepEqual(resolvLines(ok(await dk(['exec', c, 'cat', '/etc/resolv.conf']))), ['nameserver 127.0.0.11', 'options ndots:0']);
    assert.ok(resolves(ok(await dk(['exec', c, 'nslookup', srv])), '10.188.0.10'));
    const peerIp = await ipOn(peer, br);
    assert.ok(resolves(ok(await dk(['exec', c, 'nslookup', peer])), peerIp));
    // leaving the macvlan network: the resolver stays (the file names it), for the bridge network's names
    ok(await dk(['network', 'disconnect', nw, c]));
    assert.ok(resolves(ok(await dk(['exec', c, 'nslookup', peer])), peerIp));
  });

  test('the resolver\'s sockets are the daemon\'s while the container runs, and released when it stops', T, async () => {
    const { nw } = await macvlan('10.187.0.0/24');
    const sockets = () => fs.readdirSync(`/proc/${t.d.pid}/fd`).filter((f) => { try { return fs.readlinkSync(`/proc/${t.d.pid}/fd/${f}`).startsWith('socket:'); } catch { return false; } }).length;
    const before = await waitFor(() => sockets(), 'the socket count');
    const c = await container(['--network', nw, t.image, 'sleep', '300']);
    // a UDP and a TCP listener at least (berthd: a third one, for the queries it forwards)
    assert.ok(sockets() >= before + 2, `${sockets()} sockets, ${before} before the container`);
    ok(await dk(['stop', '-t', '1', c]));
    await waitFor(() => sockets() <= before, `the sockets to be released (${before} before the container)`);
  });

  /** Create and start a container on `nw` through the raw API: the container-wide Config.MacAddress at
   * API 1.41 (dockerd 20.10's, and what older clients send), EndpointSettings.MacAddress at 1.44+. */
  const rawRun = async (v: 'v1.41' | 'v1.44', nw: string, mac: string) => {
    const body = v === 'v1.41' ? { Image: t.image, Cmd: ['sleep', '300'], MacAddress: mac, HostConfig: { NetworkMode: nw } } : { Image: t.image, Cmd: ['sleep', '300'], HostConfig: { NetworkMode: nw }, NetworkingConfig: { EndpointsConfig: { [nw]: { MacAddress: mac } } } };
    const name = uniq('rawmac');
    const r = await curl(t.d.socket, 'POST', `/${v}/containers/create?name=${name}`, JSON.stringify(body));
    assert.equal(r.status, 201, r.body);
    cleanups.push(() => dk(['rm', '-f', name]));
    return { name, start: await curl(t.d.socket, 'POST', `/${v}/containers/${name}/start`) };
  };

  test('a MAC address on macvlan: the interface has it, inspect shows it', T, async () => {
    const { nw } = await macvlan('10.185.0.0/24');
    // (dockerd 20.10 speaks API 1.41 only: the per-endpoint field of 1.44, which this docker CLI sends
    // for --mac-address, is checked against berthd alone)
    const cases: ['v1.41' | 'v1.44', string][] = [['v1.41', '02:42:0a:b9:00:77'], ...(REAL_DOCKER ? [] : [['v1.44', '02:42:0a:b9:00:78'] as ['v1.44', string]])];
    for (const [v, mac] of cases) {
      const { name, start } = await rawRun(v, nw, mac);
      assert.equal(start.status, 204, start.body);
      assert.match(ok(await dk(['exec', name, 'ip', 'link', 'show', 'eth0'])), new RegExp(`link/ether ${mac} `));
      assert.equal(ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").MacAddress}}`, name])).trim(), mac);
    }
    if (!REAL_DOCKER) {
      const c = await container(['--network', nw, '--mac-address', '02:42:0a:b9:00:79', t.image, 'sleep', '300']);
      assert.match(ok(await dk(['exec', c, 'ip', 'link', 'show', 'eth0'])), /link\/ether 02:42:0a:b9:00:79 /);
    }
  });

  test('--mac-address on ipvlan: refused when the container starts, with dockerd\'s message', T, async () => {
    const p = await makeVethParent();
    parents.push(p);
    const nw = uniq('ipv');
    ok(await dk(['network', 'create', '-d', 'ipvlan', '--subnet', '10.186.0.0/24', '-o', `parent=${p}`, nw]));
    cleanups.push(() => dk(['network', 'rm', nw]));
    // created, then refused at start with a 500, as dockerd's driver does when it makes the endpoint
    const { name, start } = await rawRun('v1.41', nw, '02:42:0a:ba:00:05');
    assert.equal(start.status, 500, start.body);
    assert.match(start.json?.message ?? '', /ipvlan interfaces do not support custom mac address assignment/);
    assert.equal(ok(await dk(['inspect', '-f', '{{.State.Running}}', name])).trim(), 'false');
  });
});
