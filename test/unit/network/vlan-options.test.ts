import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vlanOptions, dummyName } from '../../../src/network/vlan-options.ts';

const ID = 'abcdef0123456789'.repeat(4);
const has = (...names: string[]) => (n: string) => names.includes(n);
const none = () => undefined;

test('an existing parent is used as it is, in the driver\'s default mode', () => {
  assert.deepEqual(vlanOptions('macvlan', ID, { parent: 'eth9' }, has('eth9'), none), { parent: 'eth9', mode: 'bridge' });
  assert.deepEqual(vlanOptions('ipvlan', ID, { parent: 'eth9', ipvlan_mode: 'l3' }, has('eth9'), none), { parent: 'eth9', mode: 'l3' });
});

test('no parent: a dummy link named after the network, as libnetwork', () => {
  assert.equal(dummyName(ID), 'dm-abcdef012345');
  assert.deepEqual(vlanOptions('macvlan', ID, {}, has(), none), { parent: 'dm-abcdef012345', mode: 'bridge', make: { kind: 'dummy' } });
});

test('a VLAN subinterface of an existing link is made; bad names get libnetwork\'s messages', () => {
  assert.deepEqual(vlanOptions('macvlan', ID, { parent: 'eth9.50' }, has('eth9'), none).make, { kind: 'vlan', link: 'eth9', id: 50 });
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'eth9' }, has(), none), /invalid subinterface vlan name eth9, example formatting is eth0\.10/);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'eth9.x' }, has('eth9'), none), /unable to parse a valid vlan id from: x \(ex\. eth0\.10 for vlan 10\)/);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'eth9.5000' }, has('eth9'), none), /vlan id must be between 1-4094, received: 5000/);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'a.b.c' }, has(), none), /required interface name format is: name\.vlan_id/);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'eth8.5' }, has(), none), /-o parent interface does was not found on the host: eth8/);
});

test('modes, loopback and a parent in use', () => {
  for (const m of ['bridge', 'private', 'vepa', 'passthru']) assert.equal(vlanOptions('macvlan', ID, { parent: 'e', macvlan_mode: m }, has('e'), none).mode, m);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'e', macvlan_mode: 'l2' }, has('e'), none), /requested macvlan mode 'l2' is not valid, 'bridge' mode is the macvlan driver default/);
  assert.throws(() => vlanOptions('ipvlan', ID, { parent: 'e', ipvlan_mode: 'bridge' }, has('e'), none), /requested ipvlan mode 'bridge' is not valid, 'l2' mode is the ipvlan driver default/);
  assert.throws(() => vlanOptions('ipvlan', ID, { parent: 'e', ipvlan_flag: 'x' }, has('e'), none), /requested ipvlan flag 'x' is not valid, 'bridge' is the ipvlan driver default/);
  assert.throws(() => vlanOptions('ipvlan', ID, { parent: 'e', ipvlan_flag: 'private' }, has('e'), none), /not supported by Berth/);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'lo' }, has('lo'), none), /loopback interface is not a valid macvlan parent link/);
  assert.throws(() => vlanOptions('macvlan', ID, { parent: 'e' }, has('e'), () => '0123456789abcdef'), /network dm-0123456789ab is already using parent interface e/);
});
