// End-to-end: containers outlive a daemon restart, and exits that happen while the daemon is
// down are reported once it is back. (Against dockerd this needs --live-restore, which the
// target helper passes.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, waitFor, uniq } from '../helpers/util.ts';
import { alive } from '../helpers/daemon-common.ts';

const skip = e2eSkipReason();

describe('daemon restart', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const inspect = async (ref: string, fmt: string) => ok(await dk(['inspect', '-f', fmt, ref]), `inspect ${fmt}`).trim();
  const runDetached = async (args: string[], opts: string[] = []) => ok(await dk(['run', '-d', ...opts, t.image, ...args])).trim();
  const ticks = async (id: string) => (await dk(['logs', id])).stdout.split('\n').filter((l) => l.startsWith('tick ')).length;
  /** a process that ends on SIGTERM with `code`, printing a tick every 0.2 s */
  const ticker = (code: number) => ['sh', '-c', `trap "echo bye; exit ${code}" TERM; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done`];

  test('a running container survives a restart: running, logs, exec, wait, stop', T, async () => {
    const name = uniq('survivor');
    const id = await runDetached(ticker(0), ['--name', name]);
    await waitFor(async () => (await ticks(id)) >= 2, 'two ticks');
    const pid = await inspect(id, '{{.State.Pid}}');

    await t.d.restart();

    assert.equal(await inspect(id, '{{.State.Status}} {{.State.Running}}'), 'running true');
    assert.equal(await inspect(id, '{{.State.Pid}}'), pid, 'same process after the restart');
    assert.ok(alive(Number(pid)));
    assert.ok(ok(await dk(['ps', '-q', '--no-trunc'])).includes(id));
    // the log goes on: lines from before the restart, and new ones after it
    const before = await ticks(id);
    assert.ok(before >= 2);
    await waitFor(async () => (await ticks(id)) > before + 2, 'new ticks after the restart');
    assert.match(ok(await dk(['logs', '--tail', '3', name])), /tick \d+\n/);
    assert.equal(ok(await dk(['exec', name, 'echo', 'exec works'])), 'exec works\n');
    // the name is still taken
    fails(await dk(['create', '--name', name, t.image, 'true']), 1, /Conflict\. The container name "\/[\w-]+" is already in use/);

    const waiting = dk(['wait', id], { timeoutMs: 30_000 });
    const follow = dk(['logs', '-f', '--tail', '0', id], { timeoutMs: 30_000 });
    await sleep(500);
    ok(await dk(['stop', name]));
    assert.equal(ok(await waiting).trim(), '0');
    const f = await follow;
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /bye\n$/);
    assert.equal(await inspect(id, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0');
    assert.ok(!alive(Number(pid)) || !(await isSameProcess(Number(pid))));
    ok(await dk(['rm', id]));
  });

  test('a container that exits while the daemon is down: the exit code is reported after', T, async () => {
    const five = await runDetached(ticker(5));
    const killed = await runDetached(['sleep', '1000']);
    const autoRm = await runDetached(ticker(0), ['--rm']);
    await waitFor(async () => (await ticks(five)) >= 1, 'a tick');
    const pidFive = Number(await inspect(five, '{{.State.Pid}}'));
    const pidKilled = Number(await inspect(killed, '{{.State.Pid}}'));
    const pidAutoRm = Number(await inspect(autoRm, '{{.State.Pid}}'));

    await t.d.stopDaemon();
    // the containers run on without the daemon
    assert.ok(alive(pidFive) && alive(pidKilled) && alive(pidAutoRm), 'containers died with the daemon');
    process.kill(pidFive, 'SIGTERM');
    process.kill(pidKilled, 'SIGKILL');
    process.kill(pidAutoRm, 'SIGTERM');
    await waitFor(() => !alive(pidFive) && !alive(pidKilled) && !alive(pidAutoRm), 'the containers to exit', 10_000);
    await sleep(300);
    await t.d.startDaemon();

    await waitFor(async () => (await inspect(five, '{{.State.Status}}')) === 'exited', 'five to be exited');
    assert.equal(await inspect(five, '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}'), 'exited 5 false');
    assert.equal(ok(await dk(['wait', five])).trim(), '5');
    // berthd's monitor (conmon) keeps logging while the daemon is down; dockerd loses that output
    if (!REAL_DOCKER) assert.match(ok(await dk(['logs', five])), /bye\n$/);
    assert.match(ok(await dk(['ps', '-a', '--filter', `id=${five}`, '--format', '{{.Status}}'])), /^Exited \(5\) /);
    assert.equal(await inspect(killed, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    assert.equal(ok(await dk(['wait', killed])).trim(), '137');
    // --rm containers that exited meanwhile are removed
    await waitFor(async () => (await dk(['inspect', autoRm])).code === 1, 'the --rm container to be removed');
    // and they can be started again
    ok(await dk(['start', five]));
    assert.equal(await inspect(five, '{{.State.Status}}'), 'running');
    ok(await dk(['rm', '-f', five, killed]));
  });

  test('after a crash (SIGKILL) of the daemon, containers still run and can be stopped', T, async () => {
    const id = await runDetached(ticker(0));
    await waitFor(async () => (await ticks(id)) >= 1, 'a tick');
    const pid = await inspect(id, '{{.State.Pid}}');
    await t.d.stopDaemon({ signal: 'SIGKILL' });
    assert.ok(alive(Number(pid)));
    await t.d.startDaemon();
    assert.equal(await inspect(id, '{{.State.Status}} {{.State.Pid}}'), `running ${pid}`);
    ok(await dk(['stop', id]));
    assert.equal(await inspect(id, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 0');
    ok(await dk(['rm', id]));
  });

  test('state survives a restart: images, created and stopped containers, names', T, async () => {
    const created = uniq('created');
    const stopped = uniq('stopped');
    ok(await dk(['create', '--name', created, '-e', 'X=1', '--label', 'a=b', t.image, 'echo', 'later']));
    assert.equal((await dk(['run', '--name', stopped, t.image, 'sh', '-c', 'echo done; exit 2'])).code, 2);
    const imagesBefore = ok(await dk(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']));

    await t.d.restart();

    assert.equal(ok(await dk(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])), imagesBefore);
    assert.equal(await inspect(created, '{{.State.Status}} {{json .Config.Env}} {{.Config.Labels}}'), `created ${JSON.stringify(['X=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'])} map[a:b]`);
    assert.equal(await inspect(stopped, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 2');
    assert.equal(ok(await dk(['logs', stopped])), 'done\n');
    const r = await dk(['start', '-a', created]);
    assert.equal(ok(r), 'later\n');
    fails(await dk(['create', '--name', stopped, t.image, 'true']), 1, /is already in use by container/);
    ok(await dk(['rm', created, stopped]));
  });
});

/** After stop, a pid may be reused by an unrelated process; treat a live pid whose command is not
 * our ticker as gone. */
async function isSameProcess(pid: number): Promise<boolean> {
  const fs = await import('node:fs');
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tick');
  } catch {
    return false;
  }
}
