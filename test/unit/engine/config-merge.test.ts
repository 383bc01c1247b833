import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig, mergeEnv, commandOf } from '../../../src/engine/containers/config-merge.ts';

test('env from the container overrides the image by key', () => {
  assert.deepEqual(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
});

test('image Cmd is inherited when the user gives none', () => {
  const c = mergeConfig({ Image: 'x' }, { Cmd: ['sh'], Entrypoint: null, Env: ['PATH=/bin'] });
  assert.deepEqual(commandOf(c), ['sh']);
  assert.deepEqual(c.Env, ['PATH=/bin']);
});

test('a user entrypoint drops the image Cmd', () => {
  const c = mergeConfig({ Image: 'x', Entrypoint: ['/bin/echo'] }, { Cmd: ['sh'], Entrypoint: ['/init'] });
  assert.deepEqual(commandOf(c), ['/bin/echo']);
});

test('--entrypoint "" clears the image entrypoint', () => {
  const c = mergeConfig({ Image: 'x', Entrypoint: [''], Cmd: ['ls'] }, { Entrypoint: ['/init'], Cmd: ['sh'] });
  assert.deepEqual(commandOf(c), ['ls']);
});

test('user Cmd keeps the image entrypoint', () => {
  const c = mergeConfig({ Image: 'x', Cmd: ['-l'] }, { Entrypoint: ['ls'], Cmd: ['-a'] });
  assert.deepEqual(commandOf(c), ['ls', '-l']);
});

test('labels, workdir and user fall back to the image', () => {
  const c = mergeConfig({ Image: 'x', Labels: { a: '2' } }, { Labels: { a: '1', b: '1' }, WorkingDir: '/w', User: 'nobody' });
  assert.deepEqual(c.Labels, { a: '2', b: '1' });
  assert.equal(c.WorkingDir, '/w');
  assert.equal(c.User, 'nobody');
});
