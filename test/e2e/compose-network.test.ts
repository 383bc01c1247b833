// End-to-end with docker-compose (Debian's v1): a service with `dns:` still resolves the other services
// by name while names the network does not know go to the given server (a tiny DNS server of the test,
// on an address it adds to the host's loopback: never the internet), and a network's driver_opts (bridge
// name, MTU) take effect.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';
import { parseQuestion, answer } from '../../src/network/dns.ts';

const COMPOSE = '/usr/bin/docker-compose';
const DNS_IP = '10.186.0.53';
const skip = e2eSkipReason() || (!fs.existsSync(COMPOSE) && 'docker-compose is not installed (apt-get install docker-compose)');

describe('docker-compose: dns and driver_opts', SUITE(skip), () => {
  const t = e2e();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-compose-'));
  const project = `bc${crypto.randomBytes(3).toString('hex')}`;
  const bridge = `bcmp${crypto.randomBytes(3).toString('hex')}`;
  let server: dgram.Socket | undefined;
  const compose = (args: string[]) => run(COMPOSE, ['-p', project, '-f', path.join(dir, 'docker-compose.yml'), ...args], { env: t.d.env as Record<string, string>, timeoutMs: 120_000 });

  before(async () => {
    // the upstream server: external.test is 10.99.99.99, anything else NXDOMAIN
    assert.equal((await run('ip', ['addr', 'add', `${DNS_IP}/32`, 'dev', 'lo'])).code, 0);
    server = dgram.createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      const q = parseQuestion(msg);
      if (!q) return;
      const known = q.name === 'external.test' && q.type === 1;
      server!.send(answer(msg, q, known ? ['10.99.99.99'] : [], known || q.name === 'external.test' ? 0 : 3), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server!.bind(53, DNS_IP, resolve));
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), `version: "2.4"
services:
  web:
    image: ${t.image}
    command: ["sleep", "300"]
    networks: [front]
  app:
    image: ${t.image}
    command: ["sleep", "300"]
    dns: [${DNS_IP}]
    networks: [front]
networks:
  front:
    driver: bridge
    driver_opts:
      com.docker.network.bridge.name: ${bridge}
      com.docker.network.driver.mtu: "1400"
    ipam:
      config:
        - subnet: 10.187.0.0/24
`);
  });

  after(async () => {
    await compose(['down', '-t', '0']);
    server?.close();
    await run('ip', ['addr', 'del', `${DNS_IP}/32`, 'dev', 'lo']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('up: service names resolve beside dns:, external names go to the given server; the bridge has its name and MTU', T, async () => {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const app = ok(await compose(['ps', '-q', 'app'])).trim();
    const web = ok(await compose(['ps', '-q', 'web'])).trim();
    const webIp = ok(await docker(t.d.env, ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', web])).trim();
    assert.match(webIp, /^10\.187\.0\.\d+$/);
    const byName = ok(await docker(t.d.env, ['exec', app, 'nslookup', 'web']));
    assert.match(byName, new RegExp(`Address: ${webIp.replaceAll('.', '\\.')}`));
    const external = ok(await docker(t.d.env, ['exec', app, 'nslookup', '-type=a', 'external.test']));
    assert.match(external, /Address: 10\.99\.99\.99/);
    // driver_opts: the bridge is the one named, and the containers' interfaces have the MTU
    assert.equal(ok(await docker(t.d.env, ['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', `${project}_front`])).trim(), bridge);
    assert.equal((await run('ip', ['link', 'show', 'dev', bridge])).code, 0, `no bridge ${bridge} on the host`);
    assert.equal(ok(await docker(t.d.env, ['exec', app, 'cat', '/sys/class/net/eth0/mtu'])).trim(), '1400');
    const down = await compose(['down', '-t', '0']);
    assert.equal(down.code, 0, down.stderr);
    assert.notEqual((await run('ip', ['link', 'show', 'dev', bridge])).code, 0, `bridge ${bridge} left after down`);
  });
});
