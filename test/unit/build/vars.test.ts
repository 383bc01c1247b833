// substitute(): Docker's ${VAR:-word} / ${VAR:+word} with nested words, in linear time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { substitute } from '../../../src/build/vars.ts';

const env = { A: 'a', E: '', B: 'b' };

test('plain, braced and operator forms', () => {
  const cases: [string, string][] = [
    ['$A', 'a'], ['${A}', 'a'], ['${A:-x}', 'a'], ['${E:-x}', 'x'], ['${E-x}', ''], ['${Z-x}', 'x'],
    ['${A:+y}', 'y'], ['${E:+y}', ''], ['${E+y}', 'y'], ["'$A' $A", "'$A' a"], ['\\$A', '$A'],
    ['$A$B${A}', 'aba'], ['$', '$'], ['$1', '$1'], ['${A B}', '${A B}'],
  ];
  for (const [s, want] of cases) assert.equal(substitute(s, env), want, s);
});

test('nested words are expanded; an escaped } ends nothing; an unclosed ${ is kept', () => {
  assert.equal(substitute('${Z:-${B}}', env), 'b');
  assert.equal(substitute('${A:+${B}x}', env), 'bx');
  assert.equal(substitute('${Z:-${Y:-deep}}', env), 'deep');
  assert.equal(substitute('x${Z:-$A}y', env), 'xay');
  assert.equal(substitute('${Z:-\\}}', env), '\\}');
  assert.equal(substitute('${A:-x', env), '${A:-x');
  assert.equal(substitute('${Z:-${B}', env), '${Z:-b');
});

test('200,000 levels of nesting: linear time, no call stack', () => {
  const started = performance.now();
  assert.equal(substitute('${Z:-'.repeat(200_000) + '$A' + '}'.repeat(200_000), env), 'a');
  assert.equal(substitute('${Z:-'.repeat(200_000), env).length, 1_000_000);
  assert.ok(performance.now() - started < 5_000);
});
