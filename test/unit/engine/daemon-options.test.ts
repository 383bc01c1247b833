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
