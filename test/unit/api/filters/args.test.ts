import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFilters, parseFilters, FilterArgs, boolKey } from '../../../../src/api/filters/args.ts';

const bad = (msg: RegExp | string) => (e: any) => e.kind === 'invalid-parameter' && (typeof msg === 'string' ? e.message === msg : msg.test(e.message));

test('both JSON forms decode; duplicates collapse; null and empty mean no filter', () => {
  assert.deepEqual([...decodeFilters('{"label":{"a=1":true,"b":true}}')], [['label', ['a=1', 'b']]]);
  assert.deepEqual([...decodeFilters('{"label":["a=1","a=1","b"]}')], [['label', ['a=1', 'b']]]);
  assert.equal(decodeFilters('').size, 0);
  assert.equal(decodeFilters(undefined).size, 0);
  assert.equal(decodeFilters('null').size, 0);
  assert.deepEqual([...decodeFilters('{"label":null}')], [['label', []]]);
});

test('malformed filter JSON is Docker\'s "invalid filter"', () => {
  for (const raw of ['{', 'label=x', '[]', '"x"', '{"label":"x"}', '{"label":[1]}', '{"label":{"x":"yes"}}', '3']) {
    assert.throws(() => decodeFilters(raw), bad('invalid filter'), raw);
  }
});

test('an unknown key is refused before any value is looked at', () => {
  const table = { label: true, health: () => assert.fail('must not be called') } as const;
  assert.throws(() => parseFilters('{"bogus":["x"],"health":["y"]}', table), bad("invalid filter 'bogus'"));
  assert.doesNotThrow(() => parseFilters('{"label":["x"]}', table));
});

test('value checks run on every value', () => {
  const seen: string[] = [];
  parseFilters('{"k":["a","b"]}', { k: (v) => void seen.push(v) });
  assert.deepEqual(seen, ['a', 'b']);
  assert.throws(() => parseFilters('{"k":["x"]}', { k: boolKey('k') }), bad("invalid filter 'k=[x]'"));
  assert.throws(() => parseFilters('{"k":["true","false"]}', { k: boolKey('k') }), bad("invalid filter 'k=[true false]'"));
  assert.throws(() => parseFilters('{"k":[]}', { k: boolKey('k') }), bad("invalid filter 'k'"));
});

test('MatchKVList: every key or key=value must hold; no labels never match a label filter', () => {
  const f = new FilterArgs([['label', ['a', 'b=2']]]);
  assert.equal(f.matchKVList('label', { a: 'x', b: '2' }), true);
  assert.equal(f.matchKVList('label', { a: 'x', b: '3' }), false);
  assert.equal(f.matchKVList('label', { b: '2' }), false);
  assert.equal(f.matchKVList('label', {}), false);
  assert.equal(f.matchKVList('other', {}), true);
  assert.equal(new FilterArgs([['label', ['a=']]]).matchKVList('label', { a: '' }), true);
  assert.equal(new FilterArgs([['label', ['a=b=c']]]).matchKVList('label', { a: 'b=c' }), true);
});

test('label! excludes only what matches all of its entries (Docker\'s prune matchLabels)', () => {
  const f = new FilterArgs([['label!', ['keep']]]);
  assert.equal(f.matchLabels({ keep: '' }), false);
  assert.equal(f.matchLabels({ other: '' }), true);
  assert.equal(f.matchLabels({}), true);
  const two = new FilterArgs([['label!', ['a', 'b']]]);
  assert.equal(two.matchLabels({ a: '' }), true);
  assert.equal(two.matchLabels({ a: '', b: '' }), false);
  const both = new FilterArgs([['label', ['x']], ['label!', ['y=1']]]);
  assert.equal(both.matchLabels({ x: '', y: '2' }), true);
  assert.equal(both.matchLabels({ x: '', y: '1' }), false);
  assert.equal(both.matchLabels({ y: '2' }), false);
});

test('Match is a regular expression search; ExactMatch and FuzzyMatch as in moby', () => {
  const f = new FilterArgs([['name', ['^web', 'db$', '[']], ['id', ['abc']]]);
  assert.equal(f.match('name', 'web-1'), true);
  assert.equal(f.match('name', 'my-db'), true);
  assert.equal(f.match('name', 'cache'), false);
  assert.equal(f.match('id', 'xxabcxx'), true);
  assert.equal(f.exactMatch('id', 'abc'), true);
  assert.equal(f.exactMatch('id', 'abcd'), false);
  assert.equal(f.exactMatch('none', 'anything'), true);
  assert.equal(f.fuzzyMatch('id', 'abcdef'), true);
  assert.equal(f.fuzzyMatch('id', 'xabc'), false);
  assert.equal(new FilterArgs([['name', ['(?i)WEB']]]).match('name', 'web'), true);
});

test('GetBoolOrDefault', () => {
  assert.equal(new FilterArgs().boolOrDefault('dangling', true), true);
  assert.equal(new FilterArgs([['dangling', ['1']]]).boolOrDefault('dangling', false), true);
  assert.equal(new FilterArgs([['dangling', ['false']]]).boolOrDefault('dangling', true), false);
  assert.throws(() => new FilterArgs([['dangling', ['TRUE']]]).boolOrDefault('dangling', true), bad("invalid filter 'dangling=[TRUE]'"));
});
