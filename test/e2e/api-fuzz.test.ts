// End-to-end: the API fuzzer (test/fuzz/) for a fixed number of cases (1000) with a fixed seed, so CI runs
// the same requests every time: every operation of the spec under version prefixes and wrong
// methods, mutated bodies, queries, path parameters, hostile tars and headers, cut-short uploads.
// After each case the daemon answers _ping within 2 s; no 5xx beyond the ones dockerd gives too;
// no request hangs; afterwards no crash in the log, no temp leftovers, and the store reopens.
// Longer runs: bin/node test/fuzz/api-fuzz.ts --seed N --duration SECONDS (see there).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { send, api, type RawRequest } from '../fuzz/fuzz-client.ts';
import { rawTar } from '../fuzz/hostile-tars.ts';
import { fuzz } from '../fuzz/fuzz-run.ts';
import { afterRun } from '../fuzz/api-fuzz.ts';
import { SPEC_FILE } from '../fuzz/spec-cases.ts';

const skip = e2eSkipReason() || (SPEC_FILE ? false : 'the API spec is not here');

/** 5xx answers dockerd gives for the same request (checked with api-fuzz.ts --replay --daemon dockerd). */
const DOCKER_500S = [
  // an import whose tar cannot be extracted: dockerd "Error processing tar file(exit status 1): …"
  /^POST \/images\/create 500 failed to register layer/,
  // an import from an unreachable URL: dockerd 500 "Get "http://127.0.0.1:2/x": dial tcp …: connection refused"
  /^POST \/images\/create 500 Get http/,
  // a cp-in tar whose gzip stream ends early: dockerd "Error processing tar file(exit status 1): unexpected EOF"
  /^PUT \/containers\/\{id\}\/archive 500 unexpected end of file/,
  // a distribution inspect of a reference on an unreachable registry: dockerd passes the dial error on as a 500
  /^GET \/distribution\/\{name\}\/json 500 Get http/,
  // a login to an unreachable registry: dockerd 500 "Get …: dial tcp …: connection refused", Berth the same
  /^POST \/auth 500 Get /,
  // runc refusing a cgroup value (memory.memsw below memory): dockerd passes runc's error on as a 500
  /^POST \/containers\/\{id\}\/update 500 Cannot update container <id>: runc update failed/,
];

describe('API fuzz', SUITE(skip), () => {
  const t = e2e();
  const running = async () => {
    const c = await api(t.d.socket, 'POST', '/containers/create', { Image: t.image, Cmd: ['sleep', '1000'] });
    assert.equal(c.status, 201, c.text);
    assert.equal((await api(t.d.socket, 'POST', `/containers/${c.json.Id}/start`)).status, 204);
    return c.json.Id as string;
  };

  test('a cp upload cut short leaves the container running, not frozen', T, async () => {
    const id = await running();
    const body = rawTar([{ name: 'd', body: Buffer.alloc(4000, 1) }]);
    for (const transport of ['length-short', 'chunked-cut'] as const) {
      const req: RawRequest = { method: 'PUT', target: `/containers/${id}/archive?path=/tmp`, headers: {}, body, contentType: 'application/x-tar', transport };
      const a = await send(t.d.socket, req, 10_000);
      assert.equal(a.timedOut, false, `${transport}: no answer and no close`);
      // the copy freezes the container (the daemon may still be at it after the connection closed);
      // the cut-short upload must thaw it again
      await new Promise((r) => setTimeout(r, 1000));
      let paused = true;
      for (let i = 0; i < 50 && paused; i++) {
        const st = await api(t.d.socket, 'GET', `/containers/${id}/json`);
        paused = st.json.State.Paused || st.json.State.Status !== 'running';
        if (paused) await new Promise((r) => setTimeout(r, 100));
      }
      const top = await api(t.d.socket, 'GET', `/containers/${id}/top`);
      assert.equal(top.status, 200, top.text);
      // a frozen container takes no signal: kill would hang; a thawed one dies at once
      const stop = await api(t.d.socket, 'POST', `/containers/${id}/restart?t=0`);
      assert.equal(stop.status, 204, `${transport}: ${stop.text}`);
    }
    await api(t.d.socket, 'DELETE', `/containers/${id}?force=1`);
  });

  test('import from an unreachable URL: 500 naming the URL and the reason, as dockerd', T, async () => {
    const a = await send(t.d.socket, { method: 'POST', target: '/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A2%2Fx&repo=fz-url', headers: {}, transport: 'none' }, 30_000);
    assert.equal(a.status, 500, a.body);
    // dockerd: Get "http://127.0.0.1:2/x": dial tcp 127.0.0.1:2: connect: connection refused
    assert.match(JSON.parse(a.body).message, /^Get "http:\/\/127\.0\.0\.1:2\/x": .*(connection refused|ECONNREFUSED)/);
  });

  test('fixed-seed fuzz: 1000 cases, no crash, no hang, no 5xx dockerd does not give', { ...T, timeout: 600_000 }, async () => {
    const lines: string[] = [];
    const seed = Number(process.env.BERTH_FUZZ_SEED ?? 7);
    const report = await fuzz({ socket: t.d.socket, seed, image: t.image, cases: Number(process.env.BERTH_FUZZ_CASES ?? 1000), timeoutMs: 60_000, log: (l) => lines.push(l), trace: process.env.BERTH_FUZZ_TRACE ? (l) => fs.appendFileSync(process.env.BERTH_FUZZ_TRACE!, l + '\n') : undefined });
    const unexpected = report.findings.filter((f) => !(f.kind === '5xx' && (REAL_DOCKER || DOCKER_500S.some((re) => re.test(f.key)))));
    assert.deepEqual(
      unexpected.map((f) => f.key),
      [],
      `seed ${seed}, statuses ${JSON.stringify(report.statuses)}:\n${lines.join('\n')}`,
    );
    if (!REAL_DOCKER) assert.deepEqual(await afterRun(t.d as Parameters<typeof afterRun>[0]), []);
  });
});
