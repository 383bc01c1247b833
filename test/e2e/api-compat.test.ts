// End-to-end: API details where Berth differed from dockerd (found by the API fuzzer): the login
// endpoint's body and its errors, docker update's Windows-only and real-time CPU fields, and the
// swarm endpoints' methods (dockerd's routes answer 503 outside a swarm, anything else is a 404).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, curl, uniq } from '../helpers/util.ts';
import { send } from '../fuzz/fuzz-client.ts';

const skip = e2eSkipReason();
const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

describe('API compatibility details', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const api = (method: string, p: string, body?: string) => curl(t.d.socket, method, `/v1.41${p}`, body);

  describe('POST /auth', () => {
    /** A registry-like server on loopback whose /v2/ answers `status`. */
    let fake: http.Server;
    let fakeStatus = 404;
    before(async () => {
      fake = http.createServer((req, res) => {
        res.writeHead(fakeStatus, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
      // a port below the ephemeral range: a container's port published on 127.0.0.1 (this machine runs
      // several daemons) is DNATed from an ephemeral one and would take the connection
      for (let tries = 0; ; tries++) {
        const port = 20000 + Math.floor(Math.random() * 10000);
        const err = await new Promise<Error | undefined>((r) => {
          fake.once('error', r);
          fake.listen(port, '127.0.0.1', () => r(undefined));
        });
        if (!err) break;
        if (tries > 20) throw err;
      }
    });
    after(() => fake.close());

    test('a body that is not an AuthConfig: 400 naming the field, as dockerd decodes it', T, async () => {
      // current dockerd (authconfig.DecodeRequestBody): 400 "invalid X-Registry-Auth header: invalid JSON: …";
      // dockerd 20.10 passed the decoder's error on untyped (500) and without the prefix
      const refused = (r: { status: number; json: any; body: string }, decoderError: string) => {
        assert.equal(r.status, REAL_DOCKER ? 500 : 400, r.body);
        assert.equal(r.json.message, REAL_DOCKER ? decoderError : `invalid X-Registry-Auth header: invalid JSON: ${decoderError}`);
      };
      refused(await api('POST', '/auth', '{"username": 5}'), 'json: cannot unmarshal number into Go struct field AuthConfig.username of type string');
      refused(await api('POST', '/auth', '{"serveraddress": ["127.0.0.1:2"]}'), 'json: cannot unmarshal array into Go struct field AuthConfig.serveraddress of type string');
      refused(await api('POST', '/auth', '{"identitytoken": true}'), 'json: cannot unmarshal bool into Go struct field AuthConfig.identitytoken of type string');
      // (the struct moved from package types, 20.10's, to registry)
      refused(await api('POST', '/auth', '[1]'), `json: cannot unmarshal array into Go value of type ${REAL_DOCKER ? 'types' : 'registry'}.AuthConfig`);
      refused(await api('POST', '/auth', ''), 'EOF');
    });

    test('an unreachable registry: 500 with Go\'s dial error, as dockerd', T, async () => {
      const r = await api('POST', '/auth', JSON.stringify({ username: 'u', password: 'p', serveraddress: '127.0.0.1:2' }));
      assert.equal(r.status, 500, r.body);
      assert.equal(r.json.message, 'Get "http://127.0.0.1:2/v2/": dial tcp 127.0.0.1:2: connect: connection refused');
    });

    test('a registry whose /v2/ answers other than 200 or 401: 500 "login attempt … failed", never a success', T, async () => {
      const host = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
      for (const [status, text] of [
        [404, 'Not Found'],
        [500, 'Internal Server Error'],
        [503, 'Service Unavailable'],
      ] as const) {
        fakeStatus = status;
        const r = await api('POST', '/auth', JSON.stringify({ username: 'u', password: 'p', serveraddress: host }));
        assert.equal(r.status, 500, `${status}: ${r.body}`);
        assert.equal(r.json.message, `login attempt to http://${host}/v2/ failed with status: ${status} ${text}`);
      }
    });
  });

  describe('POST /containers/{id}/update', () => {
    let c: string;
    before(async () => {
      c = uniq('upd');
      ok(await dk(['run', '-d', '--name', c, t.image, 'sleep', '1000']));
    });
    after(async () => void (await dk(['rm', '-f', c])));

    test('CpuPercent is Windows-only: discarded with dockerd\'s warning', T, async () => {
      const r = await api('POST', `/containers/${c}/update`, JSON.stringify({ CpuPercent: 50 }));
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(r.json.Warnings, ['linux does not support CPU percent. Percent discarded.']);
      const i = await api('GET', `/containers/${c}/json`);
      assert.equal(i.json.HostConfig.CpuPercent, 0);
    });

    test('map fields as Go writes maps: an API client\'s labels, ports and volumes come back with keys sorted', T, async () => {
      const name = uniq('maps');
      const r = await api('POST', `/containers/create?name=${name}`, JSON.stringify({ Image: t.image, Cmd: ['true'], Labels: { zeta: '1', alpha: '2', Mid: '3' }, ExposedPorts: { '80/tcp': {}, '443/tcp': {} }, Volumes: { '/z': {}, '/a': {} } }));
      assert.equal(r.status, 201, r.body);
      try {
        const i = await api('GET', `/containers/${name}/json`);
        // the raw text, as `docker inspect` without --format prints it
        assert.match(i.body, /"Labels":\{"Mid":"3","alpha":"2","zeta":"1"\}/);
        assert.match(i.body, /"ExposedPorts":\{"443\/tcp":\{\},"80\/tcp":\{\}\}/);
        assert.match(i.body, /"Volumes":\{"\/a":\{\},"\/z":\{\}\}/);
      } finally {
        await dk(['rm', '-f', name]);
      }
    });

    test('CpuPercent at create: discarded with the same warning', T, async () => {
      const r = await api('POST', '/containers/create', JSON.stringify({ Image: t.image, Cmd: ['true'], HostConfig: { CpuPercent: 30 } }));
      assert.equal(r.status, 201, r.body);
      try {
        assert.deepEqual(r.json.Warnings, ['linux does not support CPU percent. Percent discarded.']);
        const i = await api('GET', `/containers/${r.json.Id}/json`);
        assert.equal(i.json.HostConfig.CpuPercent, 0);
      } finally {
        await api('DELETE', `/containers/${r.json.Id}`);
      }
    });

    test('IOMaximumBandwidth and IOMaximumIOps are refused on Linux, as dockerd refuses them', T, async () => {
      for (const field of ['IOMaximumBandwidth', 'IOMaximumIOps']) {
        const r = await api('POST', `/containers/${c}/update`, JSON.stringify({ [field]: 1000 }));
        assert.equal(r.status, 400, `${field}: ${r.body}`);
        assert.equal(r.json.message, 'Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps');
      }
    });

    test('the real-time CPU fields are kept for the next start, not applied to the running container (as dockerd)', T, async () => {
      const r = await api('POST', `/containers/${c}/update`, JSON.stringify({ CpuRealtimePeriod: 1_000_000, CpuRealtimeRuntime: 950 }));
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(r.json.Warnings ?? [], []);
      const i = await api('GET', `/containers/${c}/json`);
      assert.equal(i.json.HostConfig.CpuRealtimePeriod, 1_000_000);
      assert.equal(i.json.HostConfig.CpuRealtimeRuntime, 950);
      assert.equal(i.json.State.Running, true);
    });
  });

  test('GET /plugins checks its filters as dockerd\'s plugin manager (enabled, capability)', T, async () => {
    const ok200 = await api('GET', `/plugins?filters=${encodeURIComponent(JSON.stringify({ enabled: ['true'], capability: ['volumedriver'] }))}`);
    assert.equal(ok200.status, 200, ok200.body);
    assert.deepEqual(ok200.json, []);
    const bad = await api('GET', `/plugins?filters=${encodeURIComponent(JSON.stringify({ health: ['x'] }))}`);
    assert.equal(bad.status, 400, bad.body);
    // (dockerd 20.10 capitalised it: "Invalid filter 'health'")
    assert.equal(bad.json.message, REAL_DOCKER ? "Invalid filter 'health'" : "invalid filter 'health'");
    const notBool = await api('GET', `/plugins?filters=${encodeURIComponent(JSON.stringify({ enabled: ['maybe'] }))}`);
    assert.equal(notBool.status, 400, notBool.body);
  });

  test('a prune "until" beyond Go\'s int64 seconds is refused, not read as the far future', T, async () => {
    const r = await api('POST', `/containers/prune?filters=${encodeURIComponent(JSON.stringify({ until: ['99999999999999999999'] }))}`);
    // dockerd 20.10 answered an untyped 500; current dockerd 400 "invalid value for 'until' filter: …"
    assert.equal(r.status, REAL_DOCKER ? 500 : 400, r.body);
    assert.match(r.json.message, /failed to parse value as time or duration: "99999999999999999999"/);
  });

  test('request headers up to Go\'s 1 MiB: a 40 KB X-Registry-Auth is read, not refused', T, async () => {
    const a = await send(t.d.socket, { method: 'GET', target: '/v1.41/version', headers: { 'X-Registry-Auth': 'a'.repeat(40_000) }, transport: 'none' }, 10_000);
    assert.equal(a.status, 200, a.body);
  });

  test('HEAD only where dockerd has a HEAD route (_ping, archive); elsewhere its 404', T, async () => {
    // (a raw request read to the connection's close: curl -X HEAD would wait for the body a 404's
    // Content-Length announces)
    const head = (p: string) => send(t.d.socket, { method: 'HEAD', target: `/v1.41${p}`, headers: {}, transport: 'none' }, 10_000);
    assert.equal((await head('/_ping')).status, 200);
    for (const p of ['/containers/json', '/version', '/info']) assert.equal((await head(p)).status, 404, p);
  });

  test('OPTIONS on any path: an empty 200, as dockerd\'s preflight handler', T, async () => {
    for (const p of ['/containers/json', '/nosuch/path', '/containers/x/restart']) {
      const r = await api('OPTIONS', p);
      assert.equal(r.status, 200, `${p}: ${r.body}`);
      assert.equal(r.body, '', p);
    }
  });

  describe('swarm endpoints outside a swarm', () => {
    test('dockerd\'s routes: 503 not a swarm manager; leave: 503 not part of a swarm', T, async () => {
      const routes: [string, string, string?][] = [
        ['GET', '/swarm'],
        ['GET', '/swarm/unlockkey'],
        ['POST', '/swarm/update?version=1', '{}'],
        ['GET', '/services'],
        ['GET', '/services/x'],
        ['DELETE', '/services/x'],
        ['POST', '/services/x/update?version=1', '{}'],
        ['GET', '/services/x/logs?stdout=1'],
        ['GET', '/nodes'],
        ['GET', '/nodes/x'],
        ['DELETE', '/nodes/x'],
        ['GET', '/tasks'],
        ['GET', '/tasks/x'],
        ['GET', '/tasks/x/logs?stderr=1'],
        ['GET', '/secrets'],
        ['GET', '/secrets/x'],
        ['DELETE', '/secrets/x'],
        ['GET', '/configs'],
        ['GET', '/configs/x'],
        ['DELETE', '/configs/x'],
      ];
      for (const [method, p, body] of routes) {
        const r = await api(method, p, body);
        assert.equal(r.status, 503, `${method} ${p}: ${r.body}`);
        assert.equal(r.json.message, NOT_A_MANAGER, `${method} ${p}`);
      }
      const leave = await api('POST', '/swarm/leave');
      assert.equal(leave.status, 503, leave.body);
      assert.equal(leave.json.message, 'This node is not part of a swarm');
    });

    test('another method or an unknown path: the router\'s 404 "page not found"', T, async () => {
      const wrong: [string, string][] = [
        ['PUT', '/swarm'],
        ['DELETE', '/swarm'],
        ['GET', '/swarm/leave'],
        ['GET', '/swarm/nosuch'],
        ['PUT', '/services'],
        ['POST', '/services'],
        ['POST', '/services/x'],
        ['PUT', '/services/x'],
        ['DELETE', '/nodes'],
        ['POST', '/nodes/x'],
        ['POST', '/tasks'],
        ['DELETE', '/tasks/x'],
        ['PUT', '/secrets'],
        ['PUT', '/secrets/x'],
        ['POST', '/configs'],
        ['GET', '/configs/x/nosuch'],
      ];
      for (const [method, p] of wrong) {
        const r = await api(method, p);
        assert.equal(r.status, 404, `${method} ${p}: ${r.body}`);
        assert.equal(r.json.message, 'page not found', `${method} ${p}`);
      }
    });

    test('service and task logs without a stream: refused before anything else', T, async () => {
      for (const p of ['/services/x/logs', '/tasks/x/logs']) {
        const r = await api('GET', p);
        // dockerd 20.10 answered an untyped 500 with its older wording; current dockerd: 400 "must
        // specify at least one of 'stdout' or 'stderr'"
        assert.equal(r.status, REAL_DOCKER ? 500 : 400, `${p}: ${r.body}`);
        assert.equal(r.json.message, REAL_DOCKER ? 'Bad parameters: you must choose at least one stream' : "must specify at least one of 'stdout' or 'stderr'", p);
      }
    });
  });
});
