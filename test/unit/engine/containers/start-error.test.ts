import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateStartError } from '../../../../src/engine/containers/start-error.ts';

const P = 'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ';

test('a missing command is 127 and a 400, as dockerd translates it', () => {
  assert.deepEqual(translateStartError('nosuch', `${P}exec: "nosuch": executable file not found in $PATH: unknown`), { message: `${P}exec: "nosuch": executable file not found in $PATH: unknown`, exitCode: 127, invalid: true });
  assert.equal(translateStartError('/x', `${P}exec: "/x": stat /x: no such file or directory: unknown`).exitCode, 127);
});

test('a missing file that is not the command is not 127', () => {
  assert.deepEqual(translateStartError('true', `${P}mount /a: no such file or directory: unknown`), { message: `${P}mount /a: no such file or directory: unknown`, exitCode: 128, invalid: false });
});

test('permission denied is 126; not a directory 127 with dockerd\'s hint', () => {
  assert.equal(translateStartError('/etc', `${P}exec: "/etc": permission denied: unknown`).exitCode, 126);
  const f = translateStartError('sh', `${P}mount to /etc/passwd: not a directory: unknown`);
  assert.equal(f.exitCode, 127);
  assert.match(f.message, /: not a directory: unknown: Are you trying to mount a directory onto a file \(or vice-versa\)\? Check if the specified host path exists and is the expected type$/);
});
