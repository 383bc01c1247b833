// POST /build's JSON query parameters: a value of the wrong shape is a 400 naming the parameter
// (dockerd's "error reading …: json: cannot unmarshal …", checked against dockerd 20.10), never a TypeError (a 500) further on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOptionsFromQuery } from '../../../../src/api/routes/build-options.ts';

function options(query: Record<string, string>) {
  const q = new URLSearchParams(query);
  return buildOptionsFromQuery({ req: { headers: {} }, q: (n) => q.get(n) ?? undefined, qBool: (n) => ['1', 'true'].includes(q.get(n) ?? ''), query: q });
}

test('JSON query parameters of the wrong shape: 400 with Go decoding message', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ outputs: '{}' }, /^json: cannot unmarshal object into Go value of type \[\]types.ImageBuildOutput$/],
    [{ outputs: '[5]' }, /^json: cannot unmarshal number into Go value of type types.ImageBuildOutput$/],
    [{ outputs: '[{"Type":5}]' }, /^json: cannot unmarshal number into Go struct field ImageBuildOutput.Type of type string$/],
    [{ buildargs: '[]' }, /^error reading build args: json: cannot unmarshal array into Go value of type map\[string\]\*string$/],
    [{ buildargs: '{"a":5}' }, /cannot unmarshal number into Go value of type string/],
    [{ labels: '"x"' }, /^error reading labels: json: cannot unmarshal string into Go value of type map\[string\]string$/],
    [{ labels: '{"a":null}' }, /cannot unmarshal null into Go value of type string/],
    [{ cachefrom: '{}' }, /^json: cannot unmarshal object into Go value of type \[\]string$/],
    [{ cachefrom: '[1]' }, /cannot unmarshal number into Go value of type string/],
    [{ ulimits: '{"Name":"nofile"}' }, /^error reading ulimit settings: json: cannot unmarshal object into Go value of type \[\]\*units.Ulimit$/],
    [{ ulimits: '[{"Name":"nofile","Soft":"1"}]' }, /^error reading ulimit settings: json: cannot unmarshal string into Go struct field Ulimit.Soft of type int64$/],
    [{ labels: '{' }, /^error reading labels: unexpected EOF$/],
    [{ ulimits: '[{"Name":"nofile","Soft":1e30,"Hard":5}]' }, /^error reading ulimit settings: json: cannot unmarshal number 1e\+30 into Go struct field Ulimit.Soft of type int64$/],
    [{ ulimits: '[{"Name":"nofile","Soft":1,"Hard":2.5}]' }, /cannot unmarshal number 2.5 into Go struct field Ulimit.Hard of type int64$/],
  ];
  for (const [q, re] of cases) {
    assert.throws(() => options(q), (e: any) => e.kind === 'invalid-parameter' && re.test(e.message), JSON.stringify(q));
  }
});

test('JSON query parameters of the right shape (and null) are taken', () => {
  const o = options({ outputs: '[{"Type":"moby"}]', buildargs: '{"A":"1","B":null}', labels: '{"l":"v"}', cachefrom: '["x"]', ulimits: 'null' });
  assert.deepEqual(o.buildArgs, { A: '1' });
  assert.deepEqual(o.labels, { l: 'v' });
  assert.deepEqual(o.cacheFrom, ['x']);
  assert.equal(o.hostConfig?.Ulimits, undefined);
});
