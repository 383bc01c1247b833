// End-to-end: the network endpoints of the Engine API field by field, as dockerd answers them — the fields
// of POST /networks/create (names, Scope, Ingress, drivers, CheckDuplicate, IPAM pools and options,
// ConfigOnly/ConfigFrom, EnableIPv4/EnableIPv6), the query parameters of GET /networks/{id}, the errors of
// connect and disconnect (Force, NetworkID), prune of networks whose containers are stopped, and what
// --network container:X and --network host refuse or warn about. A refused create leaves no bridge, rule
// or pool behind. Where dockerd 20.10 differs from current dockerd (the reference), the test says so.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { docker, run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, uniq, curl } from '../helpers/util.ts';

const skip = e2eSkipReason();
const bridges = () => new Set(fs.readdirSync('/sys/class/net').filter((l) => /^br-/.test(l)));
const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

describe('network API', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const api = (method: string, p: string, body?: unknown) => curl(t.d.socket, method, p, body === undefined ? undefined : JSON.stringify(body));
  const create = (body: unknown) => api('POST', '/networks/create', body);
  const names = async () => ok(await dk(['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n');
  const refused = (r: Awaited<ReturnType<typeof api>>, status: number, message: string | RegExp) => {
    assert.equal(r.status, status, r.body);
    if (typeof message === 'string') assert.equal(r.json.message, message);
    else assert.match(r.json.message, message);
  };

  test('names Docker accepts: spaces, slashes, 300 characters; an empty name is refused', T, async () => {
    const spaced = `${uniq('test')} 01`;
    ok(await dk(['network', 'create', spaced]));
    assert.match(ok(await dk(['run', '--rm', '--network', spaced, t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])), /inet \d+\.\d+\.\d+\.\d+\//);
    assert.equal(ok(await dk(['network', 'inspect', '-f', '{{.Name}}', spaced])).trim(), spaced);
    ok(await dk(['network', 'rm', spaced]));
    for (const name of [`${uniq('a')}/b`, uniq('l').padEnd(300, 'x')]) {
      const r = await create({ Name: name });
      assert.equal(r.status, 201, r.body);
      const rm = await api('DELETE', `/networks/${r.json.Id}`);
      assert.equal(rm.status, 204, rm.body);
    }
    // (dockerd 20.10 says 500 "invalid name: ")
    if (REAL_DOCKER) refused(await create({ Name: '' }), 500, 'invalid name: ');
    else refused(await create({ Name: ' ' }), 400, 'invalid name: name is empty');
    refused(await create({ Name: 'default' }), 403, 'operation is not permitted on predefined default network ');
  });

  test('swarm-only requests are refused (Scope swarm or global, Ingress, overlay, a second host or null network) and nothing is made', T, async () => {
    const before = await names();
    const brBefore = bridges();
    const n = uniq('sw');
    refused(await create({ Name: n, Scope: 'swarm' }), 403, 'cannot create a swarm scoped network when swarm is not active');
    // (current dockerd refuses overlay with 403; dockerd 20.10 with 500)
    refused(await create({ Name: n, Scope: 'global' }), REAL_DOCKER ? 500 : 403, NOT_A_MANAGER);
    refused(await create({ Name: n, Driver: 'overlay' }), REAL_DOCKER ? 500 : 403, NOT_A_MANAGER);
    refused(await create({ Name: n, Ingress: true }), 403, 'Ingress network can only be global scope network');
    refused(await create({ Name: n, Driver: 'host' }), 403, 'only one instance of "host" network is allowed');
    refused(await create({ Name: n, Driver: 'null' }), 403, 'only one instance of "null" network is allowed');
    refused(await create({ Name: n, Driver: 'nosuchdriver' }), 404, 'plugin "nosuchdriver" not found');
    refused(await create({ Name: n, IPAM: { Driver: 'nosuchipam' } }), 404, 'plugin "nosuchipam" not found');
    assert.deepEqual(await names(), before);
    assert.deepEqual(bridges(), brBefore);
    const local = await create({ Name: n, Scope: 'local', Attachable: true, Labels: { a: 'b' } });
    assert.equal(local.status, 201, local.body);
    const got = (await api('GET', `/networks/${n}`)).json;
    assert.deepEqual([got.Scope, got.Attachable, got.Ingress, got.Labels], ['local', true, false, { a: 'b' }]);
    ok(await dk(['network', 'rm', n]));
  });

  test('com.docker.network.bridge.name: another network\'s bridge, or an interface that is no bridge, is refused', T, async () => {
    const br = `bnb${crypto.randomBytes(3).toString('hex')}`;
    const [n1, n2] = [uniq('br1'), uniq('br2')];
    ok(await dk(['network', 'create', '-o', `com.docker.network.bridge.name=${br}`, n1]));
    const id1 = ok(await dk(['network', 'inspect', '-f', '{{.Id}}', n1])).trim();
    refused(await create({ Name: n2, Options: { 'com.docker.network.bridge.name': br } }), 403, new RegExp(`^cannot create network [0-9a-f]{64} \\(${br}\\): conflicts with network ${id1} \\(${br}\\): networks have same bridge name$`));
    ok(await dk(['network', 'rm', n1]));
    // a veth the test makes stands for any interface of another kind: it is left as it was
    ok(await run('ip', ['link', 'add', br, 'type', 'veth', 'peer', 'name', `${br}p`]));
    try {
      refused(await create({ Name: n2, Options: { 'com.docker.network.bridge.name': br } }), 500, new RegExp(`existing interface ${br} is not a bridge`));
      assert.equal((await run('ip', ['-o', 'addr', 'show', 'dev', br])).stdout.includes('inet '), false, 'no address put on the interface');
      assert.ok(!(await names()).includes(n2));
    } finally {
      await run('ip', ['link', 'del', br]);
    }
  });

  test('a second network of a name is refused (CheckDuplicate is always on since API 1.44)', T, async () => {
    const n = uniq('dup');
    assert.equal((await create({ Name: n })).status, 201);
    refused(await create({ Name: n, CheckDuplicate: true }), 409, `network with name ${n} already exists`);
    const second = await create({ Name: n, CheckDuplicate: false });
    if (REAL_DOCKER) {
      // dockerd 20.10 makes a second network of the name with a warning; current dockerd refuses it
      assert.equal(second.status, 201, second.body);
      assert.match(second.json.Warning, /already exists/);
      ok(await dk(['network', 'rm', second.json.Id]));
    } else refused(second, 409, `network with name ${n} already exists`);
    ok(await dk(['network', 'rm', n]));
  });

  test('IPAM pools are checked as current dockerd checks them; a refused create leaves no bridge, rule or pool behind', T, async () => {
    const brBefore = bridges();
    const natBefore = (await run('iptables-save', ['-t', 'nat'])).stdout;
    const n = uniq('pool');
    // current dockerd refuses these before allocating; dockerd 20.10 made the networks (first three) or
    // answered with its IPAM's words
    const cases: [unknown, number, string, number, RegExp | undefined][] = [
      [{ Subnet: '10.250.61.5/24' }, 400, 'invalid network config:\ninvalid subnet 10.250.61.5/24: it should be 10.250.61.0/24', 201, undefined],
      [{ Subnet: '10.250.62.0/24', IPRange: '10.250.63.0/25' }, 400, "invalid network config:\ninvalid ip-range 10.250.63.0/25: parent subnet 10.250.62.0/24 doesn't contain ip-range", 201, undefined],
      [{ Subnet: '10.250.64.0/24', IPRange: '10.250.64.0/16' }, 400, 'invalid network config:\n* invalid ip-range 10.250.64.0/16: CIDR block is bigger than its parent subnet 10.250.64.0/24\n* invalid ip-range 10.250.64.0/16: it should be 10.250.0.0/16', 201, undefined],
      [{ Subnet: '10.250.65.0/24', Gateway: '10.250.66.1' }, 400, "invalid network config:\ninvalid gateway 10.250.66.1: parent subnet 10.250.65.0/24 doesn't contain this address", 500, /failed to allocate gateway \(10\.250\.66\.1\): Requested address is out of range/],
    ];
    for (const [cfg, status, message, status20, re20] of cases) {
      const r = await create({ Name: n, IPAM: { Config: [cfg] } });
      if (!REAL_DOCKER) refused(r, status, message);
      else {
        assert.equal(r.status, status20, r.body);
        if (r.status === 201) ok(await dk(['network', 'rm', n]));
        else assert.match(r.json.message, re20!);
      }
    }
    refused(await create({ Name: n, IPAM: { Config: [{ Subnet: '10.250.67.0/24' }, { Subnet: '10.250.68.0/24' }] } }), 403, "bridge driver doesn't support multiple subnets");
    refused(await create({ Name: n, IPAM: { Config: [{ Subnet: '10.250.69.0/24', AuxiliaryAddresses: { gw: '10.250.69.1' } }] } }), 500, 'failed to allocate secondary ip address (gw:10.250.69.1): Address already in use');
    assert.ok(!(await names()).includes(n));
    assert.deepEqual(bridges(), brBefore, 'no bridge made');
    assert.equal((await run('iptables-save', ['-t', 'nat'])).stdout.split('\n').filter((l) => /10\.250\.6\d\./.test(l)).length, natBefore.split('\n').filter((l) => /10\.250\.6\d\./.test(l)).length, 'no NAT rule made');
    // every pool of a refused network is free again (dockerd 20.10 keeps the pool of a network its IPAM
    // refused reserved until it restarts, a leak not copied)
    const again = REAL_DOCKER ? ['10.250.61.0/24', '10.250.67.0/24'] : ['10.250.61.0/24', '10.250.62.0/24', '10.250.65.0/24', '10.250.67.0/24', '10.250.69.0/24'];
    for (const subnet of again) {
      ok(await dk(['network', 'create', '--subnet', subnet, n]), `network create --subnet ${subnet}`);
      ok(await dk(['network', 'rm', n]));
    }
  });

  test('Options and IPAM.Options are echoed; com.docker.network.enable_ipv6 and EnableIPv4', T, async () => {
    const n = uniq('opts');
    assert.equal((await create({ Name: n, Options: { 'x.y': 'z' }, IPAM: { Driver: 'default', Options: { foo: 'bar' }, Config: [{ Subnet: '10.250.70.0/24', IPRange: '10.250.70.128/25' }] } })).status, 201);
    const got = (await api('GET', `/networks/${n}`)).json;
    assert.deepEqual(got.Options, { 'x.y': 'z' });
    assert.deepEqual(got.IPAM.Options, { foo: 'bar' });
    assert.equal(got.IPAM.Config[0].IPRange, '10.250.70.128/25');
    assert.match(ok(await dk(['run', '--rm', '--network', n, t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])), /inet 10\.250\.70\.(12[89]|1[3-9]\d|2\d\d)\/24/, 'an address of the IP range');
    ok(await dk(['network', 'rm', n]));
    // without IPAM.Options, null (as dockerd)
    assert.equal((await create({ Name: n })).status, 201);
    assert.equal((await api('GET', `/networks/${n}`)).json.IPAM.Options, null);
    ok(await dk(['network', 'rm', n]));

    // (dockerd 20.10 does not show the option in EnableIPv6, and its bridge driver refuses a bad value with 500)
    const v6 = await create({ Name: n, Options: { 'com.docker.network.enable_ipv6': 'true' }, IPAM: { Config: [{ Subnet: '10.250.71.0/24' }, { Subnet: 'fd00:db8:e1::/64' }] } });
    assert.equal(v6.status, 201, v6.body);
    assert.equal((await api('GET', `/networks/${n}`)).json.EnableIPv6, !REAL_DOCKER);
    ok(await dk(['network', 'rm', n]));
    const bad = await create({ Name: n, Options: { 'com.docker.network.enable_ipv6': 'maybe' } });
    if (REAL_DOCKER) refused(bad, 500, 'failed to parse com.docker.network.enable_ipv6 value: maybe (strconv.ParseBool: parsing "maybe": invalid syntax)');
    else refused(bad, 400, 'driver-opt "com.docker.network.enable_ipv6" is not a valid bool');
    // EnableIPv4 came with API 1.48: current dockerd makes an IPv6-only network, Berth's drivers cannot and
    // refuse it; an older client's field is not read (dockerd 20.10 knows no such field)
    if (!REAL_DOCKER) refused(await api('POST', '/v1.50/networks/create', { Name: n, EnableIPv4: false, EnableIPv6: true, IPAM: { Config: [{ Subnet: 'fd00:db8:e2::/64' }] } }), 400, /not supported by Berth/);
    const old = await api('POST', '/v1.41/networks/create', { Name: n, EnableIPv4: false });
    assert.equal(old.status, 201, old.body);
    ok(await dk(['network', 'rm', n]));
  });

  test('ConfigOnly and ConfigFrom: a configuration for other networks, taking no endpoint', T, async () => {
    const cfg = uniq('cfg');
    const child = uniq('child');
    const brBefore = bridges();
    refused(await create({ Name: cfg, ConfigOnly: true, Internal: true }), 403, 'configuration network can only contain network specific fields. Network operator fields like [ ingress | internal | attachable | scope ] are not supported.');
    assert.equal((await create({ Name: cfg, ConfigOnly: true, Options: { 'x.y': 'z' }, IPAM: { Config: [{ Subnet: '10.250.72.0/24' }] } })).status, 201);
    const c = (await api('GET', `/networks/${cfg}`)).json;
    assert.deepEqual([c.Driver, c.Scope, c.ConfigOnly, c.IPAM.Config[0].Subnet], ['null', 'local', true, '10.250.72.0/24']);
    assert.deepEqual(bridges(), brBefore, 'no bridge for a configuration network');
    fails(await dk(['run', '--rm', '--network', cfg, t.image, 'true']), 125, /cannot create endpoint on configuration-only network/);

    refused(await create({ Name: child, ConfigFrom: { Network: 'nosuch' } }), 404, 'configuration network "nosuch" does not exist');
    refused(await create({ Name: child, ConfigFrom: { Network: cfg }, IPAM: { Config: [{ Subnet: '10.250.73.0/24' }] } }), 403, /user.specified configurations are not supported if the network depends on a configuration network/);
    refused(await create({ Name: child, ConfigFrom: { Network: cfg }, Options: { a: 'b' } }), 403, 'network driver options are not supported if the network depends on a configuration network');
    assert.equal((await create({ Name: child, ConfigFrom: { Network: cfg } })).status, 201);
    const ch = (await api('GET', `/networks/${child}`)).json;
    assert.deepEqual([ch.Driver, ch.ConfigFrom.Network, ch.ConfigOnly, ch.IPAM.Config[0].Subnet, ch.Options], ['bridge', cfg, false, '10.250.72.0/24', { 'x.y': 'z' }]);
    assert.match(ok(await dk(['run', '--rm', '--network', child, t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])), /inet 10\.250\.72\.2\/24/);
    refused(await api('DELETE', `/networks/${cfg}`), 403, `error while removing network: configuration network "${cfg}" is in use`);
    // prune leaves configuration networks alone
    const pruned = (await api('POST', `/networks/prune?filters=${encodeURIComponent(JSON.stringify({ label: ['nosuchlabel'] }))}`)).json;
    assert.deepEqual(pruned.NetworksDeleted, null);
    ok(await dk(['network', 'rm', child, cfg]));
  });

  test('ConfigFrom with macvlan: the parent and the pool of the configuration network', T, async () => {
    // the parent is a veth pair the test makes (as network-drivers.test.ts), never a real interface
    const parent = `bcf${crypto.randomBytes(3).toString('hex')}`;
    ok(await run('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', `${parent}p`]));
    try {
      for (const end of [parent, `${parent}p`]) ok(await run('ip', ['link', 'set', end, 'up']));
      const cfg = uniq('mvcfg');
      const mv = uniq('mv');
      ok(await dk(['network', 'create', '--config-only', '--subnet', '10.250.75.0/24', '-o', `parent=${parent}`, cfg]));
      ok(await dk(['network', 'create', '-d', 'macvlan', '--config-from', cfg, mv]));
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{.Driver}} {{index .Options "parent"}} {{(index .IPAM.Config 0).Subnet}} {{.ConfigFrom.Network}}', mv])).trim(), `macvlan ${parent} 10.250.75.0/24 ${cfg}`);
      assert.match(ok(await dk(['run', '--rm', '--network', mv, t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0'])), /inet 10\.250\.75\.\d+\/24/);
      ok(await dk(['network', 'rm', mv, cfg]));
    } finally {
      await run('ip', ['link', 'del', parent]);
    }
  });

  test('GET /networks/{id}: verbose and scope', T, async () => {
    const n = uniq('insp');
    ok(await dk(['network', 'create', n]));
    assert.equal((await api('GET', `/networks/${n}?verbose=true&scope=local`)).json.Name, n);
    refused(await api('GET', `/networks/${n}?verbose=maybe`), 400, 'invalid value for verbose: maybe: strconv.ParseBool: parsing "maybe": invalid syntax');
    refused(await api('GET', `/networks/${n}?scope=swarm`), 404, `network ${n} not found`);
    refused(await api('GET', `/networks?filters=${encodeURIComponent(JSON.stringify({ type: ['odd'] }))}`), 500, "invalid filter: 'type'='odd'");
    ok(await dk(['network', 'rm', n]));
  });

  test('connect and disconnect: dockerd\'s errors, Force, NetworkID; stopped containers keep no network from going', T, async () => {
    const a = uniq('na');
    const b = uniq('nb');
    const c = uniq('c');
    const idle = uniq('idle');
    ok(await dk(['network', 'create', a]));
    ok(await dk(['network', 'create', b]));
    ok(await dk(['run', '-d', '--name', c, '--network', a, t.image, 'sleep', '300']));
    const connect = (net: string, body: unknown) => api('POST', `/networks/${net}/connect`, body);
    refused(await connect(b, {}), 400, 'invalid name or ID supplied: ""');
    refused(await connect(b, { Container: 'nosuch' }), 404, 'No such container: nosuch');
    refused(await connect('nosuch', { Container: c }), 404, 'network nosuch not found');
    refused(await connect(a, { Container: c }), 403, `endpoint with name ${c} already exists in network ${a}`);
    refused(await connect(b, { Container: c, EndpointConfig: { NetworkID: 'deadbeef' } }), 404, 'network deadbeef not found');
    refused(await connect('bridge', { Container: c, EndpointConfig: { Aliases: ['x'] } }), 400, 'network-scoped alias is supported only for containers in user defined networks');
    // (dockerd 20.10: "container cannot be disconnected from host network or connected to host network")
    refused(await connect('host', { Container: c }), 400, REAL_DOCKER ? 'container cannot be disconnected from host network or connected to host network' : 'cannot connect container to host network - container must be created in host network mode');
    refused(await connect('none', { Container: c }), 400, 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
    if (!REAL_DOCKER) {
      // what Berth cannot honour is refused (dockerd 20.10 speaks API 1.41, without GwPriority; it knows
      // no endpoint sysctls, which current dockerd sets on the container's interface)
      refused(await connect(b, { Container: c, EndpointConfig: { GwPriority: 5 } }), 400, /GwPriority\) is not supported by Berth/);
      refused(await connect(b, { Container: c, EndpointConfig: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.IFNAME.log_martians=1' } } }), 400, /endpoint driver option com.docker.network.endpoint.sysctls is not supported by Berth/);
    }
    const id = ok(await dk(['inspect', '-f', '{{.Id}}', c])).trim();
    const disconnect = (net: string, body: unknown) => api('POST', `/networks/${net}/disconnect`, body);
    refused(await disconnect(b, { Container: c }), 500, `container ${id} is not connected to network ${b}`);
    refused(await disconnect(b, { Container: c, Force: true }), 500, `container ${id} is not connected to network ${b}`);
    refused(await disconnect(a, { Container: 'nosuch' }), 404, 'No such container: nosuch');
    refused(await disconnect(a, { Container: 'nosuch', Force: true }), 404, 'endpoint nosuch not found');
    refused(await disconnect(a, {}), 400, 'invalid name or ID supplied: ""');
    assert.equal((await connect(b, { Container: c, EndpointConfig: { Aliases: ['al'] } })).status, 200);
    assert.equal((await disconnect(b, { Container: c, Force: true })).status, 200);

    // a network whose only container is stopped has no active endpoint: it can be removed and pruned,
    // as dockerd allows; the container's start then says the network is gone
    ok(await dk(['create', '--name', idle, '--network', b, t.image, 'true']));
    ok(await dk(['network', 'rm', b]));
    fails(await dk(['start', idle]), 1, new RegExp(`network ${b} not found`));
    const pruned = (await api('POST', '/networks/prune')).json.NetworksDeleted ?? [];
    assert.ok(!pruned.includes(a), 'a network with a running container is not pruned');
    ok(await dk(['stop', '-t', '0', c]));
    assert.deepEqual((await api('POST', '/networks/prune')).json.NetworksDeleted, [a]);
    ok(await dk(['rm', '-f', c, idle]));
  });

  test('--network container:X refuses what would configure a network of its own; --network host warns about -p', T, async () => {
    const base = uniq('base');
    ok(await dk(['run', '-d', '--name', base, t.image, 'sleep', '300']));
    const mode = `container:${base}`;
    const conflicts: [string[], string][] = [
      [['-p', '18090:80'], 'port publishing and the container type network mode'],
      [['-P', '--expose', '80'], 'port publishing and the container type network mode'],
      [['--expose', '80'], 'port exposing and the container type network mode'],
      [['--hostname', 'h'], 'hostname and the network mode'],
      [['--dns', '10.0.0.53'], 'dns and the network mode'],
      [['--add-host', 'a:10.0.0.1'], 'custom host-to-IP mapping and the network mode'],
      [['--link', `${base}:b`], "container type network can't be used with links. This would result in undefined behavior"],
    ];
    for (const [args, what] of conflicts) fails(await dk(['run', '--rm', '--network', mode, ...args, t.image, 'true']), 125, new RegExp(`conflicting options: ${what.replace(/[.()]/g, '\\$&')}`));
    // --dns-search and --dns-option are accepted (dockerd checks only --dns)
    ok(await dk(['run', '--rm', '--network', mode, '--dns-search', 'example.test', '--dns-option', 'ndots:1', t.image, 'true']));
    // a missing container is found missing at start, as dockerd does (no 404 at create sends the CLI pulling)
    const missing = await dk(['run', '--rm', '--network', 'container:nosuch', t.image, 'true']);
    fails(missing, 125, /No such container: nosuch/);
    assert.doesNotMatch(missing.stderr, /Unable to find image|Pulling/);
    const host = await dk(['run', '--rm', '--network', 'host', '-p', '18091:80', t.image, 'true']);
    assert.equal(host.code, 0, host.stderr);
    assert.match(host.stderr, /WARNING: Published ports are discarded when using host network mode/);
    ok(await dk(['rm', '-f', base]));
  });
});
