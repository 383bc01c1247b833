import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goQuoteList, goList, goDurationString, goQuoteRune, goHealthConfig } from '../../../src/build/history-text.ts';

test('Go quoting of strings and lists, as fmt %q and %v print them', () => {
  assert.equal(goQuote('q"x\\y'), '"q\\"x\\\\y"');
  assert.equal(goQuote('a\x01\x07\x7f'), '"a\\x01\\a\\x7f"');
  assert.equal(goQuoteList(['/bin/sh', '-c', 'echo $E']), '["/bin/sh" "-c" "echo $E"]');
  assert.equal(goQuoteList(null), '[]');
  assert.equal(goList(['/bin/sh', '-c']), '[/bin/sh -c]');
});

test('time.Duration String()', () => {
  assert.equal(goDurationString(0), '0s');
  assert.equal(goDurationString(90e9), '1m30s');
  assert.equal(goDurationString(1.5e9), '1.5s');
  assert.equal(goDurationString(3600e9), '1h0m0s');
  assert.equal(goDurationString(500e6), '500ms');
  assert.equal(goDurationString(1500), '1.5µs');
  assert.equal(goDurationString(7), '7ns');
});

test('the HEALTHCHECK history line: %q of the config, field by field (dockerd 28)', () => {
  assert.equal(goQuoteRune(2), "'\\x02'");
  assert.equal(goQuoteRune(65), "'A'");
  assert.equal(goHealthConfig({ Test: ['CMD', 'true'], Interval: 90e9, Timeout: 1.5e9, Retries: 2 }), `&{["CMD" "true"] "1m30s" "1.5s" "0s" "0s" '\\x02'}`);
});
