// End-to-end: bridge networks with the real docker CLI against berthd — name resolution on a user
// network, published ports on 127.0.0.1, isolation between networks, IPAM options, Docker's errors.
// All traffic stays on this machine: loopback and the test's own containers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, fails, uniq, waitFor } from '../helpers/util.ts';

const skip = e2eSkipReason();

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

// busybox-static's wget crashes in static glibc's resolver: resolve with nslookup (DNS), then fetch with nc.
const FETCH_BY_NAME = (name: string) => `ip=$(nslookup ${name} | awk '/^Address: /{print $2}' | tail -n1); [ -n "$ip" ] || exit 9; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $ip 80 | tail -n1`;

describe('networks', SUITE(skip), () => {
  // isolation between networks is iptables rules in Docker as in Berth: the test dockerd writes them too
  const t = e2e({ dockerdIptables: true });
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const HTTPD = ['sh', '-c', 'mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www'];

  test('the built-in networks are listed', T, async () => {
    const ls = ok(await dk(['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).split('\n');
    for (const want of ['bridge bridge', 'host host', 'none null']) assert.ok(ls.includes(want), ls.join('\n'));
    fails(await dk(['network', 'rm', 'bridge']), 1, /bridge is a pre-defined network and cannot be removed/);
  });

  test('a web server is reached by name on a user network and through a published port; not from another network', T, async () => {
    const net = uniq('app');
    const other = uniq('other');
    const web = uniq('web');
    ok(await dk(['network', 'create', net]));
    ok(await dk(['network', 'create', other]));
    ok(await dk(['run', '-d', '--name', web, '--hostname', 'webhost', '--network', net, '--network-alias', 'www', '-p', '127.0.0.1::80', t.image, ...HTTPD]));
    const port = ok(await dk(['port', web, '80'])).trim();
    assert.match(port, /^127\.0\.0\.1:\d+$/);
    await waitFor(async () => (await get(`http://${port}/`).catch(() => '')) === 'hello-webhost\n', 'the published port answers');
    assert.equal(ok(await dk(['run', '--rm', '--network', net, t.image, 'sh', '-c', FETCH_BY_NAME(web)])), 'hello-webhost\n');
    assert.equal(ok(await dk(['run', '--rm', '--network', net, t.image, 'sh', '-c', FETCH_BY_NAME('www')])), 'hello-webhost\n');
    const ip = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, web])).trim();
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    const r = await dk(['run', '--rm', '--network', other, t.image, 'sh', '-c', `nc -w 2 ${ip} 80 </dev/null && echo reached`]);
    assert.notEqual(r.stdout.trim(), 'reached', 'a container on another network reached the server');
    // the network cannot go while the server is attached
    fails(await dk(['network', 'rm', net]), 1, /has active endpoints/);
    ok(await dk(['rm', '-f', web]));
    ok(await dk(['network', 'rm', net, other]));
  });

  test('a host port cannot be published twice', T, async () => {
    const a = uniq('pa');
    ok(await dk(['run', '-d', '--name', a, '-p', '127.0.0.1:0:80', t.image, 'sleep', '100']));
    const hostPort = ok(await dk(['port', a, '80'])).trim().split(':')[1];
    const r = await dk(['run', '-d', '-p', `127.0.0.1:${hostPort}:80`, t.image, 'sleep', '100']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /port is already allocated/);
    ok(await dk(['rm', '-f', a]));
  });

  test('--subnet, --gateway and --ip; none has only loopback', T, async () => {
    const net = uniq('ipam');
    ok(await dk(['network', 'create', '--subnet', '10.123.7.0/24', '--gateway', '10.123.7.254', net]));
    assert.equal(ok(await dk(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', net])).trim(), '10.123.7.0/24 10.123.7.254');
    const out = ok(await dk(['run', '--rm', '--network', net, '--ip', '10.123.7.9', t.image, 'ip', '-4', '-o', 'addr', 'show', 'eth0']));
    assert.match(out, /inet 10\.123\.7\.9\/24/);
    fails(await dk(['network', 'create', net]), 1, /already exists/);
    ok(await dk(['network', 'rm', net]));
    const lo = ok(await dk(['run', '--rm', '--network', 'none', t.image, 'sh', '-c', 'ls /sys/class/net']));
    assert.equal(lo.trim(), 'lo');
  });

  test('connect and disconnect a running container', T, async () => {
    const net = uniq('cn');
    const c = uniq('cc');
    ok(await dk(['network', 'create', net]));
    ok(await dk(['run', '-d', '--name', c, t.image, 'sleep', '100']));
    ok(await dk(['network', 'connect', net, c]));
    assert.match(ok(await dk(['exec', c, 'ls', '/sys/class/net'])), /eth1/);
    ok(await dk(['network', 'disconnect', net, c]));
    assert.doesNotMatch(ok(await dk(['exec', c, 'ls', '/sys/class/net'])), /eth1/);
    ok(await dk(['rm', '-f', c]));
    ok(await dk(['network', 'rm', net]));
  });

  test('networks, volumes and a running server survive a daemon restart', T, async () => {
    const net = uniq('keep');
    const web = uniq('kweb');
    const vol = uniq('kvol');
    ok(await dk(['network', 'create', net]));
    ok(await dk(['run', '-d', '--name', web, '--network', net, '-v', `${vol}:/www`, '-p', '127.0.0.1::80', t.image, 'sh', '-c', 'echo survived > /www/index.html && exec httpd -f -p 80 -h /www']));
    const port = ok(await dk(['port', web, '80'])).trim();
    await waitFor(async () => (await get(`http://${port}/`).catch(() => '')) === 'survived\n', 'the server answers');
    await t.d.restart();
    assert.equal(await get(`http://${port}/`), 'survived\n');
    assert.equal(ok(await dk(['run', '--rm', '--network', net, t.image, 'sh', '-c', FETCH_BY_NAME(web)])), 'survived\n');
    assert.ok(ok(await dk(['volume', 'ls', '-q'])).split('\n').includes(vol));
    assert.ok(ok(await dk(['network', 'ls', '--format', '{{.Name}}'])).split('\n').includes(net));
    ok(await dk(['rm', '-f', web]));
    ok(await dk(['network', 'rm', net]));
    ok(await dk(['volume', 'rm', vol]));
  });
});
