import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSettings, initialLogPath } from '../../../../src/engine/containers/log-files.ts';
import { rotationOf } from '../../../../src/runtime/log-args.ts';
import type { Ctx } from '../../../../src/engine/containers/context.ts';
import type { ContainerRecord } from '../../../../src/engine/containers/record.ts';

const id = 'a'.repeat(64);
const ctx = { dirs: { containers: '/data/containers' } } as unknown as Ctx;
const dir = `/data/containers/${id}`;
const record = (Type: string, Config: Record<string, string> = {}, LogPath = initialLogPath(dir, id, Type)) =>
  ({ Id: id, Name: '/n', LogPath, HostConfig: { LogConfig: { Type, Config } }, Config: { Labels: { a: '1' }, Env: [] }, Path: 'sh', Args: [], Image: 'sha256:' + 'b'.repeat(64) }) as unknown as ContainerRecord;

test('json-file: <id>-json.log converted from conmon.log, with the attrs the options ask for', () => {
  assert.deepEqual(logSettings(ctx, record('json-file', { labels: 'a' })), {
    driver: 'json-file', config: { labels: 'a' }, path: `${dir}/${id}-json.log`, buffer: `${dir}/conmon.log`, attrs: { a: '1' },
  });
});

test('local: a hidden file under local-logs; none: nothing; a CRI or older log path: conmon writes it itself', () => {
  assert.equal(initialLogPath(dir, id, 'local'), '');
  assert.deepEqual(logSettings(ctx, record('local')), { driver: 'local', config: {}, path: `${dir}/local-logs/container.log`, buffer: `${dir}/conmon.log` });
  assert.deepEqual(logSettings(ctx, record('none')), { driver: 'none', config: {}, path: '' });
  assert.deepEqual(logSettings(ctx, record('json-file', {}, '/var/log/pods/p/c/0.log')), { driver: 'k8s-file', config: {}, path: '/var/log/pods/p/c/0.log' });
  assert.equal(initialLogPath(dir, id, 'json-file', '/var/log/pods/p/c/0.log'), '/var/log/pods/p/c/0.log');
});

test('rotation: json-file never rotates without max-size; local has Docker\'s defaults', () => {
  assert.deepEqual(rotationOf({ driver: 'json-file', config: { 'max-file': '3' } }), { maxSize: -1, maxFiles: 1, compress: false });
  assert.deepEqual(rotationOf({ driver: 'json-file', config: { 'max-size': '1m', 'max-file': '3', compress: 'true' } }), { maxSize: 1_000_000, maxFiles: 3, compress: true });
  assert.deepEqual(rotationOf({ driver: 'local', config: {} }), { maxSize: 20 * 1024 * 1024, maxFiles: 5, compress: true });
  assert.deepEqual(rotationOf({ driver: 'local', config: { 'max-size': '10k', compress: 'false' } }), { maxSize: 10_000, maxFiles: 5, compress: false });
});
