import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters } from '../../../../src/api/filters/args.ts';
import { CONTAINER_LIST_FILTERS, CONTAINER_PRUNE_FILTERS, containerPruneMatcher, filterContainerList, portSet, type ContainerFilterDeps } from '../../../../src/api/filters/containers.ts';
import type { ContainerRecord } from '../../../../src/engine/containers/record.ts';
import { portList } from '../../../../src/api/views/containers.ts';

const bad = (msg: string) => (e: any) => e.kind === 'invalid-parameter' && e.message === msg;
const ps = (filters: object) => parseFilters(JSON.stringify(filters), CONTAINER_LIST_FILTERS);

function rec(id: string, o: { name?: string; created: string; status?: string; exit?: number; labels?: Record<string, string>; health?: string; image?: string; mounts?: any[]; nets?: Record<string, string>; ports?: Record<string, { HostIp: string; HostPort: string }[] | null>; isolation?: string }): ContainerRecord {
  const status = o.status ?? 'running';
  return {
    Id: id.padEnd(64, '0'),
    Name: `/${o.name ?? id}`,
    Created: o.created,
    Image: o.image ?? 'sha256:img',
    Config: { Labels: o.labels ?? {} },
    HostConfig: { Isolation: o.isolation },
    State: { Status: status, Running: status === 'running', ExitCode: o.exit ?? 0, StartedAt: status === 'created' ? '0001-01-01T00:00:00Z' : o.created, Health: o.health ? { Status: o.health } : undefined },
    Mounts: o.mounts ?? [],
    NetworkSettings: { Networks: Object.fromEntries(Object.entries(o.nets ?? { bridge: 'netbridge' }).map(([k, id]) => [k, { NetworkID: id }])), Ports: o.ports ?? {} },
  } as unknown as ContainerRecord;
}

const list = [
  rec('c4', { created: '2026-01-04T00:00:00Z', labels: { app: 'web', tier: 'front' }, health: 'healthy', ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] }, nets: { front: 'netfront1' } }),
  rec('c3', { created: '2026-01-03T00:00:00Z', status: 'exited', exit: 3, labels: { app: 'db' }, mounts: [{ Type: 'volume', Name: 'data', Source: '/v/data', Destination: '/data' }], image: 'sha256:child' }),
  rec('c2', { created: '2026-01-02T00:00:00Z', health: 'unhealthy', ports: { '53/udp': null }, isolation: 'hyperv' }),
  rec('c1', { name: 'first', created: '2026-01-01T00:00:00Z', status: 'created', mounts: [{ Type: 'bind', Source: '/host', Destination: '/mnt' }] }),
];
const deps: ContainerFilterDeps = {
  imageId: (r) => ({ base: 'sha256:img', child: 'sha256:child' } as Record<string, string>)[r],
  imageChildren: (id) => (id === 'sha256:img' ? ['sha256:child'] : []),
  ports: portList,
};
const find = (ref: string) => {
  const c = list.find((x) => x.Id.startsWith(ref) || x.Name === `/${ref}`);
  if (!c) throw Object.assign(new Error(`No such container: ${ref}`), { kind: 'not-found' });
  return c;
};
const ids = (filters: object, o: { all?: boolean; limit?: number } = { all: true }) =>
  filterContainerList(list, ps(filters), { all: !!o.all, limit: o.limit ?? 0, find }, deps).map((c) => c.Id.slice(0, 2));

