// End-to-end: the macvlan and ipvlan drivers. The parent interface is a veth pair the test makes (this
// CI kernel has no `dummy` link type; a veth end is as local), never a real interface: traffic stays
// between the test's own containers. Docker's messages for bad options, and no link, network or address
// left behind by a refused create.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { docker, run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

/** A veth pair, both ends up: `parent` is the one given to -o parent (names fit the 15-byte limit). */
async function makeParent(): Promise<string> {
  const parent = `bmv${crypto.randomBytes(3).toString('hex')}`;
  for (const args of [['link', 'add', parent, 'type', 'veth', 'peer', 'name', `${parent}p`], ['link', 'set', parent, 'up'], ['link', 'set', `${parent}p`, 'up']]) {
    const r = await run('ip', args);
    assert.equal(r.code, 0, r.stderr);
  }
  return parent;
}

/** The host's links whose name starts with `prefix`. */
async function links(prefix: string): Promise<string[]> {
  const r = await run('ip', ['-o', 'link', 'show']);
  return r.stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter((n) => n.startsWith(prefix));
}

/** Whether this kernel can make a link of `type` on a veth (ipvlan and 802.1q VLANs may be missing). */
async function kernelHas(parent: string, type: string[]): Promise<boolean> {
  const name = `bk${crypto.randomBytes(3).toString('hex')}`;
  const r = await run('ip', ['link', 'add', 'link', parent, 'name', name, 'type', ...type]);
  if (r.code === 0) await run('ip', ['link', 'del', name]);
  return r.code === 0;
}

