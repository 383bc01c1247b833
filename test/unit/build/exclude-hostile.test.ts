// .dockerignore / --exclude patterns: runs of `**` are collapsed without changing what a pattern
// matches (checked against the plain matcher on a set of paths), and hostile patterns neither hang
// nor throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dockerignore from '@balena/dockerignore';
import { excluder } from '../../../src/build/instructions/exclude.ts';

const ignore = dockerignore as unknown as typeof dockerignore.default;

test('collapsing runs of ** keeps every match the same', () => {
  const pats = ['**/**/x', '***a', '****a', '*****', '**/***x', '***/**', '**/**', 'a/**/**/b', '\\**/**x', '**', '*/**/**/*.go', '**a**b', 'x/**', '!**/**/q', 'a\\*\\*/**/b'];
  const paths = ['x', 'a', 'd/x', 'd/e/x', 'ba', 'd/ba', 'q', 'd/q', 'a/b', 'a/c/b', 'a/c/d/b', '*x', '*/x', '**x', 'e/f.go', 'e/g/f.go', 'ab', 'cab', 'd/cab', 'x/y', 'x/y/z', 'a**/b', 'a**/c/b'];
  for (const p of pats)
    for (const f of paths) assert.equal(excluder([p])(f), ignore({ ignorecase: false }).add([p]).ignores(f), `${p} on ${f}`);
});

test('hostile patterns: answered at once, a pattern that does not compile matches nothing', () => {
  const t0 = Date.now();
  const ex = excluder(['**/'.repeat(3000) + 'x', '*'.repeat(20000) + 'a', '[', 'a'.repeat(100_000), 'keep']);
  assert.equal(ex('d1/d2/d3/f' + 'b'.repeat(40)), false);
  assert.equal(ex('d/x'), true);
  assert.equal(ex('keep'), true);
  assert.equal(ex('[') , false);
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
  // case-sensitive, as moby's matcher on Linux
  assert.equal(excluder(['A*'])('ab'), false);
});
