import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBody } from '../../../src/api/body-types.ts';
import { parseJson, depthExceededAt } from '../../../src/api/json-body.ts';

const refused = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: any) => e.kind === 'invalid-parameter' && re.test(e.message));

test('create bodies: wrong JSON types are 400s naming the Go field, as dockerd', () => {
  refused(() => checkBody('ContainerCreate', { Image: 5 }), /cannot unmarshal number into Go struct field CreateRequest.Image of type string/);
  refused(() => checkBody('ContainerCreate', { Image: 'x', HostConfig: { Ulimits: [{ Name: 'n', Soft: 'x' }] } }), /CreateRequest.HostConfig.Ulimits.Soft of type int64/);
  refused(() => checkBody('ContainerCreate', { Image: 'x', HostConfig: { Memory: 1.5 } }), /cannot unmarshal number 1.5 into/);
  refused(() => checkBody('ContainerCreate', { Labels: { a: { b: 1 } } }), /object into Go struct field CreateRequest.Labels of type string/);
  refused(() => checkBody('ContainerCreate', []), /cannot unmarshal array into Go value of type CreateRequest/);
  refused(() => checkBody('ExecCreate', { Cmd: 'ls' }), /ExecOptions.Cmd of type \[\]string/);
});

test('create bodies: the type errors the create path answers (the only type check: the field table checks values)', () => {
  refused(() => checkBody('ContainerCreate', { Image: 'busybox', HostConfig: { Memory: '1g' } }), /^json: cannot unmarshal string into Go struct field CreateRequest.HostConfig.Memory of type int64$/);
  refused(() => checkBody('ContainerCreate', { Image: 'busybox', Env: 'A=1' }), /cannot unmarshal string into Go struct field .*Env of type \[\]string/);
  refused(() => checkBody('ContainerCreate', { Image: 'busybox', HostConfig: { Privileged: 'yes' } }), /of type bool/);
  refused(() => checkBody('ContainerCreate', { Image: 'busybox', HostConfig: { CpuShares: 1.5 } }), /cannot unmarshal number 1.5/);
  refused(() => checkBody('ContainerCreate', { Image: 'busybox', NetworkingConfig: { EndpointsConfig: { n: { Aliases: 'a' } } } }), /EndpointsConfig.Aliases of type \[\]string/);
  refused(() => checkBody('ContainerCreate', { Image: 'busybox', HostConfig: { Mounts: [{ BindOptions: { NonRecursive: 'yes' } }] } }), /Mounts.BindOptions.NonRecursive of type bool/);
});

test('what Go accepts passes: null anywhere, unknown fields, StrSlice strings', () => {
  assert.deepEqual(checkBody('ExecCreate', null), {});
  const body = checkBody<{ Cmd: unknown; Entrypoint: unknown; HostConfig: { CapAdd: unknown } }>('ContainerCreate', { Image: null, Cmd: 'echo hi', Entrypoint: 'sh', HostConfig: { CapAdd: 'NET_ADMIN', Binds: null }, Whatever: { x: 1 } });
  // StrSlice fields given as one string become one-element lists, as Go's decoder makes them
  assert.deepEqual([body.Cmd, body.Entrypoint, body.HostConfig.CapAdd], [['echo hi'], ['sh'], ['NET_ADMIN']]);
  checkBody('ContainerCreate', { ExposedPorts: { '80/tcp': {} }, Volumes: { '/v': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } });
  checkBody('VolumeCreate', { Name: 'v', Labels: { a: 'b' }, DriverOpts: {} });
});

test("keys name struct fields case-insensitively, as Go's decoder matches them (the later of two wins); map keys stay", () => {
  const exec = checkBody<Record<string, unknown>>('ExecCreate', { detachKeys: 'ctrl-p', cmd: ['cat'], Tty: true });
  assert.deepEqual(exec, { DetachKeys: 'ctrl-p', Cmd: ['cat'], Tty: true });
  assert.deepEqual(checkBody('ExecCreate', { detachKeys: 'a', DetachKeys: 'b' }), { DetachKeys: 'b' });
  assert.deepEqual(checkBody('ExecCreate', { DetachKeys: 'b', DETACHKEYS: 'c' }), { DetachKeys: 'c' });
  const create = checkBody<{ HostConfig: Record<string, unknown>; Labels: Record<string, string> }>('ContainerCreate', { image: 'x', hostconfig: { memory: 5 }, Labels: { image: 'y' } });
  assert.deepEqual(create, { Image: 'x', HostConfig: { Memory: 5 }, Labels: { image: 'y' } });
  refused(() => checkBody('ExecCreate', { detachkeys: 5 }), /ExecOptions.DetachKeys of type string/);
});

test('JSON: nesting limit before parsing, Go-worded syntax errors', () => {
  assert.equal(depthExceededAt('[[["[[[[["]]]', 3), -1);
  assert.equal(depthExceededAt('[[[[', 3), 3);
  refused(() => parseJson('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)), /exceeded max depth/);
  refused(() => parseJson('{'), /unexpected EOF/);
  refused(() => parseJson('x'), /invalid character 'x' looking for beginning of value/);
  assert.throws(() => parseJson('{"a": bad}'), (e: any) => !/position|Unexpected token/.test(e.message));
});
