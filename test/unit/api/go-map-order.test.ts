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
