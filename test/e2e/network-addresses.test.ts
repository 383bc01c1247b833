// End-to-end: addresses a client chooses for a container's endpoint — --ip (user networks only),
// --mac-address (the API < 1.44 Config.MacAddress the docker CLI 20.10 sends, and the per-endpoint
// EndpointSettings.MacAddress) — and Docker's refusals for what cannot be honoured.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, uniq, curl } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('endpoint addresses', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const api = (method: string, p: string, body?: unknown) => curl(t.d.socket, method, p, body === undefined ? undefined : JSON.stringify(body));

  test('--ip on the default bridge is refused as Docker does', T, async () => {
    const r = await dk(['run', '--rm', '--ip', '172.17.0.77', t.image, 'true']);
    fails(r, 125, /user specified IP address is supported on user defined networks only/);
  });

  const macOf = async (c: string) => ok(await dk(['exec', c, 'cat', '/sys/class/net/eth0/address'])).trim();
  const inspectMac = async (c: string, net: string) => ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").MacAddress}}`, c])).trim();

  test('the container-wide MacAddress of API < 1.44 is the address of eth0 (the default bridge)', T, async () => {
    const r = await api('POST', '/v1.41/containers/create', { Image: t.image, Cmd: ['sleep', '60'], MacAddress: '02:42:ac:11:99:01' });
    assert.equal(r.status, 201, r.body);
    ok(await dk(['start', r.json.Id]));
    assert.equal(await macOf(r.json.Id), '02:42:ac:11:99:01');
    assert.equal(await inspectMac(r.json.Id, 'bridge'), '02:42:ac:11:99:01');
    ok(await dk(['rm', '-f', r.json.Id]));
  });

  test('the container-wide MacAddress of API < 1.44 goes to the endpoint of its network (a user network)', T, async () => {
    const nw = uniq('macnet');
    ok(await dk(['network', 'create', nw]));
    const r = await api('POST', '/v1.41/containers/create', { Image: t.image, Cmd: ['sleep', '60'], MacAddress: '02:42:ac:11:99:02', HostConfig: { NetworkMode: nw } });
    assert.equal(r.status, 201, r.body);
    ok(await dk(['start', r.json.Id]));
    assert.equal(await macOf(r.json.Id), '02:42:ac:11:99:02');
    assert.equal(await inspectMac(r.json.Id, nw), '02:42:ac:11:99:02');
    ok(await dk(['rm', '-f', r.json.Id]));
    ok(await dk(['network', 'rm', nw]));
  });

  // dockerd 20.10 (API 1.41) has no per-endpoint MAC address: the CLI refuses it before asking. Docker 25+
  // (API 1.44) honours EndpointSettings.MacAddress, which is what Berth does.
  test('EndpointSettings.MacAddress (API 1.44+): --network X --mac-address', { ...T, skip: REAL_DOCKER ? 'dockerd 20.10 speaks API 1.41' : false }, async () => {
    const nw = uniq('macnet');
    ok(await dk(['network', 'create', nw]));
    const c = uniq('mac');
    ok(await dk(['run', '-d', '--name', c, '--network', nw, '--mac-address', '02:42:ac:11:99:04', t.image, 'sleep', '60']));
    assert.equal(await macOf(c), '02:42:ac:11:99:04');
    assert.equal(await inspectMac(c, nw), '02:42:ac:11:99:04');
    ok(await dk(['rm', '-f', c]));
    ok(await dk(['network', 'rm', nw]));
  });

  // Docker 25+ refuses a bad MAC address at create ("invalid endpoint settings: invalid MAC address x");
  // dockerd 20.10 takes it and fails at start.
  test('a bad MAC address is refused; --mac-address with the host network is a conflict', T, async () => {
    const bad = await api('POST', '/v1.41/containers/create', { Image: t.image, Cmd: ['true'], MacAddress: 'not-a-mac' });
    if (REAL_DOCKER) {
      assert.equal(bad.status, 201, bad.body);
      const st = await api('POST', `/v1.41/containers/${bad.json.Id}/start`);
      assert.notEqual(st.status, 204, 'dockerd 20.10: "address not-a-mac: invalid MAC address" at start');
      ok(await dk(['rm', '-f', bad.json.Id]));
    } else {
      assert.equal(bad.status, 400, bad.body);
      assert.match(bad.json.message, /invalid MAC address not-a-mac/);
    }
    const host = await api('POST', '/v1.41/containers/create', { Image: t.image, Cmd: ['true'], MacAddress: '02:42:ac:11:99:03', HostConfig: { NetworkMode: 'host' } });
    assert.equal(host.status, 400, host.body);
    assert.match(host.json.message, /conflicting options: mac-address and the network mode/);
  });

  test('--aux-address: reserved by IPAM, shown by inspect; outside the subnet it is refused and nothing is made', T, async () => {
    const nw = uniq('aux');
    ok(await dk(['network', 'create', '--subnet', '10.123.9.0/29', '--aux-address', 'a=10.123.9.2', '--aux-address', 'b=10.123.9.3', nw]));
    assert.equal(ok(await dk(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{json .AuxiliaryAddresses}}{{end}}', nw])).trim(), '{"a":"10.123.9.2","b":"10.123.9.3"}');
    const out = ok(await dk(['run', '--rm', '--network', nw, t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0']));
    assert.match(out, /inet 10\.123\.9\.4\/29/, 'the first address after the gateway and the two reserved ones');
    fails(await dk(['run', '--rm', '--network', nw, '--ip', '10.123.9.2', t.image, 'true']), 125);
    ok(await dk(['network', 'rm', nw]));

    const bad = uniq('auxbad');
    // the CLI checks this itself; the daemon too, for other clients
    fails(await dk(['network', 'create', '--subnet', '10.123.10.0/24', '--aux-address', 'x=10.9.9.9', bad]), 1, /no matching subnet for aux-address 10\.9\.9\.9/);
    const r = await api('POST', '/networks/create', { Name: bad, IPAM: { Config: [{ Subnet: '10.123.10.0/24', AuxiliaryAddresses: { x: '10.9.9.9' } }] } });
    // current dockerd checks the pools before its IPAM sees them (400, "invalid network config"); 20.10's IPAM said 403
    assert.equal(r.status, REAL_DOCKER ? 403 : 400, r.body);
    if (REAL_DOCKER) assert.match(r.json.message, /auxiliary address: \(x:10\.9\.9\.9\) must belong to the master pool: 10\.123\.10\.0\/24/);
    else assert.equal(r.json.message, "invalid network config:\ninvalid auxiliary address x: parent subnet 10.123.10.0/24 doesn't contain this address");
    const r2 = await api('POST', '/networks/create', { Name: bad, IPAM: { Config: [{ Subnet: '10.123.11.0/24', AuxiliaryAddresses: { x: 'nonsense' } }] } });
    // libnetwork raises a BadRequestError, which dockerd 20.10 answers with 500; Berth says 400 for bad input
    assert.equal(r2.status, REAL_DOCKER ? 500 : 400, r2.body);
    assert.match(r2.json.message, /non parsable secondary ip address \(x:nonsense\) passed for network/);
    assert.ok(!ok(await dk(['network', 'ls', '--format', '{{.Name}}'])).split('\n').includes(bad));
    // The subnet is free again: nothing of the refused network stayed. (dockerd 20.10 keeps the pool of
    // a network refused for its aux address reserved: "Pool overlaps" until it restarts, a leak not copied.)
    if (!REAL_DOCKER) {
      ok(await dk(['network', 'create', '--subnet', '10.123.10.0/24', bad]));
      ok(await dk(['network', 'rm', bad]));
    }
  });

  // dockerd looks the network up at start: create succeeds, start answers 404 (a 404 at create would
  // make the docker CLI try to pull the image)
  test('docker run --network with a network that does not exist: network x not found', T, async () => {
    const missing = uniq('nonet');
    const r = await api('POST', '/v1.41/containers/create', { Image: t.image, Cmd: ['true'], HostConfig: { NetworkMode: missing } });
    assert.equal(r.status, 201, r.body);
    const st = await api('POST', `/v1.41/containers/${r.json.Id}/start`);
    assert.equal(st.status, 404, st.body);
    assert.equal(st.json.message, `network ${missing} not found`);
    ok(await dk(['rm', '-f', r.json.Id]));
    const cli = await dk(['run', '--rm', '--network', missing, t.image, 'true']);
    fails(cli, 125, new RegExp(`network ${missing} not found`));
    assert.doesNotMatch(cli.stderr, /Pulling|Unable to find image/);
  });

  // API 1.44+ (Docker 25+) takes several networks at create; dockerd 20.10 refuses them
  // ("Container cannot be connected to network endpoints").
  test('several networks at create (API 1.44+): the container joins them all', { ...T, skip: REAL_DOCKER ? 'dockerd 20.10 speaks API 1.41' : false }, async () => {
    const a = uniq('multi-a');
    const b = uniq('multi-b');
    ok(await dk(['network', 'create', a]));
    ok(await dk(['network', 'create', b]));
    let id = '';
    try {
      const r = await api('POST', '/v1.44/containers/create', { Image: t.image, Cmd: ['sleep', '60'], HostConfig: { NetworkMode: a }, NetworkingConfig: { EndpointsConfig: { [a]: {}, [b]: { Aliases: ['second'] } } } });
      assert.equal(r.status, 201, r.body);
      id = r.json.Id;
      ok(await dk(['start', id]));
      assert.match(ok(await dk(['exec', id, 'ls', '/sys/class/net'])), /eth0\s+eth1|eth0\neth1/);
      assert.equal(ok(await dk(['inspect', '-f', '{{len .NetworkSettings.Networks}}', id])).trim(), '2');
      const ipB = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${b}").IPAddress}}`, id])).trim();
      assert.match(ipB, /^\d+\.\d+\.\d+\.\d+$/);
      assert.match(ok(await dk(['run', '--rm', '--network', b, t.image, 'nslookup', 'second.'])), new RegExp(`Address: ${ipB.replaceAll('.', '\\.')}$`, 'm'));
    } finally {
      if (id) await dk(['rm', '-f', id]);
      ok(await dk(['network', 'rm', a, b]));
    }
  });
});
