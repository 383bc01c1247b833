// End-to-end: more of "nothing accepted and ignored" (issue 13), container side: docker cp through
// volumes and bind mounts, commit in any state, exec -t through a terminal, the daemon's init
// options, health probes as execs. Each effect is checked as a user sees it, and the same
// expectations hold against dockerd (BERTH_E2E_DAEMON=dockerd).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { docker, type DaemonEnv } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, TARGET } from '../helpers/target.ts';
import { ok, fails, uniq, waitFor, curl } from '../helpers/util.ts';
import { startBerthd } from '../helpers/berthd.ts';
import { startDockerd } from '../helpers/dockerd.ts';

const skip = e2eSkipReason();

describe('conformance, container side (more)', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('docker cp to and from volumes and bind mounts, running and stopped', T, async () => {
    const work = fs.mkdtempSync('/tmp/berth-cpvol-');
    const bindDir = path.join(work, 'bind');
    fs.mkdirSync(bindDir);
    fs.writeFileSync(path.join(bindDir, 'b.txt'), 'from the host\n');
    fs.writeFileSync(path.join(work, 'up.txt'), 'uploaded\n');
    const vol = uniq('cpvol');
    const n = uniq('cp');
    const out = (name: string) => path.join(work, name);
    try {
      ok(await dk(['run', '-d', '--name', n, '-v', `${vol}:/vol`, '-v', `${bindDir}:/bind`, t.image, 'sh', '-c', 'echo in-volume > /vol/file; ln -s /vol/file /link; touch /ready; exec sleep 300']));
      await waitFor(async () => (await dk(['exec', n, 'test', '-e', '/ready'])).code === 0, 'the container wrote its files');
      for (const state of ['running', 'stopped']) {
        // out of a volume: a file, the volume's directory, a link on the rootfs into the volume
        ok(await dk(['cp', `${n}:/vol/file`, out(`file-${state}`)]));
        assert.equal(fs.readFileSync(out(`file-${state}`), 'utf8'), 'in-volume\n');
        ok(await dk(['cp', `${n}:/vol`, out(`dir-${state}`)]));
        assert.equal(fs.readFileSync(path.join(out(`dir-${state}`), 'file'), 'utf8'), 'in-volume\n');
        ok(await dk(['cp', '-L', `${n}:/link`, out(`link-${state}`)]));
        assert.equal(fs.readFileSync(out(`link-${state}`), 'utf8'), 'in-volume\n');
        // out of a bind mount
        ok(await dk(['cp', `${n}:/bind/b.txt`, out(`b-${state}`)]));
        assert.equal(fs.readFileSync(out(`b-${state}`), 'utf8'), 'from the host\n');
        // into a volume (a directory, and a new name) and into a bind mount
        ok(await dk(['cp', out('up.txt'), `${n}:/vol/`]));
        ok(await dk(['cp', out('up.txt'), `${n}:/vol/renamed-${state}`]));
        ok(await dk(['cp', out('up.txt'), `${n}:/bind/up-${state}.txt`]));
        assert.equal(fs.readFileSync(path.join(bindDir, `up-${state}.txt`), 'utf8'), 'uploaded\n');
        if (state === 'running') {
          assert.equal(ok(await dk(['exec', n, 'cat', '/vol/up.txt', '/vol/renamed-running', '/bind/up-running.txt'])), 'uploaded\n'.repeat(3));
          ok(await dk(['stop', '-t', '0', n]));
        }
      }
      // a missing file in a volume: dockerd's message, naming the container as the client did
      fails(await dk(['cp', `${n}:/vol/nope`, out('nope')]), 1, new RegExp(`Could not find the file /vol/nope in container ${n}$`, 'm'));
      // what was copied into the stopped container is in the volume for the next container
      const seen = ok(await dk(['run', '--rm', '-v', `${vol}:/v`, t.image, 'cat', '/v/renamed-stopped']));
      assert.equal(seen, 'uploaded\n');
      // a container never started sees the volume's files too
      const fresh = uniq('cpnew');
      ok(await dk(['create', '--name', fresh, '-v', `${vol}:/data`, t.image]));
      ok(await dk(['cp', `${fresh}:/data/file`, out('fresh')]));
      assert.equal(fs.readFileSync(out('fresh'), 'utf8'), 'in-volume\n');
      ok(await dk(['rm', fresh]));
    } finally {
      await dk(['rm', '-f', n]);
      await dk(['volume', 'rm', '-f', vol]);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  test('docker cp of a tree into a directory that holds a volume: the entries below the mount land in the volume; a mounted file is not replaced', T, async () => {
    const work = fs.mkdtempSync('/tmp/berth-cptree-');
    const vol = uniq('cptree');
    const n = uniq('cptree');
    try {
      fs.mkdirSync(path.join(work, 'tree', 'vol', 'sub'), { recursive: true });
      fs.writeFileSync(path.join(work, 'tree', 'top.txt'), 'top\n');
      fs.writeFileSync(path.join(work, 'tree', 'vol', 'sub', 'deep.txt'), 'deep\n');
      fs.writeFileSync(path.join(work, 'hosts'), '127.0.0.1 nope\n');
      ok(await dk(['run', '-d', '--name', n, '-v', `${vol}:/vol`, t.image, 'sleep', '300']));
      ok(await dk(['cp', `${path.join(work, 'tree')}/.`, `${n}:/`]));
      assert.equal(ok(await dk(['exec', n, 'cat', '/top.txt', '/vol/sub/deep.txt'])), 'top\ndeep\n');
      // in the volume itself, not in the layer below its mount point
      assert.equal(ok(await dk(['run', '--rm', '-v', `${vol}:/v`, t.image, 'cat', '/v/sub/deep.txt'])), 'deep\n');
      // /etc/hosts is a file mounted by the daemon: replacing it fails as the kernel says (EBUSY)
      fails(await dk(['cp', path.join(work, 'hosts'), `${n}:/etc/hosts`]), 1, /device or resource busy/);
      assert.doesNotMatch(ok(await dk(['exec', n, 'cat', '/etc/hosts'])), /nope/);
    } finally {
      await dk(['rm', '-f', n]);
      await dk(['volume', 'rm', '-f', vol]);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  test('docker cp into a read-only volume or a read-only rootfs is refused, a writable volume of a --read-only container is not', T, async () => {
    const work = fs.mkdtempSync('/tmp/berth-cpro-');
    fs.writeFileSync(path.join(work, 'f'), 'x\n');
    const n = uniq('cpro');
    const [rw, ro] = [uniq('rw'), uniq('ro')];
    try {
      ok(await dk(['run', '-d', '--name', n, '--read-only', '-v', `${rw}:/rw`, '-v', `${ro}:/ro:ro`, t.image, 'sleep', '300']));
      fails(await dk(['cp', path.join(work, 'f'), `${n}:/ro/`]), 1, /mounted volume is marked read-only/);
      fails(await dk(['cp', path.join(work, 'f'), `${n}:/tmp/`]), 1, /container rootfs is marked read-only/);
      ok(await dk(['cp', path.join(work, 'f'), `${n}:/rw/`]));
      assert.equal(ok(await dk(['exec', n, 'cat', '/rw/f'])), 'x\n');
    } finally {
      await dk(['rm', '-f', n]);
      await dk(['volume', 'rm', '-f', rw, ro]);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  test('docker commit works in any state: right after start (exiting or exited), created, running (paused around it, with events)', T, async () => {
    const made: string[] = [];
    try {
      // committed at once after `run -d … true`: the container is exiting or has exited
      for (let i = 0; i < 5; i++) {
        const c = ok(await dk(['run', '-d', t.image, 'sh', '-c', `echo ${i} > /mark`])).trim();
        made.push(c);
        const img = ok(await dk(['commit', c]), 'commit right after start').trim();
        assert.match(img, /^sha256:[0-9a-f]{64}$/);
        made.push(img);
      }
      const created = ok(await dk(['create', t.image, 'true'])).trim();
      made.push(created);
      made.push(ok(await dk(['commit', created])).trim());

      // a running container: paused around the commit, with a pause and an unpause event
      const n = uniq('commitrun');
      const since = Math.floor(Date.now() / 1000) - 1;
      ok(await dk(['run', '-d', '--name', n, t.image, 'sh', '-c', 'echo hi > /made; exec sleep 300']));
      made.push(n);
      await waitFor(async () => (await dk(['exec', n, 'test', '-e', '/made'])).code === 0, 'the file');
      const img = ok(await dk(['commit', n, `${n}:img`])).trim();
      made.push(`${n}:img`);
      assert.match(img, /^sha256:/);
      assert.equal(ok(await dk(['run', '--rm', `${n}:img`, 'cat', '/made'])), 'hi\n');
      assert.equal(ok(await dk(['inspect', '-f', '{{.State.Status}}', n])).trim(), 'running');
      // --pause=false leaves it running throughout: no second pause
      ok(await dk(['commit', '--pause=false', n, `${n}:nopause`]));
      made.push(`${n}:nopause`);
      const until = Math.floor(Date.now() / 1000) + 1;
      const events = ok(await dk(['events', '--since', String(since), '--until', String(until), '--filter', `container=${n}`, '--format', '{{.Action}}'])).trim().split('\n');
      assert.deepEqual(events.filter((a) => ['pause', 'unpause', 'commit'].includes(a)), ['pause', 'commit', 'unpause', 'commit']);
      // a paused container stays paused (no unpause of a container someone else paused)
      ok(await dk(['pause', n]));
      ok(await dk(['commit', n]));
      assert.equal(ok(await dk(['inspect', '-f', '{{.State.Status}}', n])).trim(), 'paused');
      ok(await dk(['unpause', n]));
    } finally {
      for (const x of made.reverse()) await dk([x.startsWith('sha256:') || x.includes(':') ? 'rmi' : 'rm', '-f', x]);
    }
  });

  test('exec -t runs the command on a terminal (CRLF output); the start\'s Tty only picks the stream framing', T, async () => {
    const n = uniq('exect');
    ok(await dk(['run', '-d', '--name', n, t.image, 'sleep', '300']));
    try {
      // the CLI (its own stdin not a terminal) asks for a terminal: the output comes through it
      assert.equal(ok(await dk(['exec', '-t', n, 'echo', 'hi'])), 'hi\r\n');
      assert.equal(ok(await dk(['exec', n, 'echo', 'hi'])), 'hi\n');
      // the API: created with Tty, started without: a terminal still, its output in a stdout frame
      const sock = t.d.socket;
      const ex = await curl(sock, 'POST', `/containers/${n}/exec`, JSON.stringify({ Cmd: ['sh', '-c', 'tty; echo out'], Tty: true, AttachStdout: true, AttachStderr: true }));
      assert.equal(ex.status, 201, ex.body);
      const r = await curl(sock, 'POST', `/exec/${ex.json.Id}/start`, JSON.stringify({ Detach: false }));
      assert.equal(r.status, 200);
      // stdout frames (8-byte headers: stream 1, then the length), as many as the writes
      const framed = Buffer.from(r.body, 'latin1');
      let payload = '';
      for (let at = 0; at < framed.length; ) {
        const size = framed.readUInt32BE(at + 4);
        assert.equal(framed[at], 1, `stdout frames only: ${JSON.stringify(r.body)}`);
        payload += framed.subarray(at + 8, at + 8 + size).toString('latin1');
        at += 8 + size;
      }
      assert.match(payload, /^\/dev\/pts\/\d+\r\nout\r\n$/);
      // created without Tty, started with Tty: no terminal, the raw stream
      const ex2 = await curl(sock, 'POST', `/containers/${n}/exec`, JSON.stringify({ Cmd: ['sh', '-c', 'tty; echo out'], AttachStdout: true, AttachStderr: true }));
      const r2 = await curl(sock, 'POST', `/exec/${ex2.json.Id}/start`, JSON.stringify({ Detach: false, Tty: true }));
      assert.equal(r2.body, 'not a tty\nout\n');
    } finally {
      await dk(['rm', '-f', n]);
    }
  });

  test('health probes record their output every time (many quick probes)', T, async () => {
    const n = uniq('healthmany');
    ok(await dk(['run', '-d', '--name', n, '--health-cmd', 'echo probe-output; echo to-stderr >&2', '--health-interval', '200ms', '--health-timeout', '10s', t.image, 'sleep', '300']));
    try {
      const seen = new Map<string, { Output: string; ExitCode: number }>();
      await waitFor(async () => {
        const log = JSON.parse(ok(await dk(['inspect', '-f', '{{json .State.Health.Log}}', n])) || 'null') as { Start: string; Output: string; ExitCode: number }[] | null;
        for (const e of log ?? []) seen.set(e.Start, e);
        return seen.size >= 20;
      }, 'twenty probes', 60_000, 300);
      // stdout and stderr come through two pipes: their order is not kept (in dockerd either)
      for (const [start, e] of seen) assert.deepEqual([e.ExitCode, e.Output.split('\n').sort()], [0, ['', 'probe-output', 'to-stderr']], `the probe at ${start}`);
    } finally {
      await dk(['rm', '-f', n]);
    }
  });

  test('the list\'s Command is dockerd\'s, byte for byte: arguments holding a space in single quotes, nothing else escaped', T, async () => {
    const cases: [string[], string][] = [
      [['sh', '-c', 'exit 3'], "sh -c 'exit 3'"],
      [['echo', '', 'a\tb', "it's here", '"q"'], `echo  a\tb 'it's here' "q"`],
      [['true'], 'true'],
    ];
    for (const [cmd, want] of cases) {
      const id = ok(await dk(['create', t.image, ...cmd])).trim();
      try {
        const r = await curl(t.d.socket, 'GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ id: [id] }))}`);
        assert.equal(r.json?.[0]?.Command, want, r.body);
      } finally {
        await dk(['rm', id]);
      }
    }
  });
  test('the daemon\'s --init-path, and "init": true / "init-path" in daemon.json, as dockerd', { timeout: 300_000 }, async () => {
    const work = fs.mkdtempSync('/tmp/berth-initpath-');
    // an init that says who it is, then runs the command (the daemon runs `/sbin/docker-init -- CMD`)
    const myInit = path.join(work, 'my-init');
    fs.writeFileSync(myInit, '#!/bin/sh\necho custom-init\nshift\nexec "$@"\n', { mode: 0o755 });
    const cfg = path.join(work, 'daemon.json');
    fs.writeFileSync(cfg, JSON.stringify({ init: true, 'init-path': myInit }));
    // (a dockerd without its bridge deletes docker0, which the file's own dockerd uses: keep it)
    const start = (extraArgs: string[]) => (TARGET === 'dockerd' ? startDockerd({ extraArgs, bridge: true }) : startBerthd({ extraArgs }));
    const on = (env: DaemonEnv) => (args: string[]) => docker(env, args, { timeoutMs: 60_000 });
    try {
      // daemon.json: every container runs under that init unless it says --init=false
      const a = await start(['--config-file', cfg]);
      try {
        const da = on(a.env);
        ok(await da(['load', '-i', t.archive.file]));
        assert.equal(ok(await da(['run', '--rm', '--network', 'none', t.image, 'echo', 'hi'])), 'custom-init\nhi\n');
        assert.equal(ok(await da(['run', '--rm', '--network', 'none', '--init=false', t.image, 'echo', 'hi'])), 'hi\n');
        const c = ok(await da(['create', '--network', 'none', t.image])).trim();
        // the container's own setting stays unset: the daemon's applies when it starts
        assert.equal(ok(await da(['inspect', '-f', '{{json .HostConfig.Init}}', c])).trim(), 'null');
        assert.equal(ok(await da(['info', '-f', '{{.InitBinary}}'])).trim(), myInit);
      } finally {
        await a.stop();
      }
      // the flag: --init containers use that binary; others none
      const b = await start(['--init-path', myInit]);
      try {
        const db = on(b.env);
        ok(await db(['load', '-i', t.archive.file]));
        assert.equal(ok(await db(['run', '--rm', '--network', 'none', '--init', t.image, 'echo', 'hi'])), 'custom-init\nhi\n');
        assert.equal(ok(await db(['run', '--rm', '--network', 'none', t.image, 'echo', 'hi'])), 'hi\n');
      } finally {
        await b.stop();
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
