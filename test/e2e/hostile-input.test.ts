// End-to-end: hostile input to the Engine API. Wrong JSON types, absurd nesting, NUL bytes and
// over-long names get a 4xx with a message that names no host path and no JavaScript error, and
// leave nothing behind; hostile tars sent to cp are refused or contained; a refused upload still
// gets its answer. A bounded fuzz over the create/exec/archive/network/volume bodies: never a 5xx,
// never a state change.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';
import { tarBuffer } from '../helpers/images.ts';

const skip = e2eSkipReason();
const UP = '../'.repeat(12);

interface Answer {
  status: number;
  body: string;
  json?: any;
  error?: string;
}

/** One raw request; never throws for a broken connection (reported in `error`). */
function request(socket: string, method: string, p: string, body?: Buffer | string, type = 'application/json'): Promise<Answer> {
  return new Promise((resolve) => {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request({ socketPath: socket, method, path: p, headers: data ? { 'Content-Type': type, 'Content-Length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body: text, json });
      });
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, body: '', error: e.message }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.end(data);
  });
}

/** No host path of the daemon, and no JavaScript error text, in an answer. */
function assertClean(a: Answer, what: string, roots: string[]): void {
  for (const r of roots) assert.ok(!a.body.includes(r), `${what}: the answer names a host path: ${a.body}`);
  assert.doesNotMatch(a.body, /TypeError|RangeError|Cannot read properties|is not a function|Maximum call stack|Unexpected token|in JSON at position|ENAMETOOLONG|ENOENT/, `${what}: a JavaScript error text: ${a.body}`);
}

