// Image config JSON type checks: the same refusals as dockerd's json.Unmarshal into image.Image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImageConfig } from '../../../src/images/config-check.ts';
import { parseConfig } from '../../../src/images/image-config.ts';

const base = { os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } };
const refused = (extra: Record<string, unknown>, msg: RegExp) => assert.throws(() => checkImageConfig({ ...base, ...extra }), msg);

test('wrong JSON types are refused with Go\'s message naming the field', () => {
  refused({ history: 'x' }, /json: cannot unmarshal string into Go struct field Image\.history of type \[\]image\.History$/);
  refused({ history: [1] }, /cannot unmarshal number into Go struct field Image\.history of type image\.History/);
  refused({ history: [{ empty_layer: 'yes' }] }, /Go struct field History\.history\.empty_layer of type bool/);
  refused({ config: { Env: 5 } }, /Go struct field Config\.config\.Env of type \[\]string/);
  refused({ config: { Labels: { a: 1 } } }, /Go struct field Config\.config\.Labels of type string/);
  refused({ config: { ExposedPorts: { '80/tcp': 1 } } }, /of type struct \{\}/);
  refused({ config: { StopTimeout: 1e300 } }, /cannot unmarshal number 1e\+300 into Go struct field Config\.config\.StopTimeout of type int64/);
  refused({ rootfs: { type: 'layers', diff_ids: [5] } }, /RootFS\.rootfs\.diff_ids of type layer\.DiffID/);
  refused({ created: 'yesterday' }, /parsing time/);
  refused({ created: 5 }, /Time\.UnmarshalJSON: input is not a JSON string/);
  refused({ OS: 5 }, /Image\.os of type string/); // Go matches field names ignoring case
  assert.throws(() => checkImageConfig([]), /cannot unmarshal array into Go value of type image\.Image/);
});

test('what Go accepts is accepted: nulls, unknown fields, a string Cmd (a one-element list)', () => {
  const cfg: any = { ...base, created: '2024-01-01T00:00:00.5+01:00', history: null, x: { deep: [1, 'a'] }, config: { Cmd: 'sh', Entrypoint: null, Env: ['A=1'], Healthcheck: { Test: ['NONE'], Interval: 5 } } };
  checkImageConfig(cfg);
  assert.deepEqual(cfg.config.Cmd, ['sh']);
});

test('parseConfig: Go\'s syntax and depth errors, never V8 text', () => {
  assert.throws(() => parseConfig(Buffer.from('bin/sh')), /^BerthError: invalid character 'b' looking for beginning of value$|invalid character 'b' looking for beginning of value/);
  assert.throws(() => parseConfig(Buffer.from('{"x":' + '['.repeat(5000) + ']'.repeat(5000) + ',"rootfs":{"type":"layers"}}')), /exceeded max depth/);
  assert.throws(() => parseConfig(Buffer.from('null')), /invalid image JSON, no RootFS key/);
});
