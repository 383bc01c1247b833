import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTimestamp, goDuration, untilValue } from '../../../src/util/timestamp.ts';

const now = Date.UTC(2026, 0, 10, 12, 0, 0, 700);

test('Go durations: units, fractions, signs, sequences; anything else is not a duration', () => {
  assert.equal(goDuration('24h'), 24 * 3600e9);
  assert.equal(goDuration('1h30m'), 5400e9);
  assert.equal(goDuration('1.5s'), 1.5e9);
  assert.equal(goDuration('.5m'), 30e9);
  assert.equal(goDuration('-10m'), -600e9);
  assert.equal(goDuration('300ms'), 300e6);
  assert.equal(goDuration('2µs'), 2000);
  assert.equal(goDuration('0'), 0);
  assert.equal(goDuration('1.h'), 3600e9);
  for (const bad of ['', '10', 'h', '1d', '1h ', 'yesterday', '1h2']) assert.equal(goDuration(bad), undefined, bad);
});

test('a duration counts back from now in whole seconds, as GetTimestamp does', () => {
  assert.equal(getTimestamp('24h', now), Math.floor(now / 1000) - 86400);
  assert.equal(getTimestamp('10m', now), Math.floor(now / 1000) - 600);
  assert.equal(getTimestamp('-1h', now), Math.floor(now / 1000) + 3600);
});

test('Unix seconds with a fraction; "0" is the epoch, not a duration', () => {
  assert.equal(getTimestamp('1700000000', now), 1700000000);
  assert.equal(getTimestamp('1700000000.5', now), 1700000000.5);
  assert.equal(getTimestamp('1700000000.000000001', now), 1700000000.000000001);
  assert.equal(getTimestamp('0', now), 0);
});

test('RFC 3339 variants: with a zone, an offset, fractions, date only, local time without a zone', () => {
  assert.equal(getTimestamp('2024-01-01T00:00:00Z', now), Date.UTC(2024, 0, 1) / 1000);
  assert.equal(getTimestamp('2024-01-01T02:00:00+02:00', now), Date.UTC(2024, 0, 1) / 1000);
  assert.equal(getTimestamp('2024-01-01T00:00:00-05:00', now), Date.UTC(2024, 0, 1, 5) / 1000);
  assert.equal(getTimestamp('2024-01-01T00:00:00.25Z', now), Date.UTC(2024, 0, 1) / 1000 + 0.25);
  assert.equal(getTimestamp('2024-01-01Z', now), Date.UTC(2024, 0, 1) / 1000);
  assert.equal(getTimestamp('2024-01-01', now), new Date(2024, 0, 1).getTime() / 1000);
  assert.equal(getTimestamp('2024-01-01T10', now), new Date(2024, 0, 1, 10).getTime() / 1000);
  assert.equal(getTimestamp('2024-01-01T10:30', now), new Date(2024, 0, 1, 10, 30).getTime() / 1000);
  assert.equal(getTimestamp('2024-01-01T10:30:15', now), new Date(2024, 0, 1, 10, 30, 15).getTime() / 1000);
});

test('what is none of these is refused with Docker\'s message', () => {
  assert.throws(() => getTimestamp('yesterday', now), /^Error: failed to parse value as time or duration: "yesterday"$|failed to parse value as time or duration: "yesterday"/);
  assert.throws(() => getTimestamp('1d', now), /failed to parse value as time or duration: "1d"/);
  // beyond Go's int64 (seconds or fraction): refused, not the far future
  assert.throws(() => getTimestamp('99999999999999999999', now), /failed to parse value as time or duration: "99999999999999999999"/);
  assert.throws(() => getTimestamp('1.99999999999999999999', now), /failed to parse value as time or duration/);
  assert.equal(getTimestamp('9223372036854775807', now), 9223372036854775807);
  assert.throws(() => getTimestamp('2024-13-01', now), /parsing time "2024-13-01"/);
  assert.throws(() => getTimestamp('2024-02-30', now), /parsing time/);
  assert.throws(() => getTimestamp('-5', now), /parsing time/);
  assert.throws(() => getTimestamp('1.', now), /failed to parse/);
});

test('prune until: one value only', () => {
  assert.doesNotThrow(() => untilValue('24h', ['24h']));
  assert.throws(() => untilValue('24h', ['24h', '1h']), /more than one until filter specified/);
  assert.throws(() => untilValue('soon', ['soon']), /failed to parse value as time or duration: "soon"/);
});