describe('hostile input', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const api = (method: string, p: string, body?: Buffer | string, type?: string) => request(t.d.socket, method, p, body, type);
  let roots: string[];
  let running: string;
  /** What a request may change: the lists of containers, volumes, networks, and the running one's execs. */
  const snapshot = async () => {
    const [c, v, n] = await Promise.all([api('GET', '/containers/json?all=1'), api('GET', '/volumes'), api('GET', '/networks')]);
    assert.equal(c.status, 200, c.body);
    return JSON.stringify([c.json.map((x: any) => x.Id).sort(), (v.json.Volumes ?? []).map((x: any) => x.Name).sort(), n.json.map((x: any) => x.Id).sort()]);
  };

  before(async () => {
    roots = [t.d.dataRoot, t.d.execRoot].filter((r) => r && r !== '/');
    running = ok(await dk(['run', '-d', t.image, 'sleep', '1000'])).trim();
  });
  after(async () => {
    await dk(['rm', '-f', running]);
  });

  test('create with wrong JSON types: 400 naming the field, nothing created', T, async () => {
    const img = t.image;
    const bodies: Record<string, unknown>[] = [
      { Image: 5 },
      { Image: img, User: 5 },
      { Image: img, WorkingDir: 5 },
      { Image: img, Env: 'A=1' },
      { Image: img, Labels: { a: 5 } },
      { Image: img, Labels: ['a'] },
      { Image: img, Tty: 'yes' },
      { Image: img, StopTimeout: '10' },
      { Image: img, ExposedPorts: ['80/tcp'] },
      { Image: img, Healthcheck: { Interval: '1s' } },
      { Image: img, HostConfig: 'x' },
      { Image: img, HostConfig: { Ulimits: 'nofile=1' } },
      { Image: img, HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 'x', Hard: 1 }] } },
      { Image: img, HostConfig: { Tmpfs: ['/x'] } },
      { Image: img, HostConfig: { VolumesFrom: 'x' } },
      { Image: img, HostConfig: { Memory: '1g' } },
      { Image: img, HostConfig: { Memory: 1.5 } },
      { Image: img, HostConfig: { Privileged: 1 } },
      { Image: img, HostConfig: { PortBindings: { '80/tcp': 'x' } } },
      { Image: img, HostConfig: { RestartPolicy: { Name: 5 } } },
      { Image: img, HostConfig: { Binds: [5] } },
      { Image: img, NetworkingConfig: { EndpointsConfig: [] } },
    ];
    const before = await snapshot();
    for (const b of bodies) {
      const a = await api('POST', '/containers/create', JSON.stringify(b));
      const what = `create ${JSON.stringify(b)}`;
      // dockerd 20.10 answers 500 with the same "json: cannot unmarshal …" (its decode errors had no
      // status yet); current Docker answers 400, as Berth
      assert.equal(a.status, REAL_DOCKER ? 500 : 400, `${what}: ${a.status} ${a.body}`);
      assert.match(a.json?.message ?? '', /cannot unmarshal/, what);
      assertClean(a, what, roots);
    }
    // a single string for a list of capabilities is Docker's StrSlice: accepted
    const cap = await api('POST', '/containers/create', JSON.stringify({ Image: img, Cmd: ['true'], HostConfig: { CapAdd: 'NET_ADMIN' } }));
    assert.equal(cap.status, 201, cap.body);
    // ... and honoured as the one-element list it stands for
    const capAdd = await dk(['inspect', '-f', '{{json .HostConfig.CapAdd}}', cap.json.Id]);
    assert.equal(capAdd.stdout.trim(), '["NET_ADMIN"]', capAdd.stderr);
    ok(await dk(['rm', cap.json.Id]));
    assert.equal(await snapshot(), before);
  });

  test('nesting 50,000 deep and malformed bodies: 400, nothing created, listings still work', T, async () => {
    const before = await snapshot();
    const deep = `{"Image":"${t.image}","Labels":${'{"a":'.repeat(50_000)}"x"${'}'.repeat(50_000)}}`;
    const a = await api('POST', '/containers/create', deep);
    assert.equal(a.status, REAL_DOCKER ? 500 : 400, a.body);
    assert.match(a.json?.message ?? '', /exceeded max depth/);
    assertClean(a, 'deep labels', roots);
    // deep values where any JSON is allowed (a volume's mount options are free-form in Docker)
    const deepArr = `{"Image":"${t.image}","Volumes":{"/v":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    const b = await api('POST', '/containers/create', deepArr);
    assert.ok(b.status === 400 || (REAL_DOCKER && b.status === 500), `${b.status} ${b.body}`);
    for (const body of ['{', '{"Image":', 'nul', '[1,2]', '"x"', '{"Image": "x", bad json}']) {
      const m = await api('POST', '/containers/create', body);
      // dockerd 20.10 answers 500 for JSON syntax errors; current Docker and Berth 400
      assert.equal(m.status, REAL_DOCKER ? 500 : 400, `${body}: ${m.body}`);
      assertClean(m, body, roots);
    }
    assert.equal(await snapshot(), before);
    const ps = await dk(['ps', '-a']);
    assert.equal(ps.code, 0, ps.stderr);
  });

  test('exec, network and volume bodies with wrong types: 400', T, async () => {
    const before = await snapshot();
    const cases: [string, string][] = [
      [`/containers/${running}/exec`, 'null'],
      [`/containers/${running}/exec`, '{"Cmd":5}'],
      [`/containers/${running}/exec`, '{"Cmd":["true"],"Env":"A=1"}'],
      [`/containers/${running}/exec`, '{"Cmd":["true"],"Tty":"yes"}'],
      [`/containers/${running}/exec`, '[]'],
      ['/networks/create', '{"Name":5}'],
      ['/networks/create', '{"Name":"n1","Labels":[1]}'],
      ['/networks/create', '{"Name":"n1","IPAM":{"Config":"x"}}'],
      ['/networks/create', 'null'],
      ['/volumes/create', '{"Name":5}'],
      ['/volumes/create', '{"Name":"v1","Labels":"x"}'],
      ['/volumes/create', '{"Name":"v1","DriverOpts":[1]}'],
      ['/networks/bridge/connect', '{"Container":5}'],
      ['/networks/bridge/disconnect', '{"Container":[]}'],
    ];
    for (const [p, body] of cases) {
      const a = await api('POST', p, body);
      // dockerd 20.10 answers some of these 500 (decode errors, "invalid name: " for a null network body)
      assert.ok((a.status >= 400 && a.status < 500) || (REAL_DOCKER && a.status === 500), `POST ${p} ${body}: ${a.status} ${a.body}`);
      assertClean(a, `POST ${p} ${body}`, roots);
    }
    assert.equal(await snapshot(), before);
  });

  test('paths and names: NUL bytes, over-long names, "//": 4xx without host paths', T, async () => {
    for (const m of ['GET', 'HEAD', 'PUT']) {
      const a = await api(m, `/containers/${running}/archive?path=%00`, m === 'PUT' ? await tarBuffer([{ name: 'f', content: 'x' }]) : undefined, 'application/x-tar');
      // dockerd 20.10 answers 500 and names its host path here; current Docker and Berth 400 (or 404)
      if (!REAL_DOCKER) assert.ok(a.status === 400 || a.status === 404, `${m} path=NUL: ${a.status} ${a.body}`);
      if (!REAL_DOCKER) assertClean(a, `${m} archive path=NUL`, roots);
    }
    const long = await api('GET', `/containers/${running}/archive?path=/${'a'.repeat(300)}`);
    // dockerd 20.10: 500 "lstat /var/lib/docker/overlay2/…/merged/aaa…: file name too long"
    if (!REAL_DOCKER) {
      assert.ok(long.status === 400 || long.status === 404, `${long.status} ${long.body}`);
      assertClean(long, 'long archive path', roots);
    }

    const vol = await api('POST', '/volumes/create', JSON.stringify({ Name: 'v'.repeat(300) }));
    // dockerd 20.10: 500 "error while creating volume root path '/var/lib/docker/volumes/vvv…': file name too long"
    if (REAL_DOCKER) assert.equal(vol.status, 500);
    else {
      assert.equal(vol.status, 400, vol.body);
      assertClean(vol, 'long volume name', roots);
    }
    const slash = await api('GET', '//');
    // dockerd redirects '//' to '/' (301) then 404s; Berth answers 404 directly
    assert.ok(slash.status === 404 || slash.status === 301, `GET //: ${slash.status}`);
    const slash2 = await api('GET', '//containers/json');
    assert.ok(slash2.status === 404 || slash2.status === 301, `GET //containers/json: ${slash2.status}`);
    assert.equal((await api('GET', '/_ping')).status, 200);
  });

  test('hostile tars for cp in: refused or contained', T, async () => {
    const marker = crypto.randomBytes(8).toString('hex');
    const hostDir = fs.mkdtempSync('/tmp/berth-hostile-');
    fs.writeFileSync(path.join(hostDir, 'secret'), marker);
    try {
      const tars = [
        [{ name: `${UP}${hostDir.slice(1)}/dotdot`, content: 'x' }],
        [{ name: 'hl', type: 'link' as const, linkname: `${UP}${hostDir.slice(1)}/secret` }],
        [{ name: 'hl-abs', type: 'link' as const, linkname: `${hostDir}/secret` }],
        [
          { name: 'sl', type: 'symlink' as const, linkname: hostDir },
          { name: 'sl/through', content: 'x' },
        ],
        [
          { name: 'rel', type: 'symlink' as const, linkname: `${UP}${hostDir.slice(1)}` },
          { name: 'rel/through2', content: 'x' },
        ],
      ];
      for (const entries of tars) {
        const dir = `/t-${crypto.randomBytes(4).toString('hex')}`;
        ok(await dk(['exec', running, 'mkdir', dir]));
        const a = await api('PUT', `/containers/${running}/archive?path=${dir}`, await tarBuffer(entries), 'application/x-tar');
        assert.ok(a.status === 200 || (a.status >= 400 && a.status < 500) || (REAL_DOCKER && a.status === 500), `${entries[0]!.name}: ${a.status} ${a.body}`);
        if (!REAL_DOCKER) assertClean(a, `cp in ${entries[0]!.name}`, roots);
        assert.deepEqual(fs.readdirSync(hostDir), ['secret'], `written on the host by ${JSON.stringify(entries)}`);
        assert.equal(fs.readFileSync(path.join(hostDir, 'secret'), 'utf8'), marker);
        const read = await dk(['exec', running, 'sh', '-c', `cat ${dir}/hl ${dir}/hl-abs 2>/dev/null; true`]);
        assert.ok(!read.stdout.includes(marker), 'a hard link reached a host file');
      }
    } finally {
      fs.rmSync(hostDir, { recursive: true, force: true });
    }
  });

  test('cp in of a bad first entry followed by 20 MB: a proper error answer, no broken pipe', T, async () => {
    const tar = await tarBuffer([
      { name: `${UP}x`, content: 'x' },
      { name: 'big', content: crypto.randomBytes(20 * 1024 * 1024) },
    ]);
    const a = await api('PUT', `/containers/${running}/archive?path=/tmp`, tar, 'application/x-tar');
    assert.equal(a.error, undefined, `the connection broke: ${a.error}`);
    assert.ok(a.status === 200 || (a.status >= 400 && a.status < 500) || (REAL_DOCKER && a.status === 500), `${a.status} ${a.body}`);
    if (a.status !== 200) assert.equal(typeof a.json?.message, 'string', a.body);
    assertClean(a, 'cp in ../x + 20 MB', roots);
  });

  test('bounded fuzz of create/exec/archive/network/volume bodies: never 5xx, no state change', { ...T, timeout: 300_000 }, async () => {
    const seed = Number(process.env.BERTH_FUZZ_SEED ?? 17);
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <X>(xs: X[]): X => xs[Math.floor(rnd() * xs.length)]!;
    const junk = (): unknown => pick<() => unknown>([() => 5, () => -1.5, () => 'x', () => true, () => [], () => ['x', 1], () => ({}), () => ({ a: [{}] }), () => null, () => 'A'.repeat(300), () => 2 ** 70])();
    const fields: Record<string, string[]> = {
      create: ['Image', 'User', 'Cmd', 'Entrypoint', 'Env', 'Labels', 'WorkingDir', 'Tty', 'StopTimeout', 'ExposedPorts', 'Volumes', 'Healthcheck', 'HostConfig', 'NetworkingConfig', 'StopSignal', 'Shell', 'MacAddress'],
      host: ['Binds', 'CapAdd', 'CapDrop', 'Memory', 'CpuShares', 'Ulimits', 'Tmpfs', 'VolumesFrom', 'PortBindings', 'RestartPolicy', 'LogConfig', 'Mounts', 'Devices', 'Sysctls', 'ShmSize', 'Privileged', 'NetworkMode', 'Dns', 'ExtraHosts'],
      exec: ['Cmd', 'Env', 'Tty', 'User', 'WorkingDir', 'Privileged', 'AttachStdout', 'DetachKeys'],
      network: ['Name', 'Driver', 'Internal', 'IPAM', 'Labels', 'Options', 'EnableIPv6'],
      volume: ['Name', 'Driver', 'DriverOpts', 'Labels'],
    };
    const before = await snapshot();
    const counts: Record<string, number> = {};
    const N = Number(process.env.BERTH_FUZZ_N ?? 60);
    for (let i = 0; i < N; i++) {
      // each body has one field of a wrong type; the rest is valid (so the wrong one is what is judged)
      const create: Record<string, unknown> = { Image: t.image, Cmd: ['true'] };
      const kind = pick(['create', 'host', 'exec', 'network', 'volume', 'archive']);
      let p: string;
      let body: string | Buffer;
      let method = 'POST';
      if (kind === 'create' || kind === 'host') {
        const f = pick(fields[kind]!);
        const v = junk();
        if (kind === 'create') create[f] = v;
        else create.HostConfig = { [f]: v };
        p = '/containers/create';
        body = JSON.stringify(create);
      } else if (kind === 'exec') {
        p = `/containers/${running}/exec`;
        body = JSON.stringify({ Cmd: ['true'], [pick(fields.exec!)]: junk() });
      } else if (kind === 'network') {
        p = '/networks/create';
        body = JSON.stringify({ Name: `fz${i}`, [pick(fields.network!)]: junk() });
      } else if (kind === 'volume') {
        p = '/volumes/create';
        body = JSON.stringify({ Name: `fz${i}`, [pick(fields.volume!)]: junk() });
      } else {
        method = pick(['GET', 'HEAD', 'PUT']);
        const weird = pick(['%00', '/..%00', '/' + 'b'.repeat(5000), '/nonexist/x', '%2F..%2F..%2F..%2Fetc', '']);
        p = `/containers/${running}/archive?path=${weird}`;
        body = method === 'PUT' ? crypto.randomBytes(Math.floor(rnd() * 2048)) : '';
      }
      const a = await api(method, p, method === 'GET' || method === 'HEAD' ? undefined : body, kind === 'archive' ? 'application/x-tar' : 'application/json');
      counts[a.status] = (counts[a.status] ?? 0) + 1;
      const what = `${method} ${p} ${typeof body === "string" ? body.slice(0, 200) + body.slice(-200) : `<${body.length} bytes>`}`;
      if (a.status >= 200 && a.status < 300) {
        // valid after all (e.g. null for a field, a string for a StrSlice): undo so the state compares
        if (a.json?.Id && p === '/containers/create') await dk(['rm', '-f', '-v', a.json.Id]);
        else if (a.json?.Id && p === '/networks/create') ok(await dk(['network', 'rm', a.json.Id]), 'network rm');
        else if (a.json?.Name && p === '/volumes/create') ok(await dk(['volume', 'rm', a.json.Name]), 'volume rm');
        assert.deepEqual(JSON.parse(await snapshot()), JSON.parse(before), `${what} (${a.status} ${a.body.trim()}): undoing it left state behind`);
        continue;
      }
      // dockerd 20.10 answers some of these 500 (JSON it cannot decode, path errors); Berth never
      if (!REAL_DOCKER) assert.ok(a.status >= 400 && a.status < 500, `${what}: ${a.status} ${a.body}`);
      if (!REAL_DOCKER) assertClean(a, what, roots);
      // a refused request leaves nothing behind
      assert.deepEqual(JSON.parse(await snapshot()), JSON.parse(before), `${what} (${a.status} ${a.body.trim()}) changed the state`);
    }
    assert.deepEqual(JSON.parse(await snapshot()), JSON.parse(before), `state changed (statuses: ${JSON.stringify(counts)})`);
  });
});
