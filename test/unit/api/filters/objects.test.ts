import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters } from '../../../../src/api/filters/args.ts';
import {
  BUILD_PRUNE_FILTERS, IMAGE_LIST_FILTERS, IMAGE_PRUNE_FILTERS, NETWORK_LIST_FILTERS, NETWORK_PRUNE_FILTERS, VOLUME_LIST_FILTERS, VOLUME_PRUNE_FILTERS,
  networkListMatcher, networkPruneMatcher, volumeListMatcher, volumePruneMatcher, goParseBool, buildPruneUntil,
} from '../../../../src/api/filters/objects.ts';
import type { NetworkRecord } from '../../../../src/engine/networks.ts';
import type { VolumeRecord } from '../../../../src/engine/volumes.ts';

const bad = (msg: string) => (e: any) => e.kind === 'invalid-parameter' && e.message === msg;
const keys = (t: object) => Object.keys(t).sort();

test('each endpoint accepts exactly Docker\'s keys', () => {
  assert.deepEqual(keys(IMAGE_LIST_FILTERS), ['before', 'dangling', 'label', 'reference', 'since', 'until']);
  assert.deepEqual(keys(IMAGE_PRUNE_FILTERS), ['dangling', 'label', 'label!', 'until']);
  assert.deepEqual(keys(NETWORK_LIST_FILTERS), ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
  assert.deepEqual(keys(NETWORK_PRUNE_FILTERS), ['label', 'label!', 'until']);
  assert.deepEqual(keys(VOLUME_LIST_FILTERS), ['dangling', 'driver', 'label', 'name']);
  assert.deepEqual(keys(VOLUME_PRUNE_FILTERS), ['all', 'label', 'label!']);
  assert.deepEqual(keys(BUILD_PRUNE_FILTERS), ['until', 'unused-for']);
  for (const t of [IMAGE_LIST_FILTERS, IMAGE_PRUNE_FILTERS, NETWORK_LIST_FILTERS, NETWORK_PRUNE_FILTERS, VOLUME_LIST_FILTERS, VOLUME_PRUNE_FILTERS, BUILD_PRUNE_FILTERS]) {
    assert.throws(() => parseFilters('{"bogus":["1"]}', t), bad("invalid filter 'bogus'"));
  }
  assert.throws(() => parseFilters('{"inuse":["true"]}', BUILD_PRUNE_FILTERS), bad("invalid filter 'inuse'"));
  assert.throws(() => parseFilters('{"label!":["a"]}', VOLUME_LIST_FILTERS), bad("invalid filter 'label!'"));
});

test('values are checked with Docker\'s messages', () => {
  assert.throws(() => parseFilters('{"dangling":["maybe"]}', IMAGE_LIST_FILTERS), bad("invalid filter 'dangling=[maybe]'"));
  assert.throws(() => parseFilters('{"until":["soon"]}', IMAGE_LIST_FILTERS), bad('failed to parse value as time or duration: "soon"'));
  assert.throws(() => parseFilters('{"until":["1h","2h"]}', IMAGE_PRUNE_FILTERS), bad('more than one until filter specified'));
  assert.throws(() => parseFilters('{"dangling":["yes"]}', NETWORK_LIST_FILTERS), bad(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`));
  assert.throws(() => parseFilters('{"dangling":["1","0"]}', NETWORK_LIST_FILTERS), bad('got more than one value for filter key "dangling"'));
  // (dockerd's plain error: a 500)
  assert.throws(() => parseFilters('{"type":["odd"]}', NETWORK_LIST_FILTERS), (e: any) => e.kind === 'system' && e.message === "invalid filter: 'type'='odd'");
  assert.throws(() => parseFilters('{"until":["x"]}', NETWORK_PRUNE_FILTERS), bad('failed to parse value as time or duration: "x"'));
  assert.throws(() => parseFilters('{"dangling":["x"]}', VOLUME_LIST_FILTERS), bad("invalid filter 'dangling=[x]'"));
  assert.throws(() => parseFilters('{"all":["x"]}', VOLUME_PRUNE_FILTERS), bad(`invalid filter 'all': strconv.ParseBool: parsing "x": invalid syntax`));
  assert.throws(() => parseFilters('{"all":["1","0"]}', VOLUME_PRUNE_FILTERS), bad("invalid filter 'all=[1 0]': only one value is expected"));
  assert.equal(goParseBool('T'), true);
  assert.equal(goParseBool('False'), false);
});

const net = (name: string, o: Partial<NetworkRecord> = {}) => ({ Name: name, Id: `${name}id`.padEnd(64, '0'), Created: '2026-01-02T00:00:00Z', Scope: 'local', Driver: 'bridge', Labels: {}, ...o }) as NetworkRecord;

test('network ls keys', () => {
  const nets = [
    { n: net('bridge'), facts: { builtin: true, inUse: false } },
    { n: net('host', { Driver: 'host' }), facts: { builtin: true, inUse: false } },
    { n: net('front', { Labels: { env: 'prod' } }), facts: { builtin: false, inUse: true } },
    { n: net('spare'), facts: { builtin: false, inUse: false } },
  ];
  const sel = (filters: object) => {
    const m = networkListMatcher(parseFilters(JSON.stringify(filters), NETWORK_LIST_FILTERS));
    return nets.filter(({ n, facts }) => m(n, facts)).map(({ n }) => n.Name);
  };
  assert.deepEqual(sel({ driver: ['host'] }), ['host']);
  assert.deepEqual(sel({ name: ['^fr'] }), ['front']);
  assert.deepEqual(sel({ name: ['r'] }), ['bridge', 'front', 'spare']);
  assert.deepEqual(sel({ id: ['spareid'] }), ['spare']);
  assert.deepEqual(sel({ label: ['env=prod'] }), ['front']);
  assert.deepEqual(sel({ scope: ['local'] }), ['bridge', 'host', 'front', 'spare']);
  assert.deepEqual(sel({ scope: ['swarm'] }), []);
  assert.deepEqual(sel({ type: ['builtin'] }), ['bridge', 'host']);
  assert.deepEqual(sel({ type: ['custom'] }), ['front', 'spare']);
  assert.deepEqual(sel({ dangling: ['true'] }), ['spare']);
  assert.deepEqual(sel({ dangling: ['0'] }), ['bridge', 'host', 'front']);
});

test('network prune: until and label!=', () => {
  const pr = (filters: object) => networkPruneMatcher(parseFilters(JSON.stringify(filters), NETWORK_PRUNE_FILTERS), Date.parse('2026-01-02T12:00:00Z'));
  const old = net('old', { Created: '2026-01-01T00:00:00Z', Labels: { keep: '' } });
  const young = net('young', { Created: '2026-01-02T11:59:00Z' });
  assert.deepEqual([old, young].filter(pr({ until: ['1h'] })).map((n) => n.Name), ['old']);
  assert.deepEqual([old, young].filter(pr({ 'label!': ['keep'] })).map((n) => n.Name), ['young']);
  assert.deepEqual([old, young].filter(pr({ label: ['keep'] })).map((n) => n.Name), ['old']);
});

const vol = (name: string, labels: Record<string, string> = {}) => ({ Name: name, Driver: 'local', Labels: labels }) as VolumeRecord;

test('volume ls keys', () => {
  const vols = [vol('data', { env: 'prod' }), vol('cache'), vol('abc123', { 'com.docker.volume.anonymous': '' })];
  const used = new Set(['data']);
  const sel = (filters: object) => {
    const m = volumeListMatcher(parseFilters(JSON.stringify(filters), VOLUME_LIST_FILTERS));
    return vols.filter((v) => m(v, used.has(v.Name))).map((v) => v.Name);
  };
  assert.deepEqual(sel({ name: ['^ca'] }), ['cache']);
  assert.deepEqual(sel({ name: ['a'] }), ['data', 'cache', 'abc123']);
  assert.deepEqual(sel({ driver: ['local'] }), ['data', 'cache', 'abc123']);
  assert.deepEqual(sel({ driver: ['nfs'] }), []);
  assert.deepEqual(sel({ label: ['env'] }), ['data']);
  assert.deepEqual(sel({ dangling: ['true'] }), ['cache', 'abc123']);
  assert.deepEqual(sel({ dangling: ['false'] }), ['data']);
});

test('volume prune: anonymous only unless all (API >= 1.42), labels', () => {
  const vols = [vol('named', { keep: '' }), vol('named2'), vol('anon', { 'com.docker.volume.anonymous': '' })];
  const anon = (v: VolumeRecord) => 'com.docker.volume.anonymous' in v.Labels;
  const sel = (filters: object, version = '1.50') => vols.filter(volumePruneMatcher(parseFilters(JSON.stringify(filters), VOLUME_PRUNE_FILTERS), version, anon)).map((v) => v.Name);
  assert.deepEqual(sel({}), ['anon']);
  assert.deepEqual(sel({ all: ['true'] }), ['named', 'named2', 'anon']);
  assert.deepEqual(sel({ all: ['0'] }), ['anon']);
  assert.deepEqual(sel({}, '1.41'), ['named', 'named2', 'anon']);
  assert.deepEqual(sel({ all: ['1'], 'label!': ['keep'] }), ['named2', 'anon']);
  assert.deepEqual(sel({ all: ['1'], label: ['keep'] }), ['named']);
});

test('build cache prune: until or unused-for, one value, not both', () => {
  const now = Date.UTC(2026, 0, 2);
  const pr = (filters: object) => buildPruneUntil(parseFilters(JSON.stringify(filters), BUILD_PRUNE_FILTERS), now);
  assert.equal(pr({}), undefined);
  assert.equal(pr({ until: ['24h'] }), now / 1000 - 86400);
  assert.equal(pr({ 'unused-for': ['1h'] }), now / 1000 - 3600);
  assert.throws(() => pr({ until: ['1h'], 'unused-for': ['2h'] }), bad('conflicting filters: "until" and "unused-for"'));
  assert.throws(() => pr({ until: ['1h', '2h'] }), bad('filters expect only one value'));
  assert.throws(() => pr({ until: ['soon'] }), bad(`"until" filter expects a duration (e.g., '24h') or a timestamp: failed to parse value as time or duration: "soon"`));
});
