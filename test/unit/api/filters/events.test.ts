import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters } from '../../../../src/api/filters/args.ts';
import { EVENT_FILTERS, eventMatcher } from '../../../../src/api/filters/events.ts';
import type { EngineEvent } from '../../../../src/events/bus.ts';

const ev = (Type: EngineEvent['Type'], Action: string, ID: string, Attributes: Record<string, string> = {}) => ({ Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 0, timeNano: 0 }) as EngineEvent;

const events = [
  ev('container', 'start', 'c1abc', { name: 'web', image: 'busybox:latest', app: 'x' }),
  ev('container', 'health_status: healthy', 'c1abc', { name: 'web', image: 'busybox' }),
  ev('network', 'connect', 'n1def', { name: 'front', container: 'c1abc', type: 'bridge' }),
  ev('volume', 'create', 'data', { driver: 'local' }),
  ev('image', 'tag', 'sha256:i1', { name: 'docker.io/library/busybox:1.0' }),
  ev('daemon', 'reload', 'D1', { name: 'host1' }),
];
const sel = (filters: object) => {
  const m = eventMatcher(parseFilters(JSON.stringify(filters), EVENT_FILTERS));
  return events.filter(m).map((e) => `${e.Type}:${e.Action}`);
};

test('events accept Docker\'s keys; Berth refuses the rest (Docker ignores them)', () => {
  assert.deepEqual(Object.keys(EVENT_FILTERS).sort(), ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume']);
  assert.throws(() => parseFilters('{"bogus":["x"]}', EVENT_FILTERS), (e: any) => e.message === "invalid filter 'bogus'");
});

test('each event key selects what Docker selects', () => {
  assert.deepEqual(sel({ type: ['network', 'volume'] }), ['network:connect', 'volume:create']);
  assert.deepEqual(sel({ event: ['start'] }), ['container:start']);
  assert.deepEqual(sel({ event: ['health_status'] }), ['container:health_status: healthy']);
  assert.deepEqual(sel({ container: ['web'] }), ['container:start', 'container:health_status: healthy']);
  assert.deepEqual(sel({ container: ['c1'], type: ['container'] }), ['container:start', 'container:health_status: healthy']);
  assert.deepEqual(sel({ network: ['front'] }), ['network:connect']);
  assert.deepEqual(sel({ network: ['n1'] }), ['network:connect']);
  assert.deepEqual(sel({ volume: ['data'] }), ['volume:create']);
  assert.deepEqual(sel({ daemon: ['host1'] }), ['daemon:reload']);
  assert.deepEqual(sel({ image: ['busybox'] }), ['container:start', 'container:health_status: healthy', 'image:tag']);
  assert.deepEqual(sel({ image: ['sha256:i1'] }), ['image:tag']);
  assert.deepEqual(sel({ label: ['app=x'] }), ['container:start']);
  assert.deepEqual(sel({ scope: ['local'] }).length, events.length);
  assert.deepEqual(sel({ scope: ['swarm'] }), []);
  for (const k of ['plugin', 'node', 'service', 'secret', 'config']) assert.deepEqual(sel({ [k]: ['x'] }), [], k);
});
