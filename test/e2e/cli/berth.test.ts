// The berth CLI end to end (test/e2e/cli: outside test:berth-cli's test/e2e/*.test.ts, which runs the
// docker scenarios with berth as the CLI), against berthd (or Debian's dockerd with BERTH_E2E_DAEMON=dockerd),
// side by side with the real docker CLI where their output must match. Needs root (skipped otherwise).
import { suite, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2e, e2eSkipReason, SUITE, T } from '../../helpers/target.ts';
import { run, docker, cliEnv, ptyRun, plain, describeRun, type RunOptions } from '../../helpers/docker.ts';
import { uniq, waitFor } from '../../helpers/util.ts';
import { startRegistry } from '../../helpers/registry.ts';
import { spawnSync } from 'node:child_process';

const tmuxMissing = spawnSync('sh', ['-c', 'command -v tmux']).status !== 0 ? 'tmux is not installed' : false;

const BERTH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/berth');

suite('berth CLI end to end', SUITE(e2eSkipReason()), () => {
  const t = e2e();
  const berth = (args: string[], opts: RunOptions = {}) => run(BERTH, args, { ...opts, envAll: cliEnv(t.d.env, { BERTH_NO_AUTOSTART: '1', ...opts.env }) });
  const ok = async (args: string[], opts: RunOptions = {}) => {
    const r = await berth(args, opts);
    assert.equal(r.code, 0, describeRun(['berth', ...args], r));
    return r.stdout;
  };

  test('run --rm: output, stderr and the exit code', T, async () => {
    assert.equal(await ok(['run', '--rm', t.image, 'echo', 'hi']), 'hi\n');
    const r = await berth(['run', '--rm', t.image, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
  });

  test('run: stdin with -i, 127 for a missing command, 125 for a bad option', T, async () => {
    assert.equal(await ok(['run', '-i', '--rm', t.image, 'cat'], { input: 'piped\n' }), 'piped\n');
    const nf = await berth(['run', '--rm', t.image, '/no/such/binary']);
    assert.equal(nf.code, 127, describeRun(['berth', 'run'], nf));
    assert.match(nf.stderr, /^berth: Error response from daemon: .*no such file or directory/m);
    const bad = await berth(['run', '--restart', 'always', '--rm', t.image]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /conflicting options: cannot specify both --restart and --rm/);
  });

  test('ps, inspect, logs, exec, images agree with the docker CLI', T, async () => {
    const name = uniq('bt');
    const id = (await ok(['run', '-d', '--name', name, '-l', 'k=v', t.image, 'sh', '-c', 'echo started; sleep 300'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    try {
      const same = async (args: string[]) => {
        const a = await docker(t.d.env, args);
        const b = await berth(args);
        assert.equal(b.stdout, a.stdout, `berth ${args.join(' ')} differs from docker`);
        assert.equal(b.code, a.code);
      };
      await same(['ps', '--filter', `name=${name}`, '--format', 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Names}}\t{{.Labels}}']);
      await same(['ps', '-a', '--no-trunc', '--filter', `name=${name}`, '--format', '{{json .Names}} {{.State}} {{.Label "k"}}']);
      await same(['inspect', name]);
      await same(['inspect', '-f', '{{.State.Status}} {{.Config.Cmd}} {{json .Config.Labels}} {{index .Config.Labels "k"}}', name]);
      await same(['images', '-q']);
      await same(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}']);
      await same(['history', t.image]);
      await same(['logs', name]);
      const ex = await berth(['exec', name, 'sh', '-c', 'echo in-exec; exit 4']);
      assert.deepEqual([ex.code, ex.stdout], [4, 'in-exec\n']);
      assert.equal(await ok(['top', name]).then((s) => s.split('\n')[0].split(/\s+/)[0]), 'UID');
    } finally {
      await berth(['rm', '-f', name]);
    }
  });

  test('error texts and codes', T, async () => {
    const r = await berth(['inspect', 'no-such-thing-at-all']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '[]\n', 'Error: No such object: no-such-thing-at-all\n']);
    const s = await berth(['stop', 'no-such-container']);
    assert.equal(s.code, 1);
    assert.equal(s.stderr, 'Error response from daemon: No such container: no-such-container\n');
  });

  test('run -it under a terminal: tty size, typing, exit code', T, async () => {
    const r = await ptyRun(
      [BERTH, 'run', '-it', '--rm', t.image, 'sh'],
      [
        { expect: '# ', send: 'stty size; echo typed-$((6*7))\r' },
        { expect: 'typed-42', send: 'exit 5\r' },
      ],
      { envAll: cliEnv(t.d.env, { TERM: 'xterm', BERTH_NO_AUTOSTART: '1' }), rows: 31, cols: 97 },
    );
    assert.equal(r.code, 5, `${r.error ?? ''}\n${plain(r.output)}`);
    assert.match(plain(r.output), /31 97\n/);
  });

  test('detach with ctrl-p ctrl-q leaves the container running', T, async () => {
    const name = uniq('bdt');
    try {
      const r = await ptyRun(
        [BERTH, 'run', '-it', '--name', name, t.image, 'sh'],
        [
          { expect: '# ', send: 'echo before-detach\r' },
          { expect: 'before-detach', send: '\x10\x11', delayMs: 200 },
        ],
        { envAll: cliEnv(t.d.env, { TERM: 'xterm', BERTH_NO_AUTOSTART: '1' }) },
      );
      assert.equal(r.code, 0, `${r.error ?? ''}\n${plain(r.output)}`);
      assert.equal((await ok(['inspect', '-f', '{{.State.Running}}', name])).trim(), 'true');
    } finally {
      await berth(['rm', '-f', name]);
    }
  });

  test('pull and push with the local registry', T, async () => {
    const registry = await startRegistry();
    try {
      const ref = `${registry.host}/berth-cli/${uniq('img')}:v1`;
      await ok(['tag', t.image, ref]);
      const pushed = await ok(['push', ref]);
      assert.match(pushed, /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
      await ok(['rmi', ref]);
      const pulled = await ok(['pull', ref]);
      assert.match(pulled, /Status: Downloaded newer image for /);
      assert.equal(await ok(['run', '--rm', ref, 'echo', 'pulled']), 'pulled\n');
      await ok(['rmi', ref]);
    } finally {
      await registry.stop();
    }
  });

  test('a terminal session under tmux: typing, resizing, detaching and attaching back', { ...T, skip: tmuxMissing }, async () => {
    const name = uniq('tmx');
    const server = uniq('berth-tmux');
    const tmux = (args: string[]) => run('tmux', ['-L', server, '-f', '/dev/null', ...args], { envAll: { ...process.env, TERM: 'xterm' } });
    const screen = async () => (await tmux(['capture-pane', '-p', '-t', 's'])).stdout;
    const until = async (re: RegExp, what: string) => {
      try {
        await waitFor(async () => re.test(await screen()), what, 15_000, 100);
      } catch (e) {
        throw new Error(`${(e as Error).message}; the screen shows:\n${await screen()}`);
      }
    };
    const env = Object.entries(cliEnv(t.d.env, { TERM: 'xterm', BERTH_NO_AUTOSTART: '1' }))
      .filter(([k]) => /^(DOCKER_|BERTH_|TERM$|PATH$|HOME$)/.test(k))
      .map(([k, v]) => `${k}=${v}`);
    try {
      const started = await tmux(['new-session', '-d', '-s', 's', '-x', '100', '-y', '30', 'env', ...env, 'sh', '-c', `'${BERTH}' run -it --name ${name} ${t.image} sh; echo "berth exited: $?"; sleep 60`]);
      assert.equal(started.code, 0, describeRun(['tmux', 'new-session'], started));
      await tmux(['set-option', '-t', 's', 'remain-on-exit', 'on']);
      await until(/\/ #\s*$/m, 'the shell prompt');
      await tmux(['send-keys', '-t', 's', 'echo typed-$((6*7)); stty size', 'Enter']);
      await until(/typed-42\n30 100/, 'the command output and the terminal size');
      await tmux(['resize-window', '-t', 's', '-x', '120', '-y', '40']);
      await tmux(['send-keys', '-t', 's', 'clear; stty size', 'Enter']);
      await until(/^40 120$/m, 'the new size inside the container');
      await tmux(['send-keys', '-t', 's', 'C-p', 'C-q']);
      // berth exits (status 0) and the container keeps running
      await until(/berth exited: 0$/m, 'berth to exit 0 after the detach keys');
      assert.equal((await ok(['inspect', '-f', '{{.State.Running}}', name])).trim(), 'true');
      await tmux(['kill-session', '-t', 's']);
      await tmux(['new-session', '-d', '-s', 's', '-x', '100', '-y', '30', 'env', ...env, BERTH, 'attach', name]);
      await tmux(['set-option', '-t', 's', 'remain-on-exit', 'on']);
      await tmux(['send-keys', '-t', 's', 'echo back-$((2+3))', 'Enter']);
      await until(/back-5/, 'the attached shell answering');
      await tmux(['send-keys', '-t', 's', 'exit 3', 'Enter']);
      await waitFor(async () => (await ok(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', name])).trim() === 'false 3', 'the container exits with 3', 15_000);
    } finally {
      await tmux(['kill-server']);
      await berth(['rm', '-f', name]);
    }
  });
});
