// End-to-end: filters are applied or refused, never dropped. Every key of docker ps, images,
// network ls, volume ls and events selects what Docker selects; every prune keeps what its
// filter excludes (label!=, until, label=); malformed JSON, unknown keys and bad values are a
// 400 that changes nothing. Run against berthd and, with BERTH_E2E_DAEMON=dockerd, Debian's
// dockerd 20.10 (the places where 20.10 differs from current Docker are marked REAL_DOCKER).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq, curl, waitFor } from '../helpers/util.ts';

const skip = e2eSkipReason();
const q = (filters: unknown) => `filters=${encodeURIComponent(typeof filters === 'string' ? filters : JSON.stringify(filters))}`;
const lines = (s: string) => s.split('\n').filter(Boolean);
const distinct = (s: string) => [...new Set(lines(s))];

describe('filters', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const api = (method: string, p: string) => curl(t.d.socket, method, p);
  /** docker ps -a --no-trunc -q, names instead of ids, in the suite's scope */
  const psNames = async (suite: string, ...filters: string[]) =>
    lines(ok(await dk(['ps', '-a', '--format', '{{.Names}}', '--filter', `label=suite=${suite}`, ...filters.flatMap((f) => ['--filter', f])]))).sort();
  const exists = async (kind: string, name: string) => (await dk([kind, 'inspect', name])).code === 0;

  test('ps: id, name, label, status, exited, before, since, is-task, isolation', T, async () => {
    const s = uniq('ps');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `${s}-${x}`);
    assert.equal((await dk(['run', '--name', a, '--label', `suite=${s}`, '--label', 'role=x', t.image, 'sh', '-c', 'exit 3'])).code, 3);
    ok(await dk(['create', '--name', b, '--label', `suite=${s}`, t.image, 'true']));
    ok(await dk(['run', '--name', c, '--label', `suite=${s}`, '--label', 'role=y', t.image, 'true']));
    ok(await dk(['run', '-d', '--name', d, '--label', `suite=${s}`, t.image, 'sleep', '100']));
    const idA = ok(await dk(['inspect', '-f', '{{.Id}}', a])).trim();
    assert.deepEqual(await psNames(s, `id=${idA.slice(0, 12)}`), [a]);
    assert.deepEqual(await psNames(s, `name=${s}-[ab]`), [a, b]);
    assert.deepEqual(await psNames(s, `name=^/?${c}$`), [c]);
    assert.deepEqual(await psNames(s, 'label=role'), [a, c]);
    assert.deepEqual(await psNames(s, 'label=role=y'), [c]);
    assert.deepEqual(await psNames(s, 'status=created'), [b]);
    assert.deepEqual(await psNames(s, 'status=exited'), [a, c]);
    assert.deepEqual(await psNames(s, 'status=running'), [d]);
    assert.deepEqual(await psNames(s, 'status=created', 'status=running'), [b, d]);
    assert.deepEqual(await psNames(s, 'exited=3'), [a]);
    assert.deepEqual(await psNames(s, 'exited=0'), [c]);
    // a status filter lists stopped containers without -a; exited does not
    assert.deepEqual(lines(ok(await dk(['ps', '--format', '{{.Names}}', '--filter', `label=suite=${s}`, '--filter', 'status=exited']))).sort(), [a, c]);
    assert.deepEqual(lines(ok(await dk(['ps', '--format', '{{.Names}}', '--filter', `label=suite=${s}`, '--filter', 'exited=3']))), []);
    assert.deepEqual(await psNames(s, `since=${a}`), [b, c, d]);
    assert.deepEqual(await psNames(s, `before=${d}`), [a, b, c]);
    assert.deepEqual(await psNames(s, `since=${a}`, `before=${d}`), [b, c]);
    // 20.10: "no such container NAME"; current Docker (and Berth): "No such container: NAME"
    assert.match((await dk(['ps', '-a', '--filter', `before=${s}-nosuch`])).stderr, REAL_DOCKER ? /no such container / : /No such container: /);
    // no swarm: no container is a task
    assert.deepEqual(await psNames(s, 'is-task=true'), []);
    assert.deepEqual(await psNames(s, 'is-task=false'), [a, b, c, d]);
    // every container here runs with the default isolation (dockerd on Linux ignores the key)
    assert.deepEqual(await psNames(s, 'isolation=default'), [a, b, c, d]);
    ok(await dk(['rm', '-f', a, b, c, d]));
  });

  test('ps: health, volume, network, publish, expose, ancestor', T, async () => {
    const s = uniq('ps2');
    const net = uniq('net');
    const vol = uniq('vol');
    const [healthy, sick, starting, plain] = ['healthy', 'sick', 'starting', 'plain'].map((x) => `${s}-${x}`);
    const l = ['--label', `suite=${s}`];
    ok(await dk(['network', 'create', net]));
    ok(await dk(['run', '-d', '--name', healthy, ...l, '--health-cmd', 'true', '--health-interval', '300ms', '-p', '127.0.0.1::80', t.image, 'sleep', '100']));
    ok(await dk(['run', '-d', '--name', sick, ...l, '--health-cmd', 'false', '--health-interval', '300ms', '--health-retries', '1', '--expose', '81/udp', t.image, 'sleep', '100']));
    ok(await dk(['run', '-d', '--name', starting, ...l, '--health-cmd', 'true', '--health-interval', '1h', '--network', net, t.image, 'sleep', '100']));
    ok(await dk(['run', '-d', '--name', plain, ...l, '-v', `${vol}:/data`, '-v', '/scratch', t.image, 'sleep', '100']));
    await waitFor(async () => (await psNames(s, 'health=healthy')).length === 1 && (await psNames(s, 'health=unhealthy')).length === 1, 'health states');
    assert.deepEqual(await psNames(s, 'health=healthy'), [healthy]);
    assert.deepEqual(await psNames(s, 'health=unhealthy'), [sick]);
    assert.deepEqual(await psNames(s, 'health=starting'), [starting]);
    assert.deepEqual(await psNames(s, 'health=none'), [plain]);
    assert.deepEqual(await psNames(s, `volume=${vol}`), [plain]);
    assert.deepEqual(await psNames(s, 'volume=/scratch'), [plain]);
    assert.deepEqual(await psNames(s, 'volume=/nowhere'), []);
    assert.deepEqual(await psNames(s, `network=${net}`), [starting]);
    const netId = ok(await dk(['network', 'inspect', '-f', '{{.Id}}', net])).trim();
    assert.deepEqual(await psNames(s, `network=${netId.slice(0, 10)}`), [starting]);
    assert.deepEqual(await psNames(s, 'network=bridge'), [healthy, plain, sick].sort());
    const hostPort = ok(await dk(['port', healthy, '80/tcp'])).trim().split(':').pop()!;
    assert.deepEqual(await psNames(s, `publish=${hostPort}`), [healthy]);
    assert.deepEqual(await psNames(s, `publish=${hostPort}/udp`), []);
    assert.deepEqual(await psNames(s, 'expose=80'), [healthy]);
    assert.deepEqual(await psNames(s, 'expose=81/udp'), [sick]);
    assert.deepEqual(await psNames(s, 'expose=70-90/udp'), [sick]);
    assert.deepEqual(await psNames(s, `ancestor=${t.image}`), [healthy, plain, sick, starting].sort());
    assert.deepEqual(await psNames(s, 'ancestor=no-such-image'), []);
    // a container of an image committed from the test image counts as the test image's descendant
    const child = `${s}-child`;
    const img = `${s}-img:1`;
    ok(await dk(['commit', plain, img]));
    ok(await dk(['create', '--name', child, ...l, img, 'true']));
    assert.deepEqual(await psNames(s, `ancestor=${img}`), [child]);
    assert.ok((await psNames(s, `ancestor=${t.image}`)).includes(child));
    ok(await dk(['rm', '-f', '-v', healthy, sick, starting, plain, child]));
    ok(await dk(['rmi', img]));
    ok(await dk(['network', 'rm', net]));
    ok(await dk(['volume', 'rm', vol]));
  });

  test('images, network ls and volume ls: every key', T, async () => {
    const s = uniq('ls');
    const box = `${s}-box`;
    ok(await dk(['create', '--name', box, t.image, 'true']));
    const tagged = `${s}-img:1`;
    ok(await dk(['commit', '--change', `LABEL suite=${s}`, box, tagged]));
    const danglingId = ok(await dk(['commit', '--change', `LABEL suite=${s}`, '--change', 'LABEL loose=1', box])).trim();
    const imgs = async (...f: string[]) => lines(ok(await dk(['images', '-q', '--no-trunc', '--filter', `label=suite=${s}`, ...f.flatMap((x) => ['--filter', x])]))).sort();
    const taggedId = ok(await dk(['image', 'inspect', '-f', '{{.Id}}', tagged])).trim();
    assert.deepEqual(await imgs(), [danglingId, taggedId].sort());
    assert.deepEqual(await imgs('dangling=true'), [danglingId]);
    assert.deepEqual(await imgs('dangling=false'), [taggedId]);
    assert.deepEqual(await imgs('label=loose=1'), [danglingId]);
    assert.deepEqual(await imgs(`reference=${s}-img`), [taggedId]);
    assert.deepEqual(await imgs(`reference=${s}-*:1`), [taggedId]);
    if (REAL_DOCKER) {
      // images --filter until came with Docker 25; 20.10 refuses the key
      assert.match((await dk(['images', '--filter', 'until=1h'])).stderr, /Invalid filter 'until'/);
    } else {
      assert.deepEqual(await imgs('until=1h'), []);
      assert.deepEqual(await imgs(`until=${Math.floor(Date.now() / 1000) + 60}`), [danglingId, taggedId].sort());
    }
    assert.deepEqual(await imgs(`since=${t.image}`), [danglingId, taggedId].sort());
    assert.deepEqual(await imgs(`before=${t.image}`), []);

    const [n1, n2] = [`${s}-n1`, `${s}-n2`];
    ok(await dk(['network', 'create', '--label', `suite=${s}`, '--label', 'tier=front', n1]));
    ok(await dk(['network', 'create', '--label', `suite=${s}`, n2]));
    ok(await dk(['run', '-d', '--name', `${s}-user`, '--network', n1, t.image, 'sleep', '100']));
    const nets = async (...f: string[]) => lines(ok(await dk(['network', 'ls', '--format', '{{.Name}}', ...f.flatMap((x) => ['--filter', x])]))).sort();
    const n2Id = ok(await dk(['network', 'inspect', '-f', '{{.Id}}', n2])).trim();
    assert.deepEqual(await nets(`label=suite=${s}`), [n1, n2]);
    assert.deepEqual(await nets('label=tier=front'), [n1]);
    assert.deepEqual(await nets(`name=^${s}-n2$`), [n2]);
    assert.deepEqual(await nets(`id=${n2Id.slice(0, 12)}`), [n2]);
    assert.deepEqual(await nets('driver=host'), ['host']);
    assert.deepEqual(await nets('type=builtin'), ['bridge', 'host', 'none']);
    assert.deepEqual(await nets('type=custom', `label=suite=${s}`), [n1, n2]);
    assert.deepEqual(await nets('scope=local', `label=suite=${s}`), [n1, n2]);
    assert.deepEqual(await nets('scope=swarm'), []);
    if (REAL_DOCKER) {
      // 20.10 (and up to Docker 28) looked for containers in a list it never filled, so every user
      // network counted as dangling; moby fixed it in 2025 (HasContainerAttachments), as Berth does it
      assert.deepEqual(await nets('dangling=true', `label=suite=${s}`), [n1, n2]);
    } else {
      assert.deepEqual(await nets('dangling=true', `label=suite=${s}`), [n2]);
      assert.deepEqual(await nets('dangling=false', `label=suite=${s}`), [n1]);
    }

    const [v1, v2] = [`${s}-v1`, `${s}-v2`];
    ok(await dk(['volume', 'create', '--label', `suite=${s}`, '--label', 'keep=yes', v1]));
    ok(await dk(['volume', 'create', '--label', `suite=${s}`, v2]));
    ok(await dk(['run', '-d', '--name', `${s}-vuser`, '-v', `${v1}:/d`, t.image, 'sleep', '100']));
    const vols = async (...f: string[]) => lines(ok(await dk(['volume', 'ls', '-q', ...f.flatMap((x) => ['--filter', x])]))).sort();
    assert.deepEqual(await vols(`label=suite=${s}`), [v1, v2]);
    assert.deepEqual(await vols('label=keep=yes'), [v1]);
    assert.deepEqual(await vols(`name=${s}-v2`), [v2]);
    assert.deepEqual(await vols(`name=^${s}-v`), [v1, v2]);
    assert.deepEqual(await vols('driver=local', `label=suite=${s}`), [v1, v2]);
    assert.deepEqual(await vols('driver=nfs'), []);
    assert.deepEqual(await vols('dangling=true', `label=suite=${s}`), [v2]);
    assert.deepEqual(await vols('dangling=false', `label=suite=${s}`), [v1]);

    ok(await dk(['rm', '-f', box, `${s}-user`, `${s}-vuser`]));
    ok(await dk(['rmi', tagged, danglingId]));
    ok(await dk(['network', 'rm', n1, n2]));
    ok(await dk(['volume', 'rm', v1, v2]));
  });

  test('events: container, image, network, volume, type, event, label, scope, daemon', T, async () => {
    const s = uniq('ev');
    const since = Math.floor(Date.now() / 1000) - 1;
    const net = `${s}-net`;
    const vol = `${s}-vol`;
    const c = `${s}-c`;
    ok(await dk(['network', 'create', net]));
    ok(await dk(['volume', 'create', vol]));
    ok(await dk(['run', '--name', c, '--label', `suite=${s}`, '--network', net, '-v', `${vol}:/d`, t.image, 'true']));
    ok(await dk(['rm', c]));
    ok(await dk(['network', 'rm', net]));
    ok(await dk(['volume', 'rm', vol]));
    const until = Math.floor(Date.now() / 1000) + 1;
    // (dockerd repeats a volume's create event when a container's -v names it; only distinct events are compared)
    const ev = async (...f: string[]) =>
      distinct(ok(await dk(['events', '--since', String(since), '--until', String(until), '--format', '{{.Type}} {{.Action}}', ...f.flatMap((x) => ['--filter', x])])));
    // (create and destroy: Berth does not yet report the connect/disconnect and mount/unmount of a container's start and stop)
    assert.deepEqual(await ev(`network=${net}`, 'event=create', 'event=destroy'), ['network create', 'network destroy']);
    assert.deepEqual(await ev(`volume=${vol}`, 'event=create', 'event=destroy'), ['volume create', 'volume destroy']);
    assert.deepEqual(await ev(`container=${c}`, 'event=start'), ['container start']);
    assert.deepEqual(await ev(`label=suite=${s}`, 'event=create'), ['container create']);
    assert.deepEqual(await ev(`container=${c}`, 'type=network'), []);
    assert.deepEqual(await ev(`network=${net}`, 'type=network', 'event=destroy'), ['network destroy']);
    assert.deepEqual(await ev(`network=${net}`, 'type=volume'), []);
    assert.ok((await ev(`image=${t.image}`, `container=${c}`)).includes('container start'));
    assert.ok((await ev('scope=local', `volume=${vol}`)).length > 0);
    assert.deepEqual(await ev('scope=swarm', `volume=${vol}`), []);
    assert.deepEqual(await ev('daemon=nosuchdaemon', `volume=${vol}`), []);
  });

  test('container prune keeps what label!=, label= and until exclude, and reports what it removed', T, async () => {
    const s = uniq('cp');
    const [keep, old, young, big] = ['keep', 'old', 'young', 'big'].map((x) => `${s}-${x}`);
    ok(await dk(['run', '--name', keep, '--label', 'keep=1', t.image, 'true']));
    ok(await dk(['run', '--name', young, t.image, 'true']));
    ok(await dk(['run', '-d', '--name', old, t.image, 'sleep', '100']));
    ok(await dk(['run', '--name', big, '--label', `suite=${s}`, t.image, 'dd', 'if=/dev/zero', 'of=/blob', 'bs=1024', 'count=300']));
    // until=24h: everything here is younger, so nothing goes
    const r0 = (await api('POST', `/containers/prune?${q({ until: ['24h'] })}`)).json;
    assert.equal(r0.ContainersDeleted, null);
    for (const c of [keep, young, big]) assert.ok(await exists('container', c), c);
    // label=suite=S: only the big one, with the space its layer held
    const r1 = (await api('POST', `/containers/prune?${q({ label: [`suite=${s}`] })}`)).json;
    const bigGone = r1.ContainersDeleted as string[];
    assert.equal(bigGone.length, 1);
    assert.ok(r1.SpaceReclaimed >= 300 * 1024, `reclaimed ${r1.SpaceReclaimed}`);
    assert.equal(await exists('container', big), false);
    // label!=keep: the unlabelled stopped one goes, the labelled and the running stay
    const youngId = ok(await dk(['inspect', '-f', '{{.Id}}', young])).trim();
    const out = ok(await dk(['container', 'prune', '-f', '--filter', 'label!=keep']));
    assert.ok(out.includes(youngId), out);
    assert.equal(await exists('container', young), false);
    assert.ok(await exists('container', keep));
    assert.ok(await exists('container', old));
    ok(await dk(['rm', '-f', keep, old]));
  });

  test('image prune keeps what label!= and until exclude', T, async () => {
    const s = uniq('ip');
    const box = `${s}-box`;
    ok(await dk(['create', '--name', box, t.image, 'true']));
    const kept = ok(await dk(['commit', '--change', 'LABEL keep=1', box])).trim();
    const loose = ok(await dk(['commit', '--change', `LABEL suite=${s}`, box])).trim();
    ok(await dk(['rm', box]));
    // until=1h: both are younger
    const r0 = (await api('POST', `/images/prune?${q({ until: ['1h'] })}`)).json;
    assert.equal(r0.ImagesDeleted, null);
    assert.ok(await exists('image', kept));
    assert.ok(await exists('image', loose));
    const r = (await api('POST', `/images/prune?${q({ 'label!': ['keep'] })}`)).json;
    assert.ok(r.ImagesDeleted.some((d: { Deleted?: string }) => d.Deleted === loose), JSON.stringify(r));
    assert.ok(!r.ImagesDeleted.some((d: { Deleted?: string }) => d.Deleted === kept), JSON.stringify(r));
    assert.ok(await exists('image', kept));
    assert.equal(await exists('image', loose), false);
    assert.ok(await exists('image', t.image), 'the tagged test image stays');
    ok(await dk(['rmi', kept]));
  });

  test('network prune keeps what label!=, label= and until exclude', T, async () => {
    const s = uniq('np');
    const [keep, young, used, labelled] = ['keep', 'young', 'used', 'lab'].map((x) => `${s}-${x}`);
    ok(await dk(['network', 'create', '--label', 'keep=1', keep]));
    ok(await dk(['network', 'create', young]));
    ok(await dk(['network', 'create', used]));
    ok(await dk(['network', 'create', '--label', `suite=${s}`, labelled]));
    ok(await dk(['run', '-d', '--name', `${s}-c`, '--network', used, t.image, 'sleep', '100']));
    const r0 = (await api('POST', `/networks/prune?${q({ until: ['1h'] })}`)).json;
    assert.equal(r0.NetworksDeleted, null);
    const r1 = (await api('POST', `/networks/prune?${q({ label: [`suite=${s}`] })}`)).json;
    assert.deepEqual(r1.NetworksDeleted, [labelled]);
    const r2 = (await api('POST', `/networks/prune?${q({ 'label!': ['keep'] })}`)).json;
    assert.deepEqual(r2.NetworksDeleted, [young]);
    for (const n of [keep, used, 'bridge']) assert.ok(await exists('network', n), n);
    ok(await dk(['rm', '-f', `${s}-c`]));
    ok(await dk(['network', 'rm', keep, used]));
  });

  test('volume prune keeps named volumes (unless all), what label!= excludes, and volumes in use', T, async () => {
    const s = uniq('vp');
    const [keep, named, used] = ['keep', 'named', 'used'].map((x) => `${s}-${x}`);
    ok(await dk(['volume', 'create', '--label', 'keep=1', keep]));
    ok(await dk(['volume', 'create', named]));
    ok(await dk(['run', '-d', '--name', `${s}-c`, '-v', `${used}:/u`, t.image, 'sleep', '100']));
    ok(await dk(['run', '--name', `${s}-anon`, '-v', '/scratch', t.image, 'sh', '-c', 'dd if=/dev/zero of=/scratch/f bs=1024 count=200']));
    const anon = ok(await dk(['inspect', '-f', '{{range .Mounts}}{{.Name}}{{end}}', `${s}-anon`])).trim();
    ok(await dk(['rm', `${s}-anon`]));
    if (REAL_DOCKER) {
      // dockerd 20.10 (API 1.41) knows no `all`: its prune takes every unused volume, named ones too.
      // Since API 1.42 (current Docker, Berth) it takes anonymous ones unless all=true.
      const r = (await api('POST', `/volumes/prune?${q({ 'label!': ['keep'] })}`)).json;
      assert.deepEqual([...r.VolumesDeleted].sort(), [anon, named].sort());
      assert.ok(r.SpaceReclaimed >= 200 * 1024);
    } else {
      const r0 = (await api('POST', `/volumes/prune?${q({ 'label!': ['keep'] })}`)).json;
      assert.deepEqual(r0.VolumesDeleted, [anon]);
      assert.ok(r0.SpaceReclaimed >= 200 * 1024, `reclaimed ${r0.SpaceReclaimed}`);
      assert.ok(await exists('volume', named));
      const r1 = (await api('POST', `/volumes/prune?${q({ all: ['true'], 'label!': ['keep'] })}`)).json;
      assert.deepEqual(r1.VolumesDeleted, [named]);
    }
    for (const v of [keep, used]) assert.ok(await exists('volume', v), v);
    assert.equal(await exists('volume', named), false);
    ok(await dk(['rm', '-f', `${s}-c`]));
    ok(await dk(['volume', 'rm', keep, used]));
  });

  test('build cache prune keeps what until excludes', T, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bp-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${t.image}\nRUN echo ${uniq('step')} > /x\n`);
      const classic = { env: { DOCKER_BUILDKIT: '0' } };
      const tag = `${uniq('bp')}:1`;
      ok(await dk(['build', '-t', tag, dir], classic));
      // the entry was just used: until=1h keeps it, and the next build still hits the cache
      // (through the API: the berth CLI has no builder prune yet)
      const kept = await api('POST', `/build/prune?${q({ until: ['1h'] })}`);
      assert.equal(kept.status, 200, kept.body);
      assert.match(ok(await dk(['build', '-t', tag, dir], classic)), /Using cache/);
      // Docker's BuildKit drops cache filter keys it does not know; Berth refuses them
      const r = await api('POST', `/build/prune?${q({ inuse: ['true'] })}`);
      if (REAL_DOCKER) assert.equal(r.status, 200, r.body);
      else assert.deepEqual([r.status, r.json.message], [400, "invalid filter 'inuse'"]);
      const bad = await api('POST', `/build/prune?${q({ until: ['soon'] })}`);
      // 20.10 took durations only and answered a bad one with a 500; current Docker takes timestamps too (400)
      assert.equal(bad.status, REAL_DOCKER ? 500 : 400, bad.body);
      assert.match(bad.json.message, REAL_DOCKER ? /"until" filter expects a duration \(e\.g\., '24h'\): time: invalid duration "soon"/ : /^"until" filter expects a duration \(e\.g\., '24h'\) or a timestamp: failed to parse value as time or duration: "soon"$/);
      assert.match(ok(await dk(['build', '-t', tag, dir], classic)), /Using cache/);
      ok(await dk(['rmi', tag]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad filters: malformed JSON, unknown keys and bad values are a 400 that changes nothing', T, async () => {
    const s = uniq('bad');
    const c = `${s}-c`;
    const n = `${s}-n`;
    const v = `${s}-v`;
    ok(await dk(['create', '--name', c, t.image, 'true']));
    ok(await dk(['network', 'create', n]));
    ok(await dk(['volume', 'create', v]));
    const box = ok(await dk(['commit', c])).trim();
    // current Docker answers malformed filter JSON with "invalid filter"; 20.10 passed on Go's JSON error as a 500
    const malformed = async (method: string, p: string) => {
      const r = await api(method, `${p}?${q('{"label":')}`);
      if (REAL_DOCKER) assert.ok(r.status >= 400, `${p}: ${r.status}`);
      else assert.deepEqual([r.status, r.json?.message], [400, 'invalid filter'], p);
    };
    // unknown keys: 20.10 spelled the message "Invalid filter", current Docker "invalid filter"
    const unknown = async (method: string, p: string) => {
      const r = await api(method, `${p}?${q({ bogus: ['1'] })}`);
      assert.equal(r.status, 400, `${p}: ${r.body}`);
      assert.match(r.json.message, /^[Ii]nvalid filter 'bogus'$/, p);
    };
    const endpoints: [string, string][] = [
      ['GET', '/containers/json'], ['GET', '/images/json'], ['GET', '/networks'], ['GET', '/volumes'],
      ['POST', '/containers/prune'], ['POST', '/images/prune'], ['POST', '/networks/prune'], ['POST', '/volumes/prune'],
    ];
    for (const [m, p] of endpoints) {
      await malformed(m, p);
      await unknown(m, p);
    }
    // Docker does not check the keys of /events (it drops unknown ones); Berth refuses them up front
    if (!REAL_DOCKER) await unknown('GET', `/events`);
    const value = async (method: string, p: string, filters: object, status: number, re: RegExp) => {
      const r = await api(method, `${p}?${q(filters)}`);
      assert.equal(r.status, status, `${p} ${JSON.stringify(filters)}: ${r.body}`);
      assert.match(r.json.message, re);
    };
    // 20.10: "Unrecognised filter value for health: bogus"; current Docker names the valid ones
    await value('GET', '/containers/json', { health: ['bogus'] }, 400, REAL_DOCKER ? /^Unrecognised filter value for health: bogus$/ : /^invalid filter 'health=bogus': invalid value for health \(bogus\): must be one of none, starting, healthy, unhealthy$/);
    await value('GET', '/containers/json', { status: ['up'] }, 400, /[Ii]nvalid filter 'status=up'/);
    // 20.10 answered a bad exit code with a bare 500 "strconv.Atoi: ..."; current Docker wraps it as a 400
    await value('GET', '/containers/json', { exited: ['x'] }, REAL_DOCKER ? 500 : 400, REAL_DOCKER ? /^strconv.Atoi: parsing "x": invalid syntax$/ : /^invalid filter 'exited=x': strconv.Atoi: parsing "x": invalid syntax$/);
    await value('GET', '/containers/json', { 'is-task': ['maybe'] }, 400, /[Ii]nvalid filter 'is-task/);
    await value('GET', '/containers/json', { 'label!': ['x'] }, 400, /^[Ii]nvalid filter 'label!'$/);
    // Docker leaves these unclassified (a 500); Berth says the same as the 400 it is
    await value('GET', '/containers/json', { publish: ['1:2'] }, REAL_DOCKER ? 500 : 400, /^filter for 'publish' should not contain ':': 1:2$/);
    await value('GET', '/containers/json', { expose: ['http'] }, REAL_DOCKER ? 500 : 400, /^error while looking up for expose http: strconv.ParseUint: parsing "http": invalid syntax$/);
    await value('GET', '/networks', { dangling: ['maybe'] }, 400, /^invalid value for filter 'dangling', must be "true" \(or "1"\), or "false" \(or "0"\)$/);
    await value('GET', '/volumes', { dangling: ['maybe'] }, 400, /[Ii]nvalid filter 'dangling/);
    await value('GET', '/images/json', { dangling: ['maybe'] }, 400, /[Ii]nvalid filter 'dangling/);
    // 20.10 left these unclassified (a 500); current Docker marks them invalid parameters (400)
    for (const p of ['/containers/prune', '/networks/prune', '/images/prune']) {
      await value('POST', p, { until: ['soon'] }, REAL_DOCKER ? 500 : 400, /^failed to parse value as time or duration: "soon"$/);
      await value('POST', p, { until: ['1h', '2h'] }, REAL_DOCKER ? 500 : 400, /^more than one until filter specified$/);
    }
    if (!REAL_DOCKER) {
      // volume prune's `all` came with API 1.42 (20.10 refuses the key itself)
      await value('POST', '/volumes/prune', { all: ['maybe'] }, 400, /^invalid filter 'all': strconv.ParseBool: parsing "maybe": invalid syntax$/);
    }
    // nothing was pruned by any of these
    assert.ok(await exists('container', c));
    assert.ok(await exists('network', n));
    assert.ok(await exists('volume', v));
    assert.ok(await exists('image', box));
    ok(await dk(['rm', c]));
    ok(await dk(['rmi', box]));
    ok(await dk(['network', 'rm', n]));
    ok(await dk(['volume', 'rm', v]));
  });
});
