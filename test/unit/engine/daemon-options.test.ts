// berthd's flags and daemon.json, merged as dockerd merges them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDaemonOptions, OptionsError } from '../../../src/daemon-options.ts';

const noFile = (p: string): string => {
  throw Object.assign(new Error(`open ${p}: no such file or directory`), { code: 'ENOENT' });
};

test('flags alone; the default config file may be absent', () => {
  const o = parseDaemonOptions(['-H', 'unix:///tmp/x.sock', '--add-runtime', 'fast=/usr/bin/crun', '--default-runtime', 'fast', '--userns-remap', 'default'], noFile);
  assert.equal(o.socketPath, '/tmp/x.sock');
  assert.deepEqual(o.runtimes, [{ name: 'fast', path: '/usr/bin/crun', args: [] }]);
  assert.equal(o.defaultRuntime, 'fast');
  assert.equal(o.usernsRemap, 'default');
});

test('daemon.json runtimes and settings', () => {
  const file = JSON.stringify({ runtimes: { gvisor: { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace'] } }, 'default-runtime': 'runc', 'data-root': '/srv/berth', 'insecure-registries': ['reg:5000'] });
  const o = parseDaemonOptions(['--config-file', '/etc/x.json'], () => file);
  assert.deepEqual(o.runtimes, [{ name: 'gvisor', path: '/usr/bin/runsc', args: ['--platform=ptrace'] }]);
  assert.equal(o.dataRoot, '/srv/berth');
  assert.deepEqual(o.insecureRegistries, ['reg:5000']);
});

test('dockerd\'s errors: a setting twice, unknown keys, a missing explicit file, bad runtimes', () => {
  const both = () => parseDaemonOptions(['--data-root', '/a', '--config-file', '/c.json'], () => '{"data-root": "/b"}');
  assert.throws(both, (e: Error) => e instanceof OptionsError && /specified both as a flag and in the configuration file: data-root/.test(e.message));
  assert.throws(() => parseDaemonOptions(['--config-file', '/c.json'], () => '{"nope": 1}'), /don't match any configuration option: nope/);
  assert.throws(() => parseDaemonOptions(['--config-file', '/missing.json'], noFile), /unable to configure the Berth daemon with file \/missing.json/);
  assert.throws(() => parseDaemonOptions(['--add-runtime', 'runc=/x'], noFile), /runtime name 'runc' is reserved/);
  assert.throws(() => parseDaemonOptions(['--add-runtime', 'bad'], noFile), /invalid runtime argument: bad/);
  assert.throws(() => parseDaemonOptions(['--nope'], noFile), (e: Error) => e instanceof OptionsError && e.exitCode === 125);
});

test('hosts as dockerd: several -H, unix and tcp, normalized, sorted, deduplicated; daemon.json hosts', () => {
  const o = parseDaemonOptions(['-H', 'unix:///tmp/a.sock', '-H', 'tcp://127.0.0.1:2376', '-H', '127.0.0.1:2376', '-H', 'tcp://:9999', '--tlsverify'], noFile, {});
  assert.deepEqual(o.hosts, ['tcp://127.0.0.1:2376', 'tcp://localhost:9999', 'unix:///tmp/a.sock']);
  assert.equal(o.socketPath, '/tmp/a.sock');
  const f = parseDaemonOptions(['--config-file', '/c.json'], () => '{"hosts": ["unix:///tmp/b.sock", "tcp://0.0.0.0"], "tls": false}', {});
  assert.deepEqual(f.hosts, ['tcp://0.0.0.0:2375', 'unix:///tmp/b.sock']);
  assert.equal(f.tls, undefined);
  assert.equal(f.tlsChosen, true);
  assert.throws(() => parseDaemonOptions(['-H', 'udp://x'], noFile, {}), (e: Error) => e instanceof OptionsError && e.exitCode === 125 && /invalid argument "udp:\/\/x" for "-H, --host" flag: invalid bind address \(udp:\/\/x\): unsupported proto 'udp'/.test(e.message));
  assert.throws(() => parseDaemonOptions(['-H', 'tcp://1.2.3.4:2375/path'], noFile, {}), /should not contain a path element/);
  assert.throws(() => parseDaemonOptions(['-H', 'fd://'], noFile, {}), /not supported/);
  assert.throws(() => parseDaemonOptions(['-H', 'tcp://127.0.0.1:1', '--config-file', '/c.json'], () => '{"hosts": ["tcp://127.0.0.1:2"]}', {}), /specified both as a flag and in the configuration file: hosts/);
});

test("TLS as dockerd: --tlsverify turns TLS on, --tls alone verifies too, --tlsverify=false does not; files from DOCKER_CERT_PATH", () => {
  const env = { DOCKER_CERT_PATH: '/certs' };
  const v = parseDaemonOptions(['--tlsverify', '-H', 'tcp://0.0.0.0:2376'], noFile, env);
  assert.deepEqual(v.tls, { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true });
  assert.equal(parseDaemonOptions(['--tls'], noFile, env).tls?.verify, true);
  const noVerify = parseDaemonOptions(['--tls', '--tlsverify=false', '--tlscert', '/s.pem', '--tlskey', '/k.pem'], noFile, env);
  assert.deepEqual(noVerify.tls, { ca: '/certs/ca.pem', cert: '/s.pem', key: '/k.pem', verify: false });
  // TLS with no host: dockerd's default TLS port on localhost
  assert.deepEqual(noVerify.hosts, ['tcp://localhost:2376']);
  const off = parseDaemonOptions(['--tls=false', '-H', 'tcp://0.0.0.0:2375'], noFile, env);
  assert.equal(off.tls, undefined);
  assert.equal(off.tlsChosen, true);
  assert.equal(parseDaemonOptions([], noFile, env).tlsChosen, false);
  assert.deepEqual(parseDaemonOptions([], noFile, env).hosts, ['unix:///run/berth/berth.sock']);
  const file = parseDaemonOptions(['--config-file', '/c.json'], () => '{"tlsverify": true, "tlscacert": "/f/ca", "tlscert": "/f/c", "tlskey": "/f/k", "group": "wheel"}', env);
  assert.deepEqual(file.tls, { ca: '/f/ca', cert: '/f/c', key: '/f/k', verify: true });
  assert.equal(file.socketGroup, 'wheel');
  assert.equal(parseDaemonOptions(['-G', 'staff'], noFile, env).socketGroup, 'staff');
  assert.throws(() => parseDaemonOptions(['--tls=maybe'], noFile, env), /invalid argument "maybe" for "--tls" flag/);
  assert.throws(() => parseDaemonOptions(['--tlsverify', '--config-file', '/c.json'], () => '{"tlsverify": false}', env), /both as a flag and in the configuration file: tlsverify/);
});

test('--init and --init-path, "init" and "init-path" in daemon.json', () => {
  assert.deepEqual([parseDaemonOptions([], noFile).init, parseDaemonOptions([], noFile).initPath], [undefined, undefined]);
  const f = parseDaemonOptions(['--init', '--init-path', '/opt/tini'], noFile);
  assert.deepEqual([f.init, f.initPath], [true, '/opt/tini']);
  assert.equal(parseDaemonOptions(['--init=false'], noFile).init, false);
  const j = parseDaemonOptions(['--config-file', '/c.json'], () => '{"init": true, "init-path": "/opt/tini"}');
  assert.deepEqual([j.init, j.initPath], [true, '/opt/tini']);
  assert.throws(() => parseDaemonOptions(['--init', '--config-file', '/c.json'], () => '{"init": false}'), /specified both as a flag and in the configuration file: init: \(from flag: true, from file: false\)/);
  assert.throws(() => parseDaemonOptions(['--config-file', '/c.json'], () => '{"init": "yes"}'), /cannot unmarshal string into Go struct field Config.init of type bool/);
});

test('--ipv6 and --fixed-cidr-v6, as flags or in daemon.json, for the default bridge', () => {
  const o = parseDaemonOptions(['--ipv6', '--fixed-cidr-v6', 'FD00:DB8:FF::7/64'], noFile);
  assert.equal(o.ipv6, true);
  assert.equal(o.fixedCidrV6, 'fd00:db8:ff::/64');
  const f = parseDaemonOptions(['--config-file', '/etc/x.json'], () => JSON.stringify({ ipv6: true, 'fixed-cidr-v6': 'fd00:db8:fe::/64' }));
  assert.equal(f.fixedCidrV6, 'fd00:db8:fe::/64');
  assert.equal(parseDaemonOptions(['--ipv6=false'], noFile).ipv6, undefined);
  assert.throws(() => parseDaemonOptions(['--ipv6', '--fixed-cidr-v6', 'fd00:zz::/64'], noFile), /invalid CIDR address: fd00:zz::\/64/);
  // --ipv6 alone: the default bridge's pool comes from the default IPv6 pool (the network service)
  assert.deepEqual([parseDaemonOptions(['--ipv6'], noFile).ipv6, parseDaemonOptions(['--ipv6'], noFile).fixedCidrV6], [true, undefined]);
  assert.throws(() => parseDaemonOptions(['--fixed-cidr-v6', 'fd00:db8:fe::/64'], noFile), /only used with --ipv6/);
  assert.throws(() => parseDaemonOptions(['--ipv6', '--config-file', '/x.json'], () => '{"ipv6": true, "fixed-cidr-v6": "fd00:db8:fe::/64"}'), (e: unknown) => e instanceof OptionsError && /specified both as a flag and in the configuration file: ipv6/.test(e.message));
});

test('--cri-stream-idle-timeout / "cri-stream-idle-timeout": a Go duration, 0 for never; containerd\'s words for a bad one', () => {
  assert.equal(parseDaemonOptions([], noFile).criStreamIdleTimeoutMs, undefined);
  assert.equal(parseDaemonOptions(['--cri-stream-idle-timeout', '1h30m'], noFile).criStreamIdleTimeoutMs, 5_400_000);
  assert.equal(parseDaemonOptions(['--cri-stream-idle-timeout', '0'], noFile).criStreamIdleTimeoutMs, 0);
  assert.equal(parseDaemonOptions(['--config-file', '/c.json'], () => '{"cri-stream-idle-timeout": "250ms"}').criStreamIdleTimeoutMs, 250);
  assert.throws(() => parseDaemonOptions(['--cri-stream-idle-timeout', '4'], noFile), { message: 'berthd: --cri-stream-idle-timeout: invalid stream idle timeout: time: missing unit in duration "4"' });
  assert.throws(() => parseDaemonOptions(['--cri-stream-idle-timeout', 'soon'], noFile), { message: 'berthd: --cri-stream-idle-timeout: invalid stream idle timeout: time: invalid duration "soon"' });
  assert.throws(() => parseDaemonOptions(['--cri-stream-idle-timeout=-1s'], noFile), /invalid stream idle timeout: negative/);
  assert.throws(() => parseDaemonOptions(['--config-file', '/c.json'], () => '{"cri-stream-idle-timeout": 5}'), /invalid stream idle timeout: time: invalid duration 5/);
});