describe('macvlan and ipvlan networks', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const parents: string[] = [];
  const parent = async () => {
    const p = await makeParent();
    parents.push(p);
    return p;
  };
  after(async () => {
    for (const p of parents) await run('ip', ['link', 'del', p]);
  });
  const networks = async () => ok(await dk(['network', 'ls', '--format', '{{.Name}}'])).split('\n');

  test('two containers on a macvlan network reach each other; the network echoes its options', T, async () => {
    const p = await parent();
    const nw = uniq('mv');
    ok(await dk(['network', 'create', '-d', 'macvlan', '--subnet', '10.177.0.0/24', '-o', `parent=${p}`, '-o', 'macvlan_mode=bridge', nw]));
    const srv = uniq('srv');
    try {
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{.Driver}} {{index .Options "parent"}} {{index .Options "macvlan_mode"}} {{(index .IPAM.Config 0).Subnet}}', nw])).trim(), `macvlan ${p} bridge 10.177.0.0/24`);
      ok(await dk(['run', '-d', '--name', srv, '--network', nw, '--ip', '10.177.0.10', t.image, 'nc', '-ll', '-p', '80', '-e', 'echo', 'hi']));
      assert.equal(ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").IPAddress}} {{(index .NetworkSettings.Networks "${nw}").Gateway}}`, srv])).trim(), '10.177.0.10 10.177.0.1');
      const out = ok(await dk(['run', '--rm', '--network', nw, t.image, 'sh', '-c', 'ip -o -4 addr show eth0; ip route; sleep 0.5; nc -w 2 10.177.0.10 80 </dev/null']));
      assert.match(out, /inet 10\.177\.0\.\d+\/24/);
      assert.match(out, /default via 10\.177\.0\.1 dev eth0/);
      assert.match(out, /^hi$/m);
      // a running container joins the network (network connect): a second interface, reaching the server
      const other = uniq('joiner');
      ok(await dk(['run', '-d', '--name', other, t.image, 'sleep', '300']));
      try {
        ok(await dk(['network', 'connect', nw, other]));
        assert.match(ok(await dk(['exec', other, 'ip', '-o', '-4', 'addr', 'show', 'eth1'])), /inet 10\.177\.0\.\d+\/24/);
        assert.equal(ok(await dk(['exec', other, 'sh', '-c', 'nc -w 2 10.177.0.10 80 </dev/null'])).trim(), 'hi');
        ok(await dk(['network', 'disconnect', nw, other]));
        assert.notEqual((await dk(['exec', other, 'ip', 'addr', 'show', 'eth1'])).code, 0, 'eth1 is still there after disconnect');
      } finally {
        await dk(['rm', '-f', other]);
      }
    } finally {
      await dk(['rm', '-f', srv]);
      ok(await dk(['network', 'rm', nw]));
    }
    assert.deepEqual(await links(`${p}.`), []);
  });

  test('a macvlan container without --mac-address gets a locally administered unicast MAC, the one inspect shows', T, async () => {
    // current dockerd (28+, GenerateRandomMAC) picks it at random, as Berth's macvlan port gets it from
    // the kernel; dockerd 20.10 derived it from the IPv4 address (02:42 and the address's 4 bytes)
    const p = await parent();
    const nw = uniq('mv');
    ok(await dk(['network', 'create', '-d', 'macvlan', '--subnet', '10.176.0.0/24', '-o', `parent=${p}`, nw]));
    const c = uniq('mac');
    try {
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '--ip', '10.176.0.7', t.image, 'sleep', '300']));
      const mac = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").MacAddress}}`, c])).trim();
      assert.equal(ok(await dk(['exec', c, 'cat', '/sys/class/net/eth0/address'])).trim(), mac);
      const first = parseInt(mac.slice(0, 2), 16);
      assert.equal(first & 0b11, 0b10, `${mac}: locally administered, unicast`);
      if (REAL_DOCKER) assert.equal(mac, '02:42:0a:b0:00:07');
    } finally {
      await dk(['rm', '-f', c]);
      ok(await dk(['network', 'rm', nw]));
    }
  });

  test('--internal: no default route; options the driver does not read are kept, as dockerd', T, async () => {
    const p = await parent();
    const nw = uniq('mvi');
    ok(await dk(['network', 'create', '-d', 'macvlan', '--internal', '--subnet', '10.178.0.0/24', '-o', `parent=${p}`, '-o', 'berth.test=1', nw]));
    try {
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{.Internal}} {{index .Options "berth.test"}}', nw])).trim(), 'true 1');
      const routes = ok(await dk(['run', '--rm', '--network', nw, t.image, 'ip', 'route']));
      assert.doesNotMatch(routes, /default/);
      assert.match(routes, /10\.178\.0\.0\/24 dev eth0/);
      // these drivers publish no ports: dockerd keeps the bindings asked for and shows no published port
      const c = uniq('pub');
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', '127.0.0.1:18999:80', t.image, 'sleep', '60']));
      try {
        assert.equal(ok(await dk(['inspect', '-f', '{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}}', c])).trim(), '{} {"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18999"}]}');
        assert.equal(ok(await dk(['port', c])).trim(), '');
      } finally {
        await dk(['rm', '-f', c]);
      }
    } finally {
      ok(await dk(['network', 'rm', nw]));
    }
  });

  test('bad options: Docker\'s messages, and nothing made', T, async () => {
    const p = await parent();
    const before = await networks();
    const cases: [string[], RegExp][] = [
      [['-d', 'macvlan', '-o', 'parent=berthnosuch0'], /invalid subinterface vlan name berthnosuch0, example formatting is eth0\.10/],
      [['-d', 'macvlan', '-o', `parent=${p}`, '-o', 'macvlan_mode=bogus'], /requested macvlan mode 'bogus' is not valid, 'bridge' mode is the macvlan driver default/],
      [['-d', 'ipvlan', '-o', `parent=${p}`, '-o', 'ipvlan_mode=l4'], /requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default/],
      [['-d', 'macvlan', '-o', 'parent=lo'], /loopback interface is not a valid macvlan parent link/],
      [['-d', 'macvlan', '-o', 'parent=berthnosuch0.50'], /-o parent interface does was not found on the host: berthnosuch0/],
      [['-d', 'berthfoo'], /plugin "berthfoo" not found/],
    ];
    for (const [args, re] of cases) {
      const r = await dk(['network', 'create', ...args, uniq('bad')]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    assert.deepEqual(await networks(), before);
    assert.deepEqual(await links('berthnosuch0'), []);
  });

  test('a second network of the driver on the same parent is refused', T, async () => {
    const p = await parent();
    const nw = uniq('mv');
    const id = ok(await dk(['network', 'create', '-d', 'macvlan', '--subnet', '10.179.0.0/24', '-o', `parent=${p}`, nw])).trim();
    try {
      const r = await dk(['network', 'create', '-d', 'macvlan', '--subnet', '10.179.1.0/24', '-o', `parent=${p}`, uniq('mv')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`network dm-${id.slice(0, 12)} is already using parent interface ${p}`));
    } finally {
      ok(await dk(['network', 'rm', nw]));
    }
  });

  test('-o parent=IFACE.VLAN: the driver makes the VLAN subinterface and deletes it with the network', T, async () => {
    const p = await parent();
    const nw = uniq('mvv');
    const r = await dk(['network', 'create', '-d', 'macvlan', '--subnet', '10.180.0.0/24', '-o', `parent=${p}.50`, nw]);
    if (!(await kernelHas(p, ['vlan', 'id', '9']))) {
      // a kernel without 802.1q: both daemons say so, and leave no link and no network
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`failed to create ${p}\\.50 vlan link: operation not supported`));
      assert.ok(!(await networks()).includes(nw));
    } else {
      ok(r);
      assert.deepEqual(await links(`${p}.50`), [`${p}.50`]);
      ok(await dk(['network', 'rm', nw]));
    }
    assert.deepEqual(await links(`${p}.50`), []);
  });

  test('ipvlan: created with its mode; containers get a port of the parent where the kernel has ipvlan', T, async () => {
    const p = await parent();
    const nw = uniq('iv');
    ok(await dk(['network', 'create', '-d', 'ipvlan', '--subnet', '10.181.0.0/24', '-o', `parent=${p}`, '-o', 'ipvlan_mode=l2', nw]));
    try {
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{.Driver}} {{index .Options "ipvlan_mode"}}', nw])).trim(), 'ipvlan l2');
      const r = await dk(['run', '--rm', '--network', nw, t.image, 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
      if (await kernelHas(p, ['ipvlan', 'mode', 'l2'])) assert.match(ok(r), /inet 10\.181\.0\.\d+\/24/);
      else assert.notEqual(r.code, 0, 'a container ran on ipvlan on a kernel without ipvlan');
    } finally {
      ok(await dk(['network', 'rm', nw]));
    }
  });
});
