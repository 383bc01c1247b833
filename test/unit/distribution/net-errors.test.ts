import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goDialError } from '../../../src/distribution/net-errors.ts';

const failed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), cause) });

test('refused and unreachable connections name the address as Go does', () => {
  assert.equal(goDialError(failed({ code: 'ECONNREFUSED', address: '127.0.0.1', port: 5001 }), '127.0.0.1:5001'), 'dial tcp 127.0.0.1:5001: connect: connection refused');
  assert.equal(goDialError(failed({ code: 'EHOSTUNREACH', address: '::1', port: 443 }), 'localhost'), 'dial tcp [::1]:443: connect: no route to host');
});

test('a name that does not resolve names the first resolver of resolv.conf', () => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ne-')), 'resolv.conf');
  fs.writeFileSync(f, '# x\nsearch lan\nnameserver 10.0.0.53\nnameserver 10.0.0.54\n');
  assert.equal(goDialError(failed({ code: 'ENOTFOUND' }), 'reg.example:5000', f), 'dial tcp: lookup reg.example on 10.0.0.53:53: no such host');
  fs.writeFileSync(f, 'nameserver fd00::1\n');
  assert.equal(goDialError(failed({ code: 'ENOTFOUND' }), 'reg.example', f), 'dial tcp: lookup reg.example on [fd00::1]:53: no such host');
});

test('other causes keep their own message', () => {
  assert.equal(goDialError(failed({ code: 'EPROTO' }), 'h'), 'x');
});
