import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, humanSize, bytesSize, ramInBytes, parseGoDuration, formatGoDuration, parseTimestamp, goTimeString, truncateId, ellipsis, ago } from '../../../src/util/units.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test("humanDuration matches docker's units.HumanDuration", () => {
  const cases: [number, string][] = [
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * S, '1 second'],
    [1999, '1 second'],
    [3 * S, '3 seconds'],
    [59 * S + 999, '59 seconds'],
    [60 * S, 'About a minute'],
    [119 * S, 'About a minute'],
    [2 * M, '2 minutes'],
    [59 * M, '59 minutes'],
    [60 * M, 'About an hour'],
    [89 * M, 'About an hour'],
    [90 * M, '2 hours'],
    [47 * H, '47 hours'],
    [48 * H, '2 days'],
    [13 * D, '13 days'],
    [14 * D, '2 weeks'],
    [59 * D, '8 weeks'],
    [60 * D, '2 months'],
    [729 * D, '24 months'],
    [730 * D, '2 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  assert.equal(ago(1000, 1000 * 1000 + 3 * S), '3 seconds ago');
});

test('sizes: decimal with %.3g (docker images), binary with %.4g (stats)', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(1984000), '1.98MB');
  assert.equal(humanSize(1984000, 4), '1.984MB');
  assert.equal(humanSize(123456789), '123MB');
  assert.equal(humanSize(999900), '1e+03kB');
  assert.equal(humanSize(4096), '4.1kB');
  assert.equal(bytesSize(0), '0B');
  assert.equal(bytesSize(1536), '1.5KiB');
  assert.equal(bytesSize(25270000000), '23.53GiB');
});

test('ramInBytes parses docker memory sizes', () => {
  assert.equal(ramInBytes('512m'), 512 * 1024 * 1024);
  assert.equal(ramInBytes('1g'), 1024 ** 3);
  assert.equal(ramInBytes('1.5GB'), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes('100'), 100);
  assert.equal(ramInBytes('64k'), 65536);
  assert.throws(() => ramInBytes('abc'), /invalid size: 'abc'/);
});

test('Go durations', () => {
  assert.equal(parseGoDuration('1h2m3s'), 3723e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('1.5s'), 1.5e9);
  assert.equal(parseGoDuration('-2m'), -120e9);
  assert.throws(() => parseGoDuration('10'), /missing unit/);
  assert.throws(() => parseGoDuration('x'), /invalid duration/);
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(3723e9), '1h2m3s');
  assert.equal(formatGoDuration(1.5e9), '1.5s');
  assert.equal(formatGoDuration(300e6), '300ms');
});

test('timestamps for --since/--until', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  assert.equal(parseTimestamp('10m', now), `${now / 1000 - 600}.000000000`);
  assert.equal(parseTimestamp('1700000000', now), '1700000000');
  assert.equal(parseTimestamp('2024-01-01T00:00:00Z', now), `${Date.UTC(2024, 0, 1) / 1000}.000000000`);
  assert.equal(parseTimestamp('2024-01-01', now), `${Date.UTC(2024, 0, 1) / 1000}.000000000`);
  assert.throws(() => parseTimestamp('yesterday', now), /failed to parse/);
});

test('time, IDs and ellipsis', () => {
  assert.equal(goTimeString(0), '1970-01-01 00:00:00 +0000 UTC');
  assert.equal(truncateId('sha256:76ccc41a5d8c81a964a9910986b8e437188fe201005a3e92846dda4f47d3d4d5'), '76ccc41a5d8c');
  assert.equal(truncateId('ef537eadfdd481475deacf8eeedb95826f01c9efad91b4107a6f30c9fb2a7ca4'), 'ef537eadfdd4');
  assert.equal(ellipsis('echo hello world and more', 20), 'echo hello world an…');
  assert.equal(ellipsis('short', 20), 'short');
  assert.equal(ellipsis('日本語テキスト', 5), '日本…');
});
