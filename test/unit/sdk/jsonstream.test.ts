import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { JsonSplitter, jsonMessages } from '../../../src/sdk/jsonstream.ts';

test('splitter returns newline-separated objects', () => {
  const s = new JsonSplitter();
  assert.deepEqual(s.feed('{"a":1}\n{"b":2}\n'), ['{"a":1}', '{"b":2}']);
  assert.equal(s.rest(), '');
});

test('splitter joins objects split across chunks and concatenated ones', () => {
  const s = new JsonSplitter();
  assert.deepEqual(s.feed('{"status":"Load'), []);
  assert.deepEqual(s.feed('ing"}{"x":{"y":[1,2'), ['{"status":"Loading"}']);
  assert.deepEqual(s.feed(']}}'), ['{"x":{"y":[1,2]}}']);
});

test('splitter ignores braces and quotes inside strings', () => {
  const s = new JsonSplitter();
  const msg = '{"stream":"RUN echo \\"}{\\" \\\\"}';
  assert.deepEqual(s.feed(msg + '\r\n'), [msg]);
  assert.deepEqual(JSON.parse(msg), { stream: 'RUN echo "}{" \\' });
});

test('jsonMessages iterates a response stream', async () => {
  const src = Readable.from([Buffer.from('{"id":"a","status":"x"}\n{"id":'), Buffer.from('"b"}\n')]);
  const got: unknown[] = [];
  for await (const m of jsonMessages(src)) got.push(m);
  assert.deepEqual(got, [{ id: 'a', status: 'x' }, { id: 'b' }]);
});
