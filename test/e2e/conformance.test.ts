// End-to-end: nothing accepted and ignored. Each flag's EFFECT is checked inside the container or on
// the host (not that inspect echoes it), and each refused value is refused at create with Docker's
// message, leaving no container behind. The same expectations hold against dockerd
// (BERTH_E2E_DAEMON=dockerd), which is what makes them Docker's behaviour.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, uniq, waitFor, curl } from '../helpers/util.ts';

const skip = e2eSkipReason();
const CGROUP_V2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

describe('conformance: flags take effect, bad values are refused', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const run = async (flags: string[], script: string) => ok(await dk(['run', '--rm', ...flags, t.image, 'sh', '-c', script]), `run ${flags.join(' ')}`).trim();

  describe('effects inside the container', () => {
    const cases: [string, string[], string, string | RegExp][] = [
      ['--hostname', ['--hostname', 'berthy'], 'hostname', 'berthy'],
      ['--domainname (kernel domainname)', ['--domainname', 'example.test'], 'cat /proc/sys/kernel/domainname', 'example.test'],
      ['--workdir is created', ['--workdir', '/a/b/c'], 'pwd', '/a/b/c'],
      ['--read-only', ['--read-only'], 'touch /x 2>&1; echo rc=$?', /Read-only file system[\s\S]*rc=1/],
      ['--oom-score-adj', ['--oom-score-adj', '123'], 'cat /proc/self/oom_score_adj', '123'],
      ['--sysctl', ['--sysctl', 'kernel.shm_rmid_forced=1'], 'cat /proc/sys/kernel/shm_rmid_forced', '1'],
      ['--group-add (ids and names from the image\'s /etc/group)', ['--group-add', '1234', '--group-add', 'nogroup'], 'id -G', '0 1234 65534'],
      ['--tmpfs with options', ['--tmpfs', '/t:size=1m,mode=0700'], "stat -c '%a' /t; df -k /t | tail -1 | awk '{print $2}'", '700\n1024'],
      ['--mount tmpfs-size and tmpfs-mode', ['--mount', 'type=tmpfs,dst=/t,tmpfs-size=2m,tmpfs-mode=0750'], "stat -c '%a' /t; df -k /t | tail -1 | awk '{print $2}'", '750\n2048'],
      ['--shm-size', ['--shm-size', '8m'], "df -k /dev/shm | tail -1 | awk '{print $2}'", '8192'],
      ['--init: PID 1 is docker-init', ['--init'], 'cat /proc/1/comm', 'docker-init'],
      ['no --init: PID 1 is the command', [], 'cat /proc/1/comm; true', 'sh'],
      ['--pid host sees the host\'s processes', ['--pid', 'host'], 'test -d /proc/1 && cat /proc/1/comm', new RegExp(`^${fs.readFileSync('/proc/1/comm', 'utf8').trim()}$`)],
      ['--uts host has the host\'s name', ['--uts', 'host'], 'hostname', os.hostname()],
      ['--ipc host shares the host\'s /dev/shm', ['--ipc', 'host'], "stat -c '%i' /dev/shm", String(fs.statSync('/dev/shm').ino)],
      ['--ipc none has no /dev/shm mount', ['--ipc', 'none'], "grep -c ' /dev/shm ' /proc/self/mountinfo || true", '0'],
      ['--env-file (read by the CLI)', ['--env-file', '/dev/null', '-e', 'X=1'], 'echo $X', '1'],
    ];
    if (CGROUP_V2) {
      cases.push(['--cgroupns private: the container\'s cgroup is its root', ['--cgroupns', 'private'], 'cat /proc/self/cgroup', '0::/']);
      cases.push(['--cgroupns host: the full path', ['--cgroupns', 'host'], 'cat /proc/self/cgroup', /^0::\/.+/]);
    }
    for (const [name, flags, script, want] of cases) {
      test(name, T, async () => {
        const out = await run(flags, script);
        if (typeof want === 'string') assert.equal(out, want);
        else assert.match(out, want);
      });
    }
  });

  test('--pid container:X and --ipc container:X share the donor\'s processes and /dev/shm', T, async () => {
    const donor = uniq('donor');
    ok(await dk(['run', '-d', '--name', donor, '--ipc', 'shareable', t.image, 'sh', '-c', 'echo hi > /dev/shm/mark; exec sleep 300']));
    try {
      const out = await run(['--pid', `container:${donor}`, '--ipc', `container:${donor}`], 'ps -o comm | grep -c sleep; cat /dev/shm/mark');
      assert.equal(out, '1\nhi');
      // a donor that is not shareable is refused (at start in dockerd, which docker run reports the same)
      const priv = uniq('priv');
      ok(await dk(['run', '-d', '--name', priv, '--ipc', 'private', t.image, 'sleep', '300']));
      const r = await dk(['run', '--rm', '--ipc', `container:${priv}`, t.image, 'true']);
      fails(r, 125, /non-shareable IPC/);
      ok(await dk(['rm', '-f', priv]));
    } finally {
      await dk(['rm', '-f', donor]);
    }
  });

  test('docker kill -s signals PID 1 only, as dockerd', T, async () => {
    const n = uniq('kill');
    ok(await dk(['run', '-d', '--name', n, t.image, 'sh', '-c', 'trap "echo parent-got-hup" HUP; sh -c \'trap "echo child-got-hup; touch /tmp/child" HUP; while :; do sleep 0.1; done\' & while :; do sleep 0.1; done']));
    await waitFor(async () => (await dk(['top', n])).stdout.split('\n').filter((l) => l.includes('sh -c')).length >= 2, 'both shells');
    ok(await dk(['kill', '-s', 'HUP', n]));
    await waitFor(async () => ok(await dk(['logs', n])).includes('parent-got-hup'), 'the parent gets the signal');
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(ok(await dk(['logs', n])), /child-got-hup/);
    ok(await dk(['rm', '-f', n]));
  });

  test('--add-host name:host-gateway is the default bridge\'s gateway; --domainname is in /etc/hosts', T, async () => {
    const out = await run(['--add-host', 'gw.test:host-gateway', '--hostname', 'h', '--domainname', 'example.test'], "ip route | awk '/^default/ {print $3}'; awk '/gw.test/ {print $1}' /etc/hosts; grep -c 'h.example.test h$' /etc/hosts");
    const [route, gw, domainLine] = out.split('\n');
    assert.ok(route, 'a default route');
    assert.equal(gw, route);
    assert.equal(domainLine, '1');
  });

  test('--device-cgroup-rule lets the container use a device node it makes', T, async () => {
    // /dev/vcs (7:0) is not among Docker's default devices: opening a node of it needs the rule
    const script = 'mknod /tmp/n c 7 0 && (exec 3</tmp/n); echo rc=$?';
    assert.match(await run([], `(${script}) 2>&1`), /Operation not permitted[\s\S]*rc=1/);
    assert.equal(await run(['--device-cgroup-rule', 'c 7:0 r'], script), 'rc=0');
  });

  test('--device-read-bps reaches the blkio cgroup', { ...T, skip: fs.existsSync('/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device') ? false : 'no cgroup v1 blkio throttling here' }, async () => {
    const dev = ['/dev/vda', '/dev/sda', '/dev/nvme0n1', '/dev/xvda'].find((d) => fs.existsSync(d))!;
    const st = fs.statSync(dev);
    const out = await run(['--device-read-bps', `${dev}:1mb`], 'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device');
    assert.equal(out, `${Math.floor(st.rdev / 256) & 0xfff}:${st.rdev & 0xff} 1048576`);
  });

  test('--cgroup-parent places the container under it', { ...T, skip: CGROUP_V2 ? 'checked on cgroup v1 here' : false }, async () => {
    const parent = uniq('parent');
    const out = await run(['--cgroup-parent', `/${parent}`], "grep memory /proc/self/cgroup | cut -d: -f3");
    assert.match(out, new RegExp(`^/${parent}/[0-9a-f]{64}$`));
    // the parent cgroups this test made (the daemons leave them, as cgroupfs parents are the user's)
    for (const ctl of fs.readdirSync('/sys/fs/cgroup')) {
      try {
        fs.rmdirSync(`/sys/fs/cgroup/${ctl}/${parent}`);
      } catch {}
    }
  });

  test('--mount options: readonly, volume-nocopy, bind-propagation=rslave', T, async () => {
    assert.match(await run(['--mount', 'type=tmpfs,dst=/t', '--mount', `type=bind,src=/tmp,dst=/ro,readonly`], 'touch /ro/x 2>&1; echo rc=$?'), /Read-only file system[\s\S]*rc=1/);
    // a new volume is filled from the image's content at its target, unless volume-nocopy
    assert.equal(await run(['--mount', 'type=volume,dst=/etc'], 'test -e /etc/passwd; echo $?'), '0');
    assert.equal(await run(['--mount', 'type=volume,dst=/etc,volume-nocopy'], 'test -e /etc/passwd; echo $?'), '1');
    // rslave: a mount made on the host under the source after start appears in the container
    const src = fs.mkdtempSync('/tmp/berth-prop-');
    fs.mkdirSync(`${src}/sub`);
    const n = uniq('prop');
    const { spawnSync } = await import('node:child_process');
    try {
      // dockerd wants the source on a shared (or slave) mount for rslave: not so, refused at start
      const r = await dk(['run', '-d', '--name', n, '--mount', `type=bind,src=${src},dst=/p,bind-propagation=rslave`, t.image, 'sleep', '300']);
      fails(r, 125, new RegExp(`path ${src} is mounted on \\S+ but it is not a shared or slave mount`));
      await dk(['rm', '-f', n]);
      assert.equal(spawnSync('mount', ['--bind', src, src]).status, 0);
      assert.equal(spawnSync('mount', ['--make-shared', src]).status, 0);
      ok(await dk(['run', '-d', '--name', n, '--mount', `type=bind,src=${src},dst=/p,bind-propagation=rslave`, t.image, 'sleep', '300']));
      assert.equal(ok(await dk(['inspect', '-f', '{{(index .Mounts 0).Propagation}}', n])).trim(), 'rslave');
      assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', `${src}/sub`]).status, 0);
      fs.writeFileSync(`${src}/sub/marker`, 'seen\n');
      assert.equal(ok(await dk(['exec', n, 'cat', '/p/sub/marker'])).trim(), 'seen');
    } finally {
      await dk(['rm', '-f', n]);
      spawnSync('umount', [`${src}/sub`]);
      spawnSync('umount', [src]);
      fs.rmSync(src, { recursive: true, force: true });
    }
  });

  test('docker ps shows the command as dockerd: arguments with spaces in single quotes', T, async () => {
    const n = uniq('cmd');
    ok(await dk(['create', '--name', n, t.image, 'sh', '-c', 'exit 3']));
    assert.equal(ok(await dk(['ps', '-a', '--no-trunc', '--filter', `name=${n}`, '--format', '{{.Command}}'])).trim(), `"sh -c 'exit 3'"`);
    ok(await dk(['rm', n]));
  });

  test('local volume options: a bind of a host path and a tmpfs, as compose driver_opts use them', T, async () => {
    const host = fs.mkdtempSync('/tmp/berth-volopt-');
    fs.writeFileSync(`${host}/keep`, 'kept\n');
    const bindVol = uniq('vbind');
    const tmpVol = uniq('vtmp');
    try {
      ok(await dk(['volume', 'create', '--driver', 'local', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${host}`, bindVol]));
      assert.equal(await run(['-v', `${bindVol}:/v`], 'cat /v/keep; echo new > /v/made'), 'kept');
      assert.equal(fs.readFileSync(`${host}/made`, 'utf8'), 'new\n');
      ok(await dk(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=2m,mode=0750', tmpVol]));
      assert.equal(await run(['-v', `${tmpVol}:/v`], "stat -c '%a' /v; df -k /v | tail -1 | awk '{print $2}'"), '750\n2048');
      const inspect = JSON.parse(ok(await dk(['volume', 'inspect', tmpVol])))[0];
      assert.deepEqual(inspect.Options, { device: 'tmpfs', o: 'size=2m,mode=0750', type: 'tmpfs' });
      // the same through --mount's volume-opt, for a volume made on the spot
      const viaMount = uniq('vmount');
      assert.equal(await run(['--mount', `type=volume,src=${viaMount},dst=/v,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m`], "df -k /v | tail -1 | awk '{print $2}'"), '1024');
      ok(await dk(['volume', 'rm', viaMount]));
      ok(await dk(['volume', 'rm', bindVol, tmpVol]));
      // removing the volume unmounts it: the host directory keeps its files
      assert.deepEqual(fs.readdirSync(host).sort(), ['keep', 'made']);
    } finally {
      await dk(['volume', 'rm', '-f', bindVol, tmpVol]);
      fs.rmSync(host, { recursive: true, force: true });
    }
  });

  test('local volume options are checked as dockerd checks them', T, async () => {
    fails(await dk(['volume', 'create', '--opt', 'bogus=1', uniq('v')]), 1, /invalid option: "bogus"/);
    fails(await dk(['volume', 'create', '--opt', 'type=tmpfs', uniq('v')]), 1, /missing required option: "device"/);
    fails(await dk(['volume', 'create', '--opt', 'size=1g', uniq('v')]), 1, /quota size requested but no quota support/);
  });

  test('health probes record their whole output and are reported as exec events', T, async () => {
    const n = uniq('health');
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await dk(['run', '-d', '--name', n, '--health-cmd', 'echo probe-output', '--health-interval', '1s', '--health-retries', '1', t.image, 'sleep', '300']));
    await waitFor(async () => (await dk(['inspect', '-f', '{{len .State.Health.Log}}', n])).stdout.trim() >= '3', 'three probes', 20_000);
    const log = JSON.parse(ok(await dk(['inspect', '-f', '{{json .State.Health.Log}}', n]))) as { Output: string; ExitCode: number }[];
    for (const e of log) assert.deepEqual([e.ExitCode, e.Output], [0, 'probe-output\n']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = ok(await dk(['events', '--since', String(since), '--until', String(until), '--filter', `container=${n}`, '--format', '{{.Action}}']));
    for (const a of ['exec_create: /bin/sh -c echo probe-output', 'exec_start: /bin/sh -c echo probe-output', 'exec_die']) assert.ok(events.split('\n').includes(a), `no "${a}" event in:\n${events}`);
    ok(await dk(['rm', '-f', n]));
  });

  test('docker plugin ls lists no plugins', T, async () => {
    assert.equal(ok(await dk(['plugin', 'ls', '-q'])).trim(), '');
  });

  test('docker stop uses StopSignal and --stop-timeout', T, async () => {
    const n = uniq('stopsig');
    ok(await dk(['run', '-d', '--name', n, '--stop-signal', 'USR1', '--stop-timeout', '30', t.image, 'sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.1; done']));
    await waitFor(async () => (await dk(['inspect', '-f', '{{.State.Running}}', n])).stdout.trim() === 'true', 'running');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    ok(await dk(['stop', n]));
    assert.ok(Date.now() - t0 < 10_000, 'stop waited for the timeout instead of the signal');
    assert.equal(ok(await dk(['inspect', '-f', '{{.State.ExitCode}}', n])).trim(), '7');
    ok(await dk(['rm', n]));
    // a process that ignores the signal is killed after --stop-timeout, not the default 10 s
    ok(await dk(['run', '-d', '--name', n, '--stop-timeout', '1', t.image, 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']));
    const t1 = Date.now();
    ok(await dk(['stop', n]));
    const took = Date.now() - t1;
    assert.ok(took >= 900 && took < 6000, `stop took ${took} ms`);
    ok(await dk(['rm', n]));
  });

  test('--init forwards signals: docker stop of a shell that ignores nothing exits at once', T, async () => {
    const n = uniq('init');
    ok(await dk(['run', '-d', '--init', '--name', n, t.image, 'sleep', '300']));
    const t0 = Date.now();
    ok(await dk(['stop', n]));
    assert.ok(Date.now() - t0 < 5000, 'docker-init did not forward SIGTERM');
    ok(await dk(['rm', n]));
  });

  test('--log-driver none runs, and docker logs says the driver cannot be read', T, async () => {
    const n = uniq('nolog');
    ok(await dk(['run', '--name', n, '--log-driver', 'none', t.image, 'echo', 'hello']));
    const r = await dk(['logs', n]);
    fails(r, 1, /configured logging driver does not support reading/);
    ok(await dk(['rm', n]));
  });

  test('--log-opt labels/env/tag show in docker logs --details', T, async () => {
    const n = uniq('details');
    ok(await dk(['run', '--name', n, '-l', 'a=1', '-l', 'b=no', '-e', 'E=two words', '--log-opt', 'labels=a', '--log-opt', 'env=E', '--log-opt', 'tag=x-{{.Name}}', t.image, 'echo', 'hi']));
    assert.equal(ok(await dk(['logs', '--details', n])), `E=two+words,a=1,tag=x-${n} hi\n`);
    ok(await dk(['rm', n]));
  });

  test('--log-opt max-size/max-file bound the log on disk; docker logs still works', { timeout: 300_000 }, async () => {
    const n = uniq('rotate');
    // 30 MB of output, in 100-byte lines
    ok(await dk(['run', '--name', n, '--log-opt', 'max-size=1m', '--log-opt', 'max-file=3', t.image, 'sh', '-c', 'i=0; while [ $i -lt 300 ]; do yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456 | head -n 1000; i=$((i+1)); done; echo last-line']), 'run');
    const logPath = ok(await dk(['inspect', '-f', '{{.LogPath}}', n])).trim();
    const dir = logPath.slice(0, logPath.lastIndexOf('/'));
    const onDisk = fs.readdirSync(dir).filter((f) => f.includes('.log') || f.includes('log.')).reduce((s, f) => s + fs.statSync(`${dir}/${f}`).size, 0);
    assert.ok(onDisk <= 3 * 1024 * 1024 + 64 * 1024, `logs take ${onDisk} bytes on disk`);
    const tail = ok(await dk(['logs', '--tail', '1', n])).trim();
    assert.equal(tail, 'last-line');
    ok(await dk(['rm', n]));
  });

  test('answers follow the API version asked for: image inspect has Container and ContainerConfig before 1.45', T, async () => {
    const old = await curl(t.d.socket, 'GET', `/v1.41/images/${t.image}/json`);
    assert.equal(old.status, 200);
    const v141 = JSON.parse(old.body);
    assert.ok('Container' in v141 && 'ContainerConfig' in v141, 'API 1.41 has Container and ContainerConfig');
    assert.equal(v141.VirtualSize, v141.Size);
    const cur = await curl(t.d.socket, 'GET', `/v1.50/images/${t.image}/json`);
    if (REAL_DOCKER) {
      // dockerd 20.10 speaks API 1.41 at most; current Docker answers 1.50 without the two fields
      assert.equal(cur.status, 400);
      assert.match(cur.body, /client version 1.50 is too new/);
    } else {
      const v150 = JSON.parse(cur.body);
      assert.ok(!('Container' in v150) && !('ContainerConfig' in v150) && !('VirtualSize' in v150), 'API 1.50 has neither');
    }
  });

  test('a mistyped create body gets Go\'s decoder error (400)', T, async () => {
    const r = await curl(t.d.socket, 'POST', '/v1.41/containers/create', JSON.stringify({ Image: t.image, HostConfig: { Memory: '1g' } }));
    // dockerd 20.10 answers 500 for a body it cannot decode; current Docker answers 400 (invalid parameter)
    assert.equal(r.status, REAL_DOCKER ? 500 : 400);
    assert.match(r.json.message, /cannot unmarshal string into Go struct field \S*Memory of type int64/);
  });

  describe('refused at create with Docker\'s message, nothing left behind', () => {
    const refused: [string, string[], RegExp][] = [
      ['a bad --stop-signal', ['--stop-signal', 'SIGBOGUS'], /invalid signal: SIGBOGUS/i],
      ['an unknown --security-opt', ['--security-opt', 'bogus=1'], /invalid --security-opt 2: "bogus=1"/],
      ['an unknown --log-opt', ['--log-opt', 'bogus=1'], /unknown log opt 'bogus' for json-file log driver/],
      ['an unknown --log-opt for local', ['--log-driver', 'local', '--log-opt', 'bogus=1'], /unknown log opt 'bogus' for log driver local/],
      ['a bad --pid', ['--pid', 'bogus'], /invalid PID mode: bogus|--pid: invalid PID mode/],
      ['an --oom-score-adj out of range', ['--oom-score-adj', '1001'], /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/],
      ['--gpus without a GPU driver', ['--gpus', 'all'], /could not select device driver "" with capabilities: \[\[gpu\]\]/],
      ['--storage-opt size on a filesystem without quotas', ['--storage-opt', 'size=1G'], /--storage-opt is supported only for overlay over xfs with 'pquota' mount option/],
      ['an --add-host with a bad address', ['--add-host', 'h:not-an-ip'], /invalid IP address in add-host: "not-an-ip"|invalid argument "h:not-an-ip" for "--add-host" flag/],
    ];
    for (const [name, flags, re] of refused) {
      test(name, T, async () => {
        const n = uniq('refused');
        const r = await dk(['run', '--rm', '--name', n, ...flags, t.image, 'true']);
        fails(r, 125, re);
        // dockerd refuses some of these only at start (after create): current Docker's API checks them
        // at create; what matters to the user is the message and that nothing runs
        if (!REAL_DOCKER) assert.equal(ok(await dk(['ps', '-aq', '--filter', `name=${n}`])).trim(), '', 'a container record was left behind');
        else await dk(['rm', '-f', n]);
      });
    }
  });
});
