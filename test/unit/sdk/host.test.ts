import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHost, hostFromEnv, DEFAULT_HOST } from '../../../src/sdk/host.ts';
import { encodeQuery, compareVersions } from '../../../src/sdk/transport.ts';
import { encodeFilters } from '../../../src/sdk/client.ts';
import { errorMessageFromBody } from '../../../src/sdk/errors.ts';

test('parseHost understands unix://, tcp:// and bare paths', () => {
  assert.deepEqual(parseHost('unix:///run/berth/berth.sock'), { kind: 'unix', socketPath: '/run/berth/berth.sock', url: 'unix:///run/berth/berth.sock' });
  assert.deepEqual(parseHost('/tmp/x.sock'), { kind: 'unix', socketPath: '/tmp/x.sock', url: 'unix:///tmp/x.sock' });
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375'), { kind: 'tcp', hostname: '127.0.0.1', port: 2375, url: 'tcp://127.0.0.1:2375' });
  assert.deepEqual(parseHost('tcp://[::1]:2376'), { kind: 'tcp', hostname: '::1', port: 2376, url: 'tcp://[::1]:2376' });
  assert.equal((parseHost('tcp://localhost') as { port: number }).port, 2375);
  assert.throws(() => parseHost('ssh://x'), /protocol not supported/);
  assert.throws(() => parseHost('nonsense'), /invalid format/);
});

test('BERTH_HOST wins over DOCKER_HOST, and the default socket is last', () => {
  assert.deepEqual(hostFromEnv({ BERTH_HOST: 'unix:///a', DOCKER_HOST: 'unix:///b' }), { host: 'unix:///a', fromDefault: false });
  assert.deepEqual(hostFromEnv({ DOCKER_HOST: 'unix:///b' }), { host: 'unix:///b', fromDefault: false });
  assert.deepEqual(hostFromEnv({}), { host: DEFAULT_HOST, fromDefault: true });
});

test('query encoding: booleans as 1/0, lists repeated, objects as JSON, undefined dropped', () => {
  assert.equal(encodeQuery({ all: true, force: false, x: undefined, names: ['a', 'b'], filters: { label: { 'a=b': true } } }), '?all=1&force=0&names=a&names=b&filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%7D');
  assert.equal(encodeQuery({}), '');
});

test('filters go in the map form', () => {
  assert.deepEqual(encodeFilters({ status: ['running', 'paused'], label: [] }), { status: { running: true, paused: true } });
  assert.equal(encodeFilters({}), undefined);
});

test('version comparison and error bodies', () => {
  assert.equal(compareVersions('1.41', '1.50'), -1);
  assert.equal(compareVersions('1.50', '1.50'), 0);
  assert.equal(compareVersions('1.9', '1.10'), -1);
  assert.equal(errorMessageFromBody('{"message":"No such container: x"}', 404), 'No such container: x');
  assert.equal(errorMessageFromBody('plain text\n', 500), 'plain text');
  assert.equal(errorMessageFromBody('', 404), 'page not found');
});
