import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seccompSecurityOpt } from '../../../src/cri/seccomp.ts';
import { isKind } from '../../../src/errdefs.ts';

const invalid = (e: unknown) => isKind(e, 'invalid-parameter');

test('seccomp: none asked is unconfined, RuntimeDefault the default profile, as containerd', () => {
  assert.equal(seccompSecurityOpt({ seccomp: null, seccomp_profile_path: '' }), 'seccomp=unconfined');
  assert.equal(seccompSecurityOpt({}), 'seccomp=unconfined');
  assert.equal(seccompSecurityOpt({ seccomp: { profile_type: 'RuntimeDefault', localhost_ref: '' } }), undefined);
  assert.equal(seccompSecurityOpt({ seccomp: { profile_type: 'Unconfined' } }), 'seccomp=unconfined');
  assert.equal(seccompSecurityOpt({ seccomp_profile_path: 'runtime/default' }), undefined);
  assert.equal(seccompSecurityOpt({ seccomp_profile_path: 'docker/default' }), undefined);
  assert.equal(seccompSecurityOpt({ seccomp_profile_path: 'unconfined' }), 'seccomp=unconfined');
  assert.throws(() => seccompSecurityOpt({ seccomp_profile_path: 'bogus' }), invalid);
});

test('seccomp Localhost: the profile file on the node, read; a missing or relative one refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-'));
  try {
    const file = path.join(dir, 'p.json');
    const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_ERRNO' }] });
    fs.writeFileSync(file, profile);
    assert.equal(seccompSecurityOpt({ seccomp: { profile_type: 'Localhost', localhost_ref: file } }), `seccomp=${profile}`);
    assert.equal(seccompSecurityOpt({ seccomp_profile_path: `localhost/${file}` }), `seccomp=${profile}`);
    assert.throws(() => seccompSecurityOpt({ seccomp: { profile_type: 'Localhost', localhost_ref: path.join(dir, 'missing.json') } }), invalid);
    assert.throws(() => seccompSecurityOpt({ seccomp: { profile_type: 'Localhost', localhost_ref: 'p.json' } }), invalid);
    // privileged: unconfined, the profile not even read (containerd's order)
    assert.equal(seccompSecurityOpt({ privileged: true, seccomp: { profile_type: 'Localhost', localhost_ref: path.join(dir, 'missing.json') } }), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
