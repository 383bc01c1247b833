import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goMapJson } from '../../../src/api/go-map-order.ts';

test('map fields come out with keys sorted as Go writes maps; structs and arrays as they are', () => {
  const body = {
    Config: { Hostname: 'h', Labels: { zeta: '1', alpha: '2', Mid: '3' }, ExposedPorts: { '80/tcp': {}, '443/tcp': {} } },
    NetworkSettings: { Networks: { web: {}, bridge: {} } },
    Ports: [{ PrivatePort: 2 }, { PrivatePort: 1 }],
    Labels: ['b', 'a'],
  };
  assert.equal(
    goMapJson(body),
    '{"Config":{"Hostname":"h","Labels":{"Mid":"3","alpha":"2","zeta":"1"},"ExposedPorts":{"443/tcp":{},"80/tcp":{}}},' +
      '"NetworkSettings":{"Networks":{"bridge":{},"web":{}}},"Ports":[{"PrivatePort":2},{"PrivatePort":1}],"Labels":["b","a"]}',
  );
  // already in order, or nothing to order: as JSON.stringify writes it
  const sorted = { Config: { Labels: { a: '1', b: '2' } }, Names: ['/x'] };
  assert.equal(goMapJson(sorted), JSON.stringify(sorted));
  assert.equal(goMapJson([1, 'x', null]), '[1,"x",null]');
  // bytes, not UTF-16 units: U+FFFD sorts before a character beyond U+FFFF
  assert.equal(goMapJson({ Labels: { '\u{1F600}': 1, '\uFFFD': 2 } }), '{"Labels":{"\uFFFD":2,"\u{1F600}":1}}');
});

test('integer-like keys in Go\'s order ("10" before "9"), which a JavaScript object cannot hold', () => {
  assert.equal(goMapJson({ Config: { Labels: { '9': 'b', '10': 'a', b: 'c', B: 'd' } } }), '{"Config":{"Labels":{"10":"a","9":"b","B":"d","b":"c"}}}');
  // nested: a hand-written map inside another
  assert.equal(
    goMapJson({ Containers: { '2': { Labels: { '9': 1, '10': 2 } }, '10': {} } }),
    '{"Containers":{"10":{},"2":{"Labels":{"10":2,"9":1}}}}',
  );
  // event attributes too
  assert.equal(goMapJson({ Actor: { Attributes: { name: 'x', image: 'i', '10': 'y' } } }), '{"Actor":{"Attributes":{"10":"y","image":"i","name":"x"}}}');
  // a client's string that merely looks like the stand-in stays a string
  assert.equal(JSON.parse(goMapJson({ Labels: { '9': '\u0000gomap0:0', '10': '' } })).Labels['9'], '\u0000gomap0:0');
});

test('U+2028/2029 escaped as Go always does; <, > and & as they are (dockerd turns HTML escaping off)', () => {
  assert.equal(goMapJson({ Cmd: ['sh', '-c', 'a && b > c <d'] }), '{"Cmd":["sh","-c","a && b > c <d"]}');
  assert.equal(goMapJson({ Labels: { b: '\u2028\u2029', a: '&' } }), '{"Labels":{"a":"&","b":"\\u2028\\u2029"}}');
  assert.equal(JSON.parse(goMapJson({ x: 'a<b&c>\u2028' })).x, 'a<b&c>\u2028');
});
