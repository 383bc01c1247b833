import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../../src/cli/flags.ts';
import { RUN_FLAGS, buildContainerConfig, parsePortSpecs, parseMount, parseRestartPolicy } from '../../../src/cli/container-opts.ts';
import { parseDetachKeys, DetachScanner } from '../../../src/cli/streams.ts';
import { runErrorCode, withDefaultTag } from '../../../src/cli/commands/run.ts';

const build = (argv: string[], detach = false) => buildContainerConfig(parseFlags(argv, RUN_FLAGS, { interspersed: false }), { detach });

test('run -it: attach all three, stdin once', () => {
  const { body } = build(['-it', '--name', 'x', 'busybox', 'sh']);
  assert.equal(body.Image, 'busybox');
  assert.deepEqual(body.Cmd, ['sh']);
  assert.deepEqual([body.AttachStdin, body.AttachStdout, body.AttachStderr, body.OpenStdin, body.StdinOnce, body.Tty], [true, true, true, true, true, true]);
  assert.equal(body.HostConfig?.NetworkMode, 'default');
});

test('run -d: nothing attached', () => {
  const { body } = build(['-d', '-i', 'busybox'], true);
  assert.deepEqual([body.AttachStdin, body.AttachStdout, body.AttachStderr, body.StdinOnce], [false, false, false, false]);
  assert.equal(body.Cmd, undefined);
});

test('env, labels, ports, volumes, restart, resources', () => {
  process.env.BERTH_TEST_VAR = 'from-env';
  const o = build(['-e', 'A=1', '-e', 'BERTH_TEST_VAR', '-e', 'UNSET_VAR_X', '-l', 'k=v', '-p', '127.0.0.1:8080:80/udp', '-p', '9000-9001:9000-9001', '--expose', '7000', '-v', '/host:/ctr:ro', '-v', '/anon', '--restart', 'on-failure:3', '-m', '64m', '--cpus', '1.5', '--tmpfs', '/run:size=1m', '--entrypoint', '', '--rm=false', '--init', 'busybox']);
  const b = o.body;
  assert.deepEqual(b.Env, ['A=1', 'BERTH_TEST_VAR=from-env', 'UNSET_VAR_X']);
  assert.deepEqual(b.Labels, { k: 'v' });
  assert.deepEqual(b.HostConfig?.PortBindings, {
    '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    '9000/tcp': [{ HostIp: '', HostPort: '9000' }],
    '9001/tcp': [{ HostIp: '', HostPort: '9001' }],
  });
  assert.deepEqual(Object.keys(b.ExposedPorts ?? {}).sort(), ['7000/tcp', '80/udp', '9000/tcp', '9001/tcp']);
  assert.deepEqual(b.HostConfig?.Binds, ['/host:/ctr:ro']);
  assert.deepEqual(b.Volumes, { '/anon': {} });
  assert.deepEqual(b.HostConfig?.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(b.HostConfig?.Memory, 64 * 1024 * 1024);
  assert.equal(b.HostConfig?.NanoCpus, 1.5e9);
  assert.deepEqual(b.HostConfig?.Tmpfs, { '/run': 'size=1m' });
  assert.deepEqual(b.Entrypoint, ['']);
  assert.equal(b.HostConfig?.Init, true);
});

test('docker validations', () => {
  assert.throws(() => build(['--rm', '--restart', 'always', 'busybox']), /conflicting options: cannot specify both --restart and --rm/);
  assert.throws(() => build(['--restart', 'sometimes', 'busybox']), /invalid restart policy format/);
  assert.throws(() => build(['--memory-swappiness', '200', 'busybox']), /Valid memory swappiness range is 0-100/);
  assert.throws(() => build(['--no-healthcheck', '--health-cmd', 'true', 'busybox']), /conflicts with --health-\* options/);
  assert.throws(() => build(['-p', '8080:80/xyz', 'busybox']), /invalid proto: xyz/);
  assert.throws(() => build(['-v', 'relative', 'busybox']), /invalid volume specification/);
});

test('port specs, mounts and restart policies', () => {
  assert.deepEqual(parsePortSpecs(['80']).bindings, { '80/tcp': [{ HostIp: '', HostPort: '' }] });
  assert.deepEqual(parsePortSpecs(['[::1]:80:8080']).bindings, { '8080/tcp': [{ HostIp: '::1', HostPort: '80' }] });
  assert.deepEqual(parsePortSpecs(['8000-8010:80']).bindings, { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] });
  assert.deepEqual(parseMount('type=bind,source=/a,target=/b,readonly'), { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: true });
  assert.deepEqual(parseMount('type=tmpfs,dst=/t,tmpfs-size=1m'), { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } });
  assert.throws(() => parseMount('type=volume'), /target is required/);
  assert.deepEqual(parseRestartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
});

test('detach keys and the escape scanner', () => {
  assert.deepEqual([...parseDetachKeys(undefined)], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-x,a')], [24, 97]);
  assert.throws(() => parseDetachKeys('ctrl-1'), /invalid detach keys \(ctrl-1\): Unknown character: 'ctrl-1'/);
  const s = new DetachScanner(parseDetachKeys(undefined));
  assert.deepEqual(s.feed(Buffer.from([104, 16])), { pass: Buffer.from([104]), detach: false });
  assert.deepEqual(s.feed(Buffer.from([105])), { pass: Buffer.from([16, 105]), detach: false });
  assert.deepEqual(s.feed(Buffer.from([16, 17, 120])), { pass: Buffer.alloc(0), detach: true });
});

test("run's exit codes for start failures, and default tags", () => {
  assert.equal(runErrorCode('exec: "x": executable file not found in $PATH'), 127);
  assert.equal(runErrorCode('open /x: no such file or directory'), 127);
  assert.equal(runErrorCode('exec /etc: permission denied'), 126);
  assert.equal(runErrorCode('No such image: x'), 125);
  assert.equal(withDefaultTag('busybox'), 'busybox:latest');
  assert.equal(withDefaultTag('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(withDefaultTag('app:1.0'), 'app:1.0');
  assert.equal(withDefaultTag('app@sha256:abc'), 'app@sha256:abc');
});

test('.dockerignore matching', async () => {
  const { dockerignore } = await import('../../../src/cli/commands/build.ts');
  const ex = dockerignore(['# comment', '*.log', '**/tmp', 'secret/', '!keep.log', 'docs/*.md']);
  assert.equal(ex('a.log'), true);
  assert.equal(ex('keep.log'), false);
  assert.equal(ex('sub/a.log'), false);
  assert.equal(ex('x/y/tmp'), true);
  assert.equal(ex('tmp/file'), true);
  assert.equal(ex('secret/key'), true);
  assert.equal(ex('docs/a.md'), true);
  assert.equal(ex('docs/sub/a.md'), false);
  assert.equal(ex('main.go'), false);
});
