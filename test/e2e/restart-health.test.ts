// End-to-end: restart policies (with counts, and across a daemon restart) and healthchecks, with the real
// docker CLI against berthd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('restart policies and healthchecks', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const inspect = async (ref: string, fmt: string) => ok(await dk(['inspect', '-f', fmt, ref])).trim();

  test('on-failure:N restarts N times; always restarts until stopped; no does not', T, async () => {
    const of = uniq('of');
    const al = uniq('al');
    const no = uniq('no');
    ok(await dk(['run', '-d', '--name', of, '--restart', 'on-failure:2', t.image, 'sh', '-c', 'exit 3']));
    ok(await dk(['run', '-d', '--name', al, '--restart', 'always', t.image, 'sh', '-c', 'sleep 0.2']));
    ok(await dk(['run', '-d', '--name', no, t.image, 'sh', '-c', 'exit 1']));
    await waitFor(async () => (await inspect(of, '{{.RestartCount}} {{.State.Status}}')) === '2 exited', 'on-failure:2 gives up after 2 restarts', 20_000);
    assert.equal(await inspect(of, '{{.State.ExitCode}}'), '3');
    await waitFor(async () => Number(await inspect(al, '{{.RestartCount}}')) >= 2, 'always restarts', 20_000);
    ok(await dk(['stop', al]));
    const count = await inspect(al, '{{.RestartCount}}');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await inspect(al, '{{.RestartCount}} {{.State.Running}}'), `${count} false`);
    assert.equal(await inspect(no, '{{.RestartCount}} {{.State.Status}}'), '0 exited');
    ok(await dk(['rm', '-f', of, al, no]));
  });

  test('always and unless-stopped containers come back when the daemon starts; stopped ones stay down', T, async () => {
    const al = uniq('back');
    const us = uniq('us');
    ok(await dk(['run', '-d', '--name', al, '--restart', 'always', t.image, 'sleep', '1000']));
    ok(await dk(['run', '-d', '--name', us, '--restart', 'unless-stopped', t.image, 'sleep', '1000']));
    ok(await dk(['stop', '-t', '0', us]));
    ok(await dk(['kill', al]));
    // a killed container stays down too; it comes back with the daemon (Docker's "always")
    assert.equal(await inspect(al, '{{.State.Running}}'), 'false');
    await t.d.restart();
    await waitFor(async () => (await inspect(al, '{{.State.Running}}')) === 'true', 'the always container runs again');
    assert.equal(await inspect(us, '{{.State.Running}}'), 'false');
    ok(await dk(['rm', '-f', al, us]));
  });

  test('a healthcheck turns healthy, then unhealthy, with events and ps status', T, async () => {
    const c = uniq('hc');
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await dk(['run', '-d', '--name', c, '--health-cmd', 'test -f /tmp/ok', '--health-interval', '300ms', '--health-retries', '2', t.image, 'sh', '-c', 'touch /tmp/ok; sleep 1000']));
    await waitFor(async () => (await inspect(c, '{{.State.Health.Status}}')) === 'healthy', 'healthy', 15_000);
    assert.match(ok(await dk(['ps', '--filter', `name=${c}`, '--format', '{{.Status}}'])), /\(healthy\)/);
    ok(await dk(['exec', c, 'rm', '/tmp/ok']));
    await waitFor(async () => (await inspect(c, '{{.State.Health.Status}}')) === 'unhealthy', 'unhealthy', 15_000);
    assert.ok(Number(await inspect(c, '{{.State.Health.FailingStreak}}')) >= 2);
    const ev = ok(await dk(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `container=${c}`, '--format', '{{.Status}}']));
    assert.match(ev, /health_status: healthy/);
    assert.match(ev, /health_status: unhealthy/);
    ok(await dk(['rm', '-f', c]));
    const n = uniq('nohc');
    ok(await dk(['run', '-d', '--name', n, '--no-healthcheck', t.image, 'sleep', '100']));
    assert.equal(await inspect(n, '{{if .State.Health}}has{{else}}none{{end}}'), 'none');
    ok(await dk(['rm', '-f', n]));
  });
});
