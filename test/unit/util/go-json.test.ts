// Go-like JSON decoding of request bodies: the int64 limits survive JavaScript's doubles.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('int64 limits: 9223372036854775807 and -9223372036854775808 are taken, one past them refused (the double both round to is 2^63)', async () => {
  const { parseJson } = await import('../../../src/util/go-json.ts');
  const { checkBody } = await import('../../../src/api/body-types.ts');
  const hc = (n: string) => checkBody('ContainerCreate', parseJson(`{"HostConfig":{"PidsLimit":${n}}}`));
  hc('9223372036854775807');
  hc('-9223372036854775808');
  assert.throws(() => hc('9223372036854775808'), /cannot unmarshal number .* into Go struct field CreateRequest\.HostConfig\.PidsLimit of type int64/);
  assert.throws(() => hc('-9223372036854775809'), /of type int64/);
});
