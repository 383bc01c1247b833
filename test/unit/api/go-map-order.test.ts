import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goMapOrder } from '../../../src/api/go-map-order.ts';

test('map fields come out with keys sorted as Go writes maps; structs and arrays as they are', () => {
  const body = {
    Config: { Hostname: 'h', Labels: { zeta: '1', alpha: '2', Mid: '3' }, ExposedPorts: { '80/tcp': {}, '443/tcp': {} } },
    NetworkSettings: { Networks: { web: {}, bridge: {} } },
    Ports: [{ PrivatePort: 2 }, { PrivatePort: 1 }],
    Labels: ['b', 'a'],
  };
  assert.equal(
    JSON.stringify(body, goMapOrder),
    '{"Config":{"Hostname":"h","Labels":{"Mid":"3","alpha":"2","zeta":"1"},"ExposedPorts":{"443/tcp":{},"80/tcp":{}}},' +
      '"NetworkSettings":{"Networks":{"bridge":{},"web":{}}},"Ports":[{"PrivatePort":2},{"PrivatePort":1}],"Labels":["b","a"]}',
  );
});
