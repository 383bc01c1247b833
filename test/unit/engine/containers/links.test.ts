import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLink, linkEnv } from '../../../../src/engine/containers/links.ts';

test('parseLink reads name, name:alias and the stored /name:/self/alias; more colons are refused', () => {
  assert.deepEqual(parseLink('web'), { name: 'web', alias: 'web' });
  assert.deepEqual(parseLink('web:db'), { name: 'web', alias: 'db' });
  assert.deepEqual(parseLink('/web:/cli/db'), { name: 'web', alias: 'db' });
  assert.throws(() => parseLink('a:b:c'), /bad format for links: a:b:c/);
  assert.throws(() => parseLink(''), /empty string specified for links/);
});

test('linkEnv: tcp first, then by number; a run of consecutive ports gets _START/_END; HOME and PATH are left out', () => {
  const env = linkEnv('db-1', '/cli/db-1', '10.0.0.2', ['53/udp', '81/tcp', '80/tcp'], ['PATH=/bin', 'HOME=/root', 'A=1=2', 'NOVALUE']);
  assert.deepEqual(env, [
    'DB_1_PORT=tcp://10.0.0.2:80',
    'DB_1_PORT_80_TCP=tcp://10.0.0.2:80', 'DB_1_PORT_80_TCP_ADDR=10.0.0.2', 'DB_1_PORT_80_TCP_PORT=80', 'DB_1_PORT_80_TCP_PROTO=tcp',
    'DB_1_PORT_81_TCP=tcp://10.0.0.2:81', 'DB_1_PORT_81_TCP_ADDR=10.0.0.2', 'DB_1_PORT_81_TCP_PORT=81', 'DB_1_PORT_81_TCP_PROTO=tcp',
    // (as moby's loop: a range is written when the port after it is seen)
    'DB_1_PORT_53_UDP=udp://10.0.0.2:53', 'DB_1_PORT_53_UDP_ADDR=10.0.0.2', 'DB_1_PORT_53_UDP_PORT=53', 'DB_1_PORT_53_UDP_PROTO=udp',
    'DB_1_PORT_80_TCP_START=tcp://10.0.0.2:80', 'DB_1_PORT_80_TCP_PORT_START=80', 'DB_1_PORT_80_TCP_END=tcp://10.0.0.2:81', 'DB_1_PORT_80_TCP_PORT_END=81',
    'DB_1_NAME=/cli/db-1',
    'DB_1_ENV_A=1=2',
  ]);
  assert.deepEqual(linkEnv('x', '/c/x', '10.0.0.3', [], []), ['X_NAME=/c/x']);
});