test('ps accepts exactly Docker\'s keys', () => {
  assert.deepEqual(Object.keys(CONTAINER_LIST_FILTERS).sort(), ['ancestor', 'before', 'exited', 'expose', 'health', 'id', 'is-task', 'isolation', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume']);
  assert.throws(() => ps({ bogus: ['x'] }), bad("invalid filter 'bogus'"));
  assert.throws(() => ps({ 'label!': ['x'] }), bad("invalid filter 'label!'"));
});

test('ps values are checked with Docker\'s messages', () => {
  assert.throws(() => ps({ health: ['bogus'] }), bad("invalid filter 'health=bogus': invalid value for health (bogus): must be one of none, starting, healthy, unhealthy"));
  assert.throws(() => ps({ status: ['up'] }), bad("invalid filter 'status=up': invalid value for state (up): must be one of created, running, paused, restarting, removing, exited, dead"));
  assert.throws(() => ps({ exited: ['x'] }), bad(`invalid filter 'exited=x': strconv.Atoi: parsing "x": invalid syntax`));
  assert.throws(() => ps({ 'is-task': ['maybe'] }), bad("invalid filter 'is-task=[maybe]'"));
  assert.throws(() => ps({ publish: ['1:2'] }), bad("filter for 'publish' should not contain ':': 1:2"));
  assert.throws(() => ps({ expose: ['http'] }), bad(`error while looking up for expose http: strconv.ParseUint: parsing "http": invalid syntax`));
  assert.throws(() => ps({ expose: ['90-80'] }), bad('error while looking up for expose 90-80: invalid range specified for port: 90-80'));
  assert.deepEqual(portSet('publish', '8000-8002/udp'), ['8000/udp', '8001/udp', '8002/udp']);
  assert.deepEqual(portSet('publish', '80'), ['80/tcp']);
  assert.deepEqual(portSet('publish', '80/'), ['80/tcp']);
});

test('without all only running containers, unless a status filter or a limit', () => {
  assert.deepEqual(ids({}, {}), ['c4', 'c2']);
  assert.deepEqual(ids({ status: ['exited'] }, {}), ['c3']);
  assert.deepEqual(ids({}, { limit: 3 }), ['c4', 'c3', 'c2']);
  assert.deepEqual(ids({ exited: ['3'] }, {}), []);
});

test('each ps key selects what Docker selects', () => {
  assert.deepEqual(ids({ id: ['c3'] }), ['c3']);
  assert.deepEqual(ids({ name: ['^first$'] }), ['c1']);
  assert.deepEqual(ids({ name: ['/first'] }), ['c1']);
  assert.deepEqual(ids({ label: ['app'] }), ['c4', 'c3']);
  assert.deepEqual(ids({ label: ['app=web', 'tier'] }), ['c4']);
  assert.deepEqual(ids({ status: ['created', 'exited'] }), ['c3', 'c1']);
  assert.deepEqual(ids({ exited: ['3'] }), ['c3']);
  assert.deepEqual(ids({ exited: ['0'] }), []);
  assert.deepEqual(ids({ health: ['healthy'] }), ['c4']);
  assert.deepEqual(ids({ health: ['none'] }), ['c3', 'c1']);
  assert.deepEqual(ids({ health: ['unhealthy', 'starting'] }), ['c2']);
  assert.deepEqual(ids({ before: ['c3'] }), ['c2', 'c1']);
  assert.deepEqual(ids({ since: ['first'] }), ['c4', 'c3', 'c2']);
  assert.deepEqual(ids({ since: ['c1'], before: ['c4'] }), ['c3', 'c2']);
  assert.throws(() => ids({ before: ['nosuch'] }), /No such container: nosuch/);
  assert.deepEqual(ids({ volume: ['data'] }), ['c3']);
  assert.deepEqual(ids({ volume: ['/data'] }), ['c3']);
  assert.deepEqual(ids({ volume: ['/host'] }), ['c1']);
  assert.deepEqual(ids({ volume: ['/mnt', 'data'] }), ['c3', 'c1']);
  assert.deepEqual(ids({ network: ['front'] }), ['c4']);
  assert.deepEqual(ids({ network: ['netfront'] }), ['c4']);
  assert.deepEqual(ids({ network: ['bridge'] }), ['c3', 'c2', 'c1']);
  assert.deepEqual(ids({ network: ['nosuch'] }), []);
  assert.deepEqual(ids({ publish: ['8080'] }), ['c4']);
  assert.deepEqual(ids({ publish: ['80'] }), []);
  assert.deepEqual(ids({ expose: ['80'] }), ['c4']);
  assert.deepEqual(ids({ expose: ['50-60/udp'] }), ['c2']);
  assert.deepEqual(ids({ ancestor: ['base'] }), ['c4', 'c3', 'c2', 'c1']);
  assert.deepEqual(ids({ ancestor: ['child'] }), ['c3']);
  assert.deepEqual(ids({ ancestor: ['nosuch'] }), []);
  assert.deepEqual(ids({ isolation: ['hyperv'] }), ['c2']);
  assert.deepEqual(ids({ isolation: ['default'] }), ['c4', 'c3', 'c1']);
  assert.deepEqual(ids({ 'is-task': ['true'] }), []);
  assert.deepEqual(ids({ 'is-task': ['false'] }), ['c4', 'c3', 'c2', 'c1']);
});

test('container prune: label, label!, until; refuses the rest', () => {
  assert.deepEqual(Object.keys(CONTAINER_PRUNE_FILTERS).sort(), ['label', 'label!', 'until']);
  const pr = (filters: object) => parseFilters(JSON.stringify(filters), CONTAINER_PRUNE_FILTERS);
  assert.throws(() => pr({ bogus: ['1'] }), bad("invalid filter 'bogus'"));
  assert.throws(() => pr({ until: ['soon'] }), bad('failed to parse value as time or duration: "soon"'));
  assert.throws(() => pr({ until: ['1h', '2h'] }), bad('more than one until filter specified'));
  const now = Date.parse('2026-01-03T12:00:00Z');
  const sel = (filters: object) => list.filter(containerPruneMatcher(pr(filters), now)).map((c) => c.Id.slice(0, 2));
  assert.deepEqual(sel({}), ['c4', 'c3', 'c2', 'c1']);
  assert.deepEqual(sel({ until: ['24h'] }), ['c2', 'c1']);
  assert.deepEqual(sel({ until: ['2026-01-02T00:00:00Z'] }), ['c2', 'c1']);
  assert.deepEqual(sel({ 'label!': ['app'] }), ['c2', 'c1']);
  assert.deepEqual(sel({ label: ['app=db'] }), ['c3']);
  assert.deepEqual(sel({ label: ['app'], 'label!': ['app=web'] }), ['c3']);
});
