// RUN --mount specs: BuildKit's defaults and messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMount } from '../../../src/build/mounts.ts';

test('defaults: bind is read-only, cache and tmpfs writable, cache id = target, secret target from id', () => {
  assert.deepEqual(parseMount('target=/x'), { type: 'bind', target: '/x', readOnly: true, sharing: 'shared', required: false });
  const c = parseMount('type=cache,target=/root/.cache,sharing=locked,mode=0700,uid=1,gid=2');
  assert.equal(c.readOnly, false);
  assert.equal(c.id, '/root/.cache');
  assert.deepEqual([c.sharing, c.mode, c.uid, c.gid], ['locked', 0o700, 1, 2]);
  assert.equal(parseMount('type=tmpfs,target=/t,size=64m').sizeBytes, 64 * 1024 * 1024);
  const s = parseMount('type=secret,id=tok,required');
  assert.deepEqual([s.target, s.required, s.readOnly], ['/run/secrets/tok', true, true]);
  assert.equal(parseMount('type=secret,target=/etc/token').id, 'token');
  assert.equal(parseMount('type=secret,id=aws,env=AWS_KEY').target, '');
  assert.equal(parseMount('type=bind,source=a,target=/b,rw').readOnly, false);
  assert.equal(parseMount('type=ssh').target, '/run/buildkit/ssh_agent.0');
});

test('bad specs fail with BuildKit\'s messages', () => {
  const bad: [string, RegExp][] = [
    ['type=bogus,target=/x', /unsupported mount type "bogus"$/],
    ['type=cache,target=/x,foo=1', /unexpected key 'foo' in 'foo=1'$/],
    ['type=tmpfs,target=/x,uid=1', /uid not allowed for "tmpfs" type mounts$/],
    ['type=bind,target=/x,mode=0700', /mode not allowed for "bind" type mounts$/],
    ['type=cache,target=/x,required=true', /unexpected key 'required' for mount type 'cache'$/],
    ['type=cache,target=/x,sharing=weird', /unsupported sharing value "weird"$/],
    ['type=cache,target=/x,mode=9', /invalid value 9 for mode$/],
    ['type=bind,target=/x,ro=maybe', /invalid value for ro: maybe$/],
    ['type=secret,from=x,id=a', /secret mount should not have a from$/],
    ['type=secret,source=a,id=b', /both source and id can't be set$/],
    ['type=tmpfs,target=/x,sharing=shared', /invalid cache sharing set for tmpfs mount$/],
    ['type=cache', /mount target must be set$/],
    ['type=cache,target', /invalid field 'target' must be a key=value pair$/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseMount(spec), re, spec);
});
