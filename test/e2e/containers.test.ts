// End-to-end: container life cycle with the real docker CLI against one berthd.
// BERTH_E2E_DAEMON=dockerd runs the same file against Debian's dockerd (to check the tests).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, dockerPty, plain } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, waitFor, uniq } from '../helpers/util.ts';
import { readTar } from '../helpers/images.ts';

const skip = e2eSkipReason();

describe('containers', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const inspect = async (ref: string, fmt: string) => ok(await dk(['inspect', '-f', fmt, ref]), `inspect ${fmt}`).trim();
  /** docker run -d IMG ARGS…; returns the full ID. */
  const runDetached = async (args: string[], opts: string[] = []) => {
    const out = ok(await dk(['run', '-d', ...opts, t.image, ...args]), `run -d ${args.join(' ')}`).trim();
    assert.match(out, /^[0-9a-f]{64}$/);
    return out;
  };

  test('run --rm echo hello prints hello and leaves no container', T, async () => {
    const name = uniq('hello');
    const r = await dk(['run', '--rm', '--name', name, t.image, 'echo', 'hello']);
    assert.equal(ok(r), 'hello\n');
    assert.equal(r.stderr, '');
    const ps = ok(await dk(['ps', '-a', '--filter', `name=${name}`, '-q']));
    assert.equal(ps.trim(), '');
  });

  test('run uses the image Cmd and Env', T, async () => {
    // Cmd is ["sh"]; with stdin closed sh reads EOF and exits 0
    assert.equal((await dk(['run', '--rm', t.image])).code, 0);
    assert.equal(ok(await dk(['run', '--rm', t.image, 'sh', '-c', 'echo $PATH'])), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
    assert.equal(ok(await dk(['run', '--rm', '-e', 'FOO=bar', '-w', '/tmp', '-u', 'nobody', t.image, 'sh', '-c', 'echo $FOO $(pwd) $(id -u)'])), 'bar /tmp 65534\n');
  });

  test('run propagates the exit code; stdout and stderr stay apart', T, async () => {
    const r = await dk(['run', '--rm', t.image, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test('run of a missing command fails with 127 and a message', T, async () => {
    const r = await dk(['run', '--rm', t.image, '/no/such/binary']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /no such file or directory/i);
  });

  test('run -d, ps shows it, inspect templates', T, async () => {
    const name = uniq('sleeper');
    const id = await runDetached(['sleep', '1000'], ['--name', name, '--network', 'none']);
    const ps = ok(await dk(['ps', '--no-trunc', '--format', '{{.ID}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.Names}}']));
    const line = ps.split('\n').find((l) => l.startsWith(id));
    assert.ok(line, `ps does not list ${id}:\n${ps}`);
    const [, image, command, status, names] = line.split('|');
    assert.equal(image, t.image);
    assert.equal(command, '"sleep 1000"');
    assert.match(status, /^Up /);
    assert.equal(names, name);
    assert.ok(ok(await dk(['ps', '-q'])).split('\n').includes(id.slice(0, 12)));

    assert.equal(await inspect(name, '{{.State.Status}} {{.Config.Cmd}} {{.HostConfig.NetworkMode}}'), 'running [sleep 1000] none');
    assert.equal(await inspect(name, '{{.Id}} {{.Name}} {{.Path}} {{.Args}}'), `${id} /${name} sleep [1000]`);
    assert.equal(await inspect(name, '{{.State.Running}} {{.State.Paused}} {{.State.ExitCode}} {{.RestartCount}}'), 'true false 0 0');
    assert.equal(await inspect(name, '{{.Config.Image}} {{.Image}}'), `${t.image} ${t.archive.id}`);
    assert.equal(await inspect(name, '{{.Config.Hostname}}'), id.slice(0, 12));
    assert.equal(await inspect(name, '{{.Config.Tty}} {{.Config.OpenStdin}} {{.HostConfig.AutoRemove}}'), 'false false false');
    assert.ok(Number(await inspect(name, '{{.State.Pid}}')) > 0);
    assert.match(await inspect(name, '{{.State.StartedAt}}'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.match(await inspect(name, '{{.Created}}'), /^\d{4}-\d\d-\d\dT/);
    const env = JSON.parse(await inspect(name, '{{json .Config.Env}}'));
    assert.ok(env.includes('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'), JSON.stringify(env));
    // the container's hostname is its short ID
    assert.equal(ok(await dk(['exec', name, 'hostname'])), `${id.slice(0, 12)}\n`);
    // inspect of several objects returns a JSON array
    const all = JSON.parse(ok(await dk(['inspect', name, id.slice(0, 12)])));
    assert.equal(all.length, 2);
    assert.equal(all[0].Id, id);
    assert.equal(all[1].Id, id);
    ok(await dk(['rm', '-f', name]));
  });

  test('inspect: the default network mode and container name lookups by ID prefix', T, async () => {
    const id = await runDetached(['sleep', '1000']);
    // API >= 1.44 reports "bridge" for the default network; dockerd 20.10 says "default"
    assert.equal(await inspect(id, '{{.HostConfig.NetworkMode}}'), REAL_DOCKER ? 'default' : 'bridge');
    assert.equal(await inspect(id.slice(0, 8), '{{.Id}}'), id);
    ok(await dk(['rm', '-f', id]));
  });

  test('logs, logs -f, --tail, --timestamps', T, async () => {
    const id = await runDetached(['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done; echo oops >&2']);
    // follow from the start: ends when the container exits, with every line
    const f = await dk(['logs', '-f', id], { timeoutMs: 30_000 });
    assert.equal(ok(f), 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    assert.equal(f.stderr, 'oops\n');
    const tl = await dk(['logs', '--tail', '2', id]);
    assert.equal(tl.stdout + tl.stderr, 'line 5\noops\n');
    const ts = ok(await dk(['logs', '-t', id]));
    assert.match(ts.split('\n')[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 1$/);
    ok(await dk(['rm', id]));
  });

  test('logs -f streams a running container and stops with it', T, async () => {
    const id = await runDetached(['sh', '-c', 'echo start; sleep 1; echo middle; sleep 1; echo end']);
    await waitFor(async () => (await dk(['logs', id])).stdout.includes('start'), 'first line');
    const f = await dk(['logs', '-f', id], { timeoutMs: 20_000 });
    assert.equal(ok(f), 'start\nmiddle\nend\n');
    ok(await dk(['rm', id]));
  });

  test('exec: output, exit codes, user/workdir/env, stdin, no tty', T, async () => {
    const id = await runDetached(['sleep', '1000']);
    assert.equal(ok(await dk(['exec', id, 'echo', 'hi'])), 'hi\n');
    assert.equal((await dk(['exec', id, 'sh', '-c', 'exit 7'])).code, 7);
    assert.equal(ok(await dk(['exec', '-u', 'nobody', '-w', '/tmp', '-e', 'FOO=bar', id, 'sh', '-c', 'id -u; pwd; echo $FOO'])), '65534\n/tmp\nbar\n');
    assert.equal(ok(await dk(['exec', '-i', id, 'cat'], { input: 'piped\n' })), 'piped\n');
    const nt = await dk(['exec', id, 'tty']);
    assert.equal(nt.code, 1);
    assert.equal(nt.stdout, 'not a tty\n');
    const r = await dk(['exec', id, '/no/such/binary']);
    // moby >= 23 maps "no such file" to 127 like `run` does; 20.10 says 126
    assert.ok(r.code === 127 || r.code === 126, `exit ${r.code}: ${r.stderr}`);
    // (dockerd 20.10 only logs the reason; later daemons write it into the exec's stdout stream)
    if (!REAL_DOCKER) assert.match(r.stdout + r.stderr, /no such file or directory/i);
    // exec'd processes are visible in the container
    assert.match(ok(await dk(['exec', id, 'ps'])), /sleep 1000/);
    ok(await dk(['rm', '-f', id]));
  });

  test('exec -t and exec -it under a pty', T, async () => {
    const id = await runDetached(['sleep', '1000']);
    const t1 = await dockerPty(t.d.env, ['exec', '-t', id, 'tty'], [], { timeoutMs: 20_000 });
    assert.equal(t1.code, 0, JSON.stringify(t1));
    assert.match(plain(t1.output), /^\/dev\/pts\/\d+\n?$/);
    const t2 = await dockerPty(t.d.env, ['exec', '-it', id, 'sh'], [
      { expect: '# ', send: 'echo $((6*7)); stty size\r' },
      { expect: '42\\r?\\n24 80', send: 'exit 4\r' },
    ], { timeoutMs: 20_000 });
    assert.equal(t2.failedStep, undefined, `pty script stuck: ${JSON.stringify(plain(t2.output))}`);
    assert.equal(t2.code, 4, JSON.stringify(t2));
    ok(await dk(['rm', '-f', id]));
  });

  test('run -it: a working TTY under a pty', T, async () => {
    const r = await dockerPty(t.d.env, ['run', '-it', '--rm', t.image], [
      { expect: '# ', send: 'tty\r' },
      { expect: '/dev/pts/0', send: 'stty size; echo $TERM\r' },
      { expect: '24 80\\r?\\n\\S+', send: 'exit\r' },
    ], { timeoutMs: 30_000 });
    assert.equal(r.failedStep, undefined, `pty script stuck: ${JSON.stringify(plain(r.output))}`);
    assert.equal(r.code, 0, JSON.stringify(r));
    const out = plain(r.output);
    assert.match(out, /\/dev\/pts\/0\n/);
    assert.match(out, /24 80\nxterm\n/);
  });

  test('run -it: exit code of the shell, and Ctrl-D', T, async () => {
    const r = await dockerPty(t.d.env, ['run', '-it', '--rm', t.image, 'sh'], [{ expect: '# ', send: 'exit 3\r' }], { timeoutMs: 30_000 });
    assert.equal(r.code, 3, JSON.stringify(r));
    const r2 = await dockerPty(t.d.env, ['run', '-it', '--rm', t.image, 'sh'], [{ expect: '# ', send: '\x04' }], { timeoutMs: 30_000 });
    assert.equal(r2.code, 0, JSON.stringify(r2));
  });

  test('run -t without -i: output through the tty, \\n becomes \\r\\n', T, async () => {
    const r = await dk(['run', '--rm', '-t', t.image, 'sh', '-c', 'echo a; echo b']);
    assert.equal(ok(r), 'a\r\nb\r\n');
  });

  test('echo x | docker run -i IMG cat', T, async () => {
    assert.equal(ok(await dk(['run', '-i', '--rm', t.image, 'cat'], { input: 'x\n' })), 'x\n');
    // larger input, and the exit code after stdin closes
    const big = 'abcdefghij'.repeat(100_000) + '\n';
    const r = await dk(['run', '-i', '--rm', t.image, 'sh', '-c', 'wc -c; exit 4'], { input: big, timeoutMs: 60_000 });
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout.trim(), String(big.length));
  });

  test('cp both ways', T, async () => {
    const id = await runDetached(['sleep', '1000']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-'));
    try {
      fs.writeFileSync(path.join(dir, 'host.txt'), 'from the host\n');
      fs.mkdirSync(path.join(dir, 'tree/sub'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'tree/sub/f'), 'deep\n');
      ok(await dk(['cp', path.join(dir, 'host.txt'), `${id}:/tmp/`]));
      assert.equal(ok(await dk(['exec', id, 'cat', '/tmp/host.txt'])), 'from the host\n');
      ok(await dk(['cp', path.join(dir, 'tree'), `${id}:/tmp/tree`]));
      assert.equal(ok(await dk(['exec', id, 'cat', '/tmp/tree/sub/f'])), 'deep\n');
      // container → host
      ok(await dk(['exec', id, 'sh', '-c', 'mkdir -p /data/d && echo inside > /data/d/file && echo top > /data/top']));
      ok(await dk(['cp', `${id}:/data/top`, path.join(dir, 'top.txt')]));
      assert.equal(fs.readFileSync(path.join(dir, 'top.txt'), 'utf8'), 'top\n');
      ok(await dk(['cp', `${id}:/data`, path.join(dir, 'out')]));
      assert.equal(fs.readFileSync(path.join(dir, 'out/d/file'), 'utf8'), 'inside\n');
      ok(await dk(['cp', `${id}:/etc/passwd`, dir]));
      assert.match(fs.readFileSync(path.join(dir, 'passwd'), 'utf8'), /^root:x:0:0:/);
      // to stdout as a tar
      const tarFile = path.join(dir, 'x.tar');
      const r = await dk(['cp', `${id}:/data/top`, '-']);
      ok(r);
      fs.writeFileSync(tarFile, r.stdout, 'latin1');
      const entries = await readTar(tarFile).catch(() => []);
      assert.ok(entries.some((e) => e.name === 'top'), JSON.stringify(entries.map((e) => e.name)));
      // missing source path
      const miss = await dk(['cp', `${id}:/no/such/file`, dir]);
      assert.equal(miss.code, 1);
      assert.match(miss.stderr, /Could not find the file \/no\/such\/file in container/);
      // cp from a stopped container
      ok(await dk(['stop', '-t', '0', id]));
      ok(await dk(['cp', `${id}:/tmp/host.txt`, path.join(dir, 'back.txt')]));
      assert.equal(fs.readFileSync(path.join(dir, 'back.txt'), 'utf8'), 'from the host\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await dk(['rm', '-f', id]);
    }
  });

  test('diff, commit, and run the committed image', T, async () => {
    const name = uniq('committer');
    const id = await runDetached(['sleep', '1000'], ['--name', name]);
    ok(await dk(['exec', id, 'sh', '-c', 'echo x > /tmp/new && mkdir /made && rm /etc/group && echo more >> /etc/passwd']));
    const diff = ok(await dk(['diff', id])).split('\n').filter(Boolean);
    for (const want of ['C /tmp', 'A /tmp/new', 'A /made', 'C /etc', 'D /etc/group', 'C /etc/passwd']) {
      assert.ok(diff.includes(want), `diff lacks "${want}":\n${diff.join('\n')}`);
    }
    // bind-mounted /etc/hosts, /etc/hostname, /etc/resolv.conf are not reported
    assert.ok(!diff.some((l) => /\/etc\/(hosts|hostname|resolv\.conf)$/.test(l)), diff.join('\n'));
    const tag = `${uniq('committed')}:v1`;
    const out = ok(await dk(['commit', name, tag])).trim();
    assert.match(out, /^sha256:[0-9a-f]{64}$/);
    assert.equal(ok(await dk(['run', '--rm', tag, 'cat', '/tmp/new'])), 'x\n');
    assert.equal((await dk(['run', '--rm', tag, 'test', '-e', '/etc/group'])).code, 1);
    assert.match(ok(await dk(['run', '--rm', tag, 'tail', '-n', '1', '/etc/passwd'])), /^more$/m);
    // the container's config becomes the image's
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{json .Config.Cmd}}', tag])).trim(), '["sleep","1000"]');
    const layers = JSON.parse(ok(await dk(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', tag])));
    assert.equal(layers.length, 2);
    assert.equal(layers[0], t.archive.diffIds[0]);
    // --change and -m
    const tag2 = `${uniq('committed')}:v2`;
    ok(await dk(['commit', '-c', 'CMD ["echo","changed"]', '-c', 'ENV HELLO=world', '-m', 'a message', id, tag2]));
    assert.equal(ok(await dk(['run', '--rm', tag2])), 'changed\n');
    assert.equal(ok(await dk(['run', '--rm', tag2, 'sh', '-c', 'echo $HELLO'])), 'world\n');
    assert.equal(ok(await dk(['image', 'inspect', '-f', '{{.Comment}}', tag2])).trim(), 'a message');
    ok(await dk(['rm', '-f', id]));
    ok(await dk(['rmi', tag, tag2]));
  });

  test('stop: SIGTERM handled → exit 0; ignored → SIGKILL after the timeout → 137', T, async () => {
    const handled = await runDetached(['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done']);
    const t0 = Date.now();
    assert.equal(ok(await dk(['stop', handled])).trim(), handled);
    assert.ok(Date.now() - t0 < 8000, 'stop waited for the timeout although the process exited on SIGTERM');
    assert.equal(await inspect(handled, '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}'), 'exited 0 false');
    assert.match(await inspect(handled, '{{.State.FinishedAt}}'), /^\d{4}-/);

    // sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM: killed after -t 1
    const stubborn = await runDetached(['sleep', '1000']);
    const t1 = Date.now();
    ok(await dk(['stop', '-t', '1', stubborn]));
    const took = Date.now() - t1;
    assert.ok(took >= 900 && took < 8000, `stop -t 1 took ${took} ms`);
    assert.equal(await inspect(stubborn, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    // stopping a stopped container is fine
    ok(await dk(['stop', stubborn]));
    // and it can be started again
    ok(await dk(['start', stubborn]));
    assert.equal(await inspect(stubborn, '{{.State.Status}}'), 'running');
    ok(await dk(['rm', '-f', handled, stubborn]));
  });

  test('kill: SIGKILL → 137; -s sends a signal; killing a stopped container is a 409', T, async () => {
    const id = await runDetached(['sleep', '1000']);
    assert.equal(ok(await dk(['kill', id])).trim(), id);
    assert.equal(ok(await dk(['wait', id])).trim(), '137');
    assert.equal(await inspect(id, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    const k = await dk(['kill', id]);
    fails(k, 1, /is not running/);

    const trap = await runDetached(['sh', '-c', 'trap "exit 42" USR1; while true; do sleep 0.1; done']);
    ok(await dk(['kill', '-s', 'USR1', trap]));
    assert.equal(ok(await dk(['wait', trap])).trim(), '42');
    ok(await dk(['rm', id, trap]));
  });

  test('wait: exit codes 0, 3, 137', T, async () => {
    const zero = await runDetached(['true']);
    const three = await runDetached(['sh', '-c', 'exit 3']);
    const killed = await runDetached(['sleep', '100']);
    assert.equal(ok(await dk(['wait', zero])).trim(), '0');
    assert.equal(ok(await dk(['wait', three])).trim(), '3');
    const w = dk(['wait', killed], { timeoutMs: 30_000 });
    await sleep(300);
    ok(await dk(['kill', killed]));
    assert.equal(ok(await w).trim(), '137');
    assert.equal(await inspect(three, '{{.State.ExitCode}}'), '3');
    // several at once, one line each, in order
    assert.equal(ok(await dk(['wait', zero, three, killed])), '0\n3\n137\n');
    ok(await dk(['rm', zero, three, killed]));
  });

  test('create, start, attach-less start, restart', T, async () => {
    const name = uniq('created');
    const id = ok(await dk(['create', '--name', name, t.image, 'sh', '-c', 'echo ran; sleep 1000'])).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(await inspect(name, '{{.State.Status}}'), 'created');
    assert.ok(ok(await dk(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).includes(`${name} Created`));
    assert.equal(ok(await dk(['start', name])).trim(), name);
    assert.equal(await inspect(name, '{{.State.Status}}'), 'running');
    const pid1 = await inspect(name, '{{.State.Pid}}');
    ok(await dk(['restart', '-t', '0', name]));
    assert.equal(await inspect(name, '{{.State.Status}}'), 'running');
    assert.notEqual(await inspect(name, '{{.State.Pid}}'), pid1);
    await waitFor(async () => (await dk(['logs', name])).stdout === 'ran\nran\n', 'two "ran" lines in the logs');
    ok(await dk(['rm', '-f', name]));
  });

  test('start -a prints the output and returns the exit code', T, async () => {
    const id = ok(await dk(['create', t.image, 'sh', '-c', 'echo attached; exit 6'])).trim();
    const r = await dk(['start', '-a', id]);
    assert.equal(r.code, 6);
    assert.equal(r.stdout, 'attached\n');
    ok(await dk(['rm', id]));
  });

  test('rm -f removes a running container; rm of a running one without -f is refused', T, async () => {
    const name = uniq('rmf');
    const id = await runDetached(['sleep', '1000'], ['--name', name]);
    const refused = await dk(['rm', name]);
    fails(refused, 1, REAL_DOCKER ? /You cannot remove a running container/ : /cannot remove container "\/?[\w-]+": container is running: stop the container before removing or force remove/);
    assert.equal(ok(await dk(['rm', '-f', name])).trim(), name);
    assert.equal(ok(await dk(['ps', '-a', '-q', '--no-trunc'])).includes(id), false);
    const gone = await dk(['inspect', id]);
    assert.equal(gone.code, 1);
    // the process is gone too
    assert.equal(ok(await dk(['ps', '-a', '--filter', `id=${id}`, '-q'])).trim(), '');
  });

  test('run --rm removes the container after it exits, also after docker stop', T, async () => {
    const name = uniq('autorm');
    const id = await runDetached(['sleep', '1000'], ['--rm', '--name', name]);
    ok(await dk(['stop', '-t', '0', name]));
    await waitFor(async () => (await dk(['inspect', id])).code === 1, 'auto-removal');
  });

  test('ps -a, filters, --format, -n/-l', T, async () => {
    const label = uniq('lbl');
    const a = await runDetached(['sleep', '1000'], ['--label', `suite=${label}`]);
    const b = ok(await dk(['create', '--label', `suite=${label}`, t.image, 'true'])).trim();
    const running = ok(await dk(['ps', '-q', '--no-trunc', '--filter', `label=suite=${label}`])).split('\n').filter(Boolean);
    assert.deepEqual(running, [a]);
    const every = ok(await dk(['ps', '-a', '-q', '--no-trunc', '--filter', `label=suite=${label}`])).split('\n').filter(Boolean);
    assert.deepEqual(every.sort(), [a, b].sort());
    const created = ok(await dk(['ps', '-a', '-q', '--no-trunc', '--filter', `label=suite=${label}`, '--filter', 'status=created'])).trim();
    assert.equal(created, b);
    assert.equal(ok(await dk(['ps', '-l', '-q', '--no-trunc'])).trim(), b);
    const j = JSON.parse(ok(await dk(['ps', '-a', '--no-trunc', '--filter', `id=${a}`, '--format', '{{json .}}'])).trim());
    assert.equal(j.ID, a);
    assert.equal(j.State, 'running');
    assert.match(j.Labels, new RegExp(`suite=${label}`));
    ok(await dk(['rm', '-f', a, b]));
  });

  test('rename, pause/unpause, top, stats --no-stream', T, async () => {
    const name = uniq('misc');
    const id = await runDetached(['sleep', '1000'], ['--name', name]);
    const renamed = uniq('renamed');
    ok(await dk(['rename', name, renamed]));
    assert.equal(await inspect(id, '{{.Name}}'), `/${renamed}`);
    ok(await dk(['pause', renamed]));
    assert.equal(await inspect(id, '{{.State.Status}} {{.State.Paused}}'), 'paused true');
    ok(await dk(['unpause', renamed]));
    assert.equal(await inspect(id, '{{.State.Status}} {{.State.Paused}}'), 'running false');
    assert.match(ok(await dk(['top', renamed])), /sleep 1000/);
    const st = await dk(['stats', '--no-stream', '--format', '{{.Name}}', renamed], { timeoutMs: 30_000 });
    assert.equal(ok(st).trim(), renamed);
    ok(await dk(['rm', '-f', id]));
  });
});
