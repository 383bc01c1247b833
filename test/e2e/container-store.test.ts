// End-to-end: the container store under pressure. Two hundred concurrent creates of one name give
// exactly one container and Docker's 409 for the rest, with nothing left behind; and a daemon
// killed (SIGKILL) at each transition point of create/start/stop/rm comes back with a store and a
// runtime that agree, the interrupted operation finished or undone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { startBerthd, type Berthd } from '../helpers/berthd.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../helpers/images.ts';
import { ok, waitFor, uniq } from '../helpers/util.ts';
import { alive } from '../helpers/daemon-common.ts';

const skip = e2eSkipReason();

/** One raw API request over the daemon's socket (200 at once: no CLI process per request). */
function post(socket: string, urlPath: string, body: unknown): Promise<{ status: number; json: { Id?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ socketPath: socket, path: urlPath, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('container store', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);

  test('200 concurrent creates of one name: one 201, 199 conflicts, nothing orphaned', T, async () => {
    const name = uniq('race');
    const before = fs.readdirSync(path.join(t.d.dataRoot, 'containers')).length;
    const results = await Promise.all(Array.from({ length: 200 }, () => post(t.d.socket, `/v1.41/containers/create?name=${name}`, { Image: t.image, Cmd: ['true'] })));
    const created = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    assert.equal(created.length, 1, JSON.stringify(results.filter((r) => r.status !== 409)));
    assert.equal(conflicts.length, 199);
    const id = created[0].json.Id!;
    for (const r of conflicts)
      assert.equal(r.json.message, `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
    assert.equal(ok(await dk(['ps', '-a', '--no-trunc', '-q', '--filter', `name=^/${name}$`])).trim(), id);
    // one new container directory (both daemons keep one per container under <data-root>/containers)
    assert.equal(fs.readdirSync(path.join(t.d.dataRoot, 'containers')).length, before + 1);
    ok(await dk(['rm', id]));
  });

  // The crash points are berthd's own (BERTH_TEST_CRASH_AT); dockerd has no such hook, so this
  // test runs against berthd only.
  test('killed at each transition point of create/start/stop/rm: the restarted daemon finishes or undoes it', { ...T, skip: REAL_DOCKER ? 'berthd crash hooks (BERTH_TEST_CRASH_AT) do not exist in dockerd' : false, timeout: 600_000 }, async () => {
    const env: Record<string, string> = {};
    const d: Berthd = await startBerthd({ env });
    const dkd = (args: string[]) => docker(d.env, args, { timeoutMs: 60_000 });
    try {
      ok(await dkd(['load', '-i', (await busyboxDockerArchive()).file]));
      const points: [string, (n: string) => unknown, 'gone' | 'created' | 'exited' | 'any'][] = [
        ['create:after-reserve', (n) => void dkd(['create', '--name', n, TEST_IMAGE, 'sleep', '100']), 'gone'],
        ['create:after-layer', (n) => void dkd(['create', '--name', n, TEST_IMAGE, 'sleep', '100']), 'gone'],
        ['create:after-save', (n) => void dkd(['create', '--name', n, TEST_IMAGE, 'sleep', '100']), 'created'],
        ['start:after-intent', (n) => void dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100']), 'created'],
        ['start:after-runtime-create', (n) => void dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100']), 'created'],
        ['start:after-runtime-start', (n) => void dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100']), 'created'],
        ['start:after-save', (n) => void dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100']), 'any'],
        ['stop:after-intent', async (n) => void dkd(['stop', ok(await dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100'])).trim()]), 'exited'],
        ['stop:after-signal', async (n) => void dkd(['stop', ok(await dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100'])).trim()]), 'exited'],
        ['rm:after-intent', async (n) => void dkd(['rm', '-f', ok(await dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100'])).trim()]), 'gone'],
        ['rm:before-delete', async (n) => void dkd(['rm', '-f', ok(await dkd(['run', '-d', '--name', n, TEST_IMAGE, 'sleep', '100'])).trim()]), 'gone'],
      ];
      for (const [point, act, expected] of points) {
        const name = uniq(point.replace(/\W/g, '-'));
        env.BERTH_TEST_CRASH_AT = point;
        await d.restart();
        const pid = d.pid;
        await act(name);
        await waitFor(() => !alive(pid), `berthd killed itself at ${point}`, 30_000);
        delete env.BERTH_TEST_CRASH_AT;
        await d.stopDaemon();
        await d.startDaemon();

        const status = (await dkd(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim() || 'gone';
        if (expected === 'any') assert.ok(['running', 'created'].includes(status), `${point}: ${status}`);
        else assert.equal(status, expected, `${point}: the operation finished or undone`);
        await waitFor(async () => (await agreement(d)) === '', `${point}: store and runtime agree`, 15_000).catch(async () => assert.fail(`${point}: ${await agreement(d)}`));
        // the container (or its name) works as usual afterwards
        if (status === 'gone') ok(await dkd(['create', '--name', name, TEST_IMAGE, 'true']));
        else {
          ok(await dkd(['restart', '-t', '0', name]));
          assert.equal(ok(await dkd(['inspect', '-f', '{{.State.Status}}', name])).trim(), 'running');
        }
        ok(await dkd(['rm', '-f', name]));
      }
      assert.equal(await agreement(d), '');
    } finally {
      await d.stop();
    }
  });
});

/** '' when every runtime container, container directory, writable layer and name has its record; else what does not. */
async function agreement(d: Berthd): Promise<string> {
  const ids = new Set(ok(await docker(d.env, ['ps', '-a', '--no-trunc', '-q'])).split('\n').filter(Boolean));
  const running = new Set(ok(await docker(d.env, ['ps', '--no-trunc', '-q'])).split('\n').filter(Boolean));
  const problems: string[] = [];
  const runc = spawnSync('runc', ['--root', path.join(d.execRoot, 'runc'), 'list', '-q'], { encoding: 'utf8' });
  const inRuntime = runc.stdout.split('\n').filter(Boolean);
  for (const id of inRuntime) if (!running.has(id)) problems.push(`runtime container ${id} is not a running container`);
  for (const id of running) if (!inRuntime.includes(id)) problems.push(`running container ${id} is not in the runtime`);
  for (const id of fs.readdirSync(path.join(d.dataRoot, 'containers'))) if (!ids.has(id)) problems.push(`directory ${id} has no record`);
  const db = new DatabaseSync(path.join(d.dataRoot, 'berth.db'), { readOnly: true });
  try {
    const layers = (db.prepare("SELECT id FROM docs WHERE kind = 'rwlayers'").all() as { id: string }[]).map((r) => r.id);
    for (const id of layers) if (!ids.has(id)) problems.push(`layer ${id} has no record`);
    for (const id of ids) if (!layers.includes(id)) problems.push(`container ${id} has no layer`);
    const names = (db.prepare('SELECT id FROM container_names').all() as { id: string }[]).map((r) => r.id);
    for (const id of names) if (!ids.has(id)) problems.push(`name of ${id} has no record`);
  } finally {
    db.close();
  }
  return problems.join('; ');
}
