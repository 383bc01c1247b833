// readAtMost(): a registry body read whole, but never more than its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readAtMost, BodyTooLargeError } from '../../../src/distribution/bounded-body.ts';

test('bodies up to the limit are read whole; a longer one is refused and no longer read', async () => {
  assert.equal((await readAtMost(new Response('hello').body, 5)).toString(), 'hello');
  assert.equal((await readAtMost(null, 5)).length, 0);
  await assert.rejects(readAtMost(new Response('hello!').body, 5), BodyTooLargeError);
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(1024))) });
  await assert.rejects(readAtMost(endless, 10_000), BodyTooLargeError);
  assert.ok(pulled < 20, `${pulled} chunks read`);
  const stream = Readable.from((function* () { for (;;) yield Buffer.alloc(1024); })());
  await assert.rejects(readAtMost(stream, 10_000), BodyTooLargeError);
  assert.ok(stream.destroyed);
});
