// sha256 on worker threads: the digest of any split of any length is the one-shot digest, streams
// at once do not mix, a slow consumer is asked to wait, and a cancelled stream settles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { OffThreadSha256 } from '../../../src/util/sha256-offthread.ts';

const MiB = 1 << 20;

async function feed(h: OffThreadSha256, data: Buffer, maxChunk: number): Promise<{ hex: string; waits: number }> {
  let waits = 0;
  for (let o = 0; o < data.length; ) {
    const n = Math.min(data.length - o, 1 + Math.floor(Math.random() * maxChunk));
    const w = h.update(data.subarray(o, o + n));
    if (w) {
      waits++;
      await w;
    }
    o += n;
  }
  return { hex: await h.digest(), waits };
}

test('digests equal the one-shot sha256 at every length around the segment size, three streams at once', async () => {
  for (const size of [0, 1, 1000, MiB - 1, MiB, MiB + 1, 7 * MiB + 3, 30 * MiB]) {
    const data = randomBytes(size);
    const want = createHash('sha256').update(data).digest('hex');
    const got = await Promise.all([1, 2, 3].map(() => feed(new OffThreadSha256(), data, 300_000)));
    for (const g of got) assert.equal(g.hex, want, `${size} bytes`);
  }
});

test('one update larger than the ring waits for the worker, then hashes all of it', async () => {
  const data = randomBytes(9 * MiB);
  const h = new OffThreadSha256();
  const w = h.update(data);
  assert.ok(w, 'a 9 MiB update cannot be taken at once');
  await w;
  assert.equal(await h.digest(), createHash('sha256').update(data).digest('hex'));
});

test('a cancelled stream settles, and its digest is refused', async () => {
  const h = new OffThreadSha256();
  const w = h.update(randomBytes(6 * MiB));
  h.cancel();
  if (w) await assert.rejects(w, /cancelled/);
  await assert.rejects(h.digest(), /cancelled/);
  assert.throws(() => h.update(Buffer.from('x')), /cancelled/);
});
