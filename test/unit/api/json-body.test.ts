// readBounded: a body cut short by the client is a typed error at once (no untyped 500, no wait
// for an 'end' that never comes); a whole body is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readBounded } from '../../../src/api/json-body.ts';

test('a whole body is read', async () => {
  const s = new PassThrough();
  const p = readBounded(s);
  s.end('{"a":1}');
  assert.equal((await p).toString(), '{"a":1}');
});

test('a body whose connection closes before its end: a typed error, not a hang', async () => {
  const s = new PassThrough();
  const p = readBounded(s);
  s.write('{"a":');
  s.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  await assert.rejects(p, (e: any) => e.kind === 'invalid-parameter' && /client closed the connection/.test(e.message));
  const closed = new PassThrough();
  closed.destroy();
  await new Promise((r) => setImmediate(r));
  await assert.rejects(readBounded(closed), (e: any) => e.kind === 'invalid-parameter');
});
