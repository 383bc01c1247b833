// End-to-end: hostile and odd CRI calls get containerd 1.6's gRPC codes (and no crash, hang or
// stuck pod): empty, unknown, prefix and ambiguous ids; calls on objects in the wrong state; ExecSync
// timeouts, exit codes and outputs past the 16 MiB cap; missing metadata, reserved names and odd
// characters; host paths that are files, missing or symlinks; sysctls outside the pod's namespaces;
// racing stop/remove/create on one pod; undecodable and oversized messages. Against berthd and,
// with BERTH_CRI_TARGET=containerd, containerd's CRI, with the same expectations.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criE2EWithImage, runPod, codeName, podConfig, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { criServices } from '../../src/cri/proto.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();

/** a rejection with this gRPC code whose message matches */
const rejects = (code: string, msg?: RegExp) => (e: unknown) => {
  assert.equal(codeName(e), code, String((e as grpc.ServiceError).details ?? e));
  if (msg) assert.match(String((e as grpc.ServiceError).details), msg);
  return true;
};

/** Runs a streaming exec URL to its end as client-go's websocket executor does (v4.channel.k8s.io):
 * bytes per output channel, and the final status. */
async function wsExec(url: string): Promise<{ out: number; err: number; status: Msg; text: string }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
  ws.binaryType = 'arraybuffer';
  const r = { out: 0, err: 0, status: undefined as Msg, text: '' };
  ws.onmessage = (ev) => {
    const b = Buffer.from(ev.data as ArrayBuffer);
    if (b[0] === 1) {
      r.out += b.length - 1;
      if (r.text.length < 1000) r.text += b.subarray(1).toString();
    } else if (b[0] === 2) r.err += b.length - 1;
    else if (b[0] === 3) r.status = JSON.parse(b.subarray(1).toString());
  };
  await new Promise<void>((resolve, reject) => {
    ws.onclose = () => resolve();
    ws.onerror = () => reject(new Error(`websocket to ${url} failed`));
  });
  return r;
}

describe(`CRI hostile input (${CRI_TARGET})`, SUITE(skip), () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-hostile-'));
  const c = criE2EWithImage();
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const rt = (m: string, req: Msg, ms?: number) => c.rt.call(m, req, ms);
  const ctr = (name: string, extra: Msg = {}): Msg => ({ metadata: { name, attempt: 0 }, image: { image: c.image }, command: ['sleep', '100000'], ...extra });
  const create = async (p: { id: string; config: Msg }, cfg: Msg) => (await rt('CreateContainer', { pod_sandbox_id: p.id, config: cfg, sandbox_config: p.config })).container_id as string;
  const start = async (p: { id: string; config: Msg }, cfg: Msg) => {
    const id = await create(p, cfg);
    await rt('StartContainer', { container_id: id });
    return id;
  };
  const remove = async (id: string) => {
    await rt('StopPodSandbox', { pod_sandbox_id: id }).catch(() => {});
    await rt('RemovePodSandbox', { pod_sandbox_id: id });
  };

  test('ids: empty is a plain error, unknown is NotFound (removal OK), a unique prefix finds, an ambiguous one is a plain error', T, async () => {
    for (const [m, field] of [['ContainerStatus', 'container_id'], ['StopContainer', 'container_id'], ['RemoveContainer', 'container_id'], ['PodSandboxStatus', 'pod_sandbox_id'], ['StopPodSandbox', 'pod_sandbox_id'], ['RemovePodSandbox', 'pod_sandbox_id'], ['ExecSync', 'container_id']] as const) {
      await assert.rejects(rt(m, { [field]: '', cmd: ['true'] }), rejects('UNKNOWN', /Prefix can't be empty/), `${m} ""`);
    }
    for (const id of ['f'.repeat(64), '../../etc']) {
      for (const m of ['ContainerStatus', 'StartContainer', 'StopContainer', 'ExecSync', 'Exec', 'Attach', 'UpdateContainerResources']) {
        await assert.rejects(rt(m, { container_id: id, cmd: ['true'], stdout: true }), rejects('NOT_FOUND'), `${m} ${id}`);
      }
      for (const m of ['PodSandboxStatus', 'StopPodSandbox', 'PortForward']) await assert.rejects(rt(m, { pod_sandbox_id: id, port: [80] }), rejects('NOT_FOUND'), `${m} ${id}`);
      await assert.rejects(rt('CreateContainer', { pod_sandbox_id: id, config: ctr('x'), sandbox_config: podConfig('x') }), rejects('NOT_FOUND'));
      assert.deepEqual(await rt('RemoveContainer', { container_id: id }), {});
      assert.deepEqual(await rt('RemovePodSandbox', { pod_sandbox_id: id }), {});
    }
    const p = await runPod(c, 'ids');
    try {
      assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: p.id.slice(0, 12) })).status.id, p.id);
      // containers until two share their first hex digit (17 at most)
      const ids: string[] = [];
      let shared = '';
      for (let i = 0; i < 17 && !shared; i++) {
        const id = await create(p, ctr(`c${i}`));
        shared = ids.find((x) => x[0] === id[0])?.[0] ?? '';
        ids.push(id);
      }
      assert.equal((await rt('ContainerStatus', { container_id: ids[0]!.slice(0, 10) })).status.id, ids[0]);
      await assert.rejects(rt('ContainerStatus', { container_id: shared }), rejects('UNKNOWN', /Multiple IDs found with provided prefix/));
    } finally {
      await remove(p.id);
    }
  });

  test('calls on a container or pod in the wrong state get containerd’s codes', T, async () => {
    const p = await runPod(c, 'states');
    try {
      const id = await create(p, ctr('app'));
      for (const m of ['ExecSync', 'Exec', 'Attach']) await assert.rejects(rt(m, { container_id: id, cmd: ['true'], stdout: true }), rejects('UNKNOWN', /container is in CONTAINER_CREATED state/), m);
      await rt('StartContainer', { container_id: id });
      await assert.rejects(rt('StartContainer', { container_id: id }), rejects('UNKNOWN', /container is in CONTAINER_RUNNING state/));
      await rt('StopContainer', { container_id: id, timeout: 0 });
      for (const m of ['ExecSync', 'Exec', 'Attach']) await assert.rejects(rt(m, { container_id: id, cmd: ['true'], stdout: true }), rejects('UNKNOWN', /container is in CONTAINER_EXITED state/), m);
      await assert.rejects(rt('StartContainer', { container_id: id }), rejects('UNKNOWN', /container is in CONTAINER_EXITED state/));
      await rt('StopPodSandbox', { pod_sandbox_id: p.id });
      await assert.rejects(create(p, ctr('late')), rejects('NOT_FOUND'));
      await assert.rejects(rt('PortForward', { pod_sandbox_id: p.id, port: [80] }), rejects('UNKNOWN', /sandbox container is not running/));
      assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: p.id })).status.state, 'SANDBOX_NOTREADY');
    } finally {
      await remove(p.id);
    }
  });

  test('ExecSync: exit codes, a timeout kills the command (DEADLINE_EXCEEDED), output past 16 MiB is RESOURCE_EXHAUSTED, the container exiting ends it', T, async () => {
    const p = await runPod(c, 'execsync');
    // a client that takes answers up to 64 MiB, as the output must be refused by the server
    const big = new (criServices().RuntimeService)(c.t.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20 });
    const bigExec = (req: Msg) => new Promise<Msg>((resolve, reject) => (big as Msg).ExecSync(req, { deadline: Date.now() + 60_000 }, (e: Msg, r: Msg) => (e ? reject(e) : resolve(r))));
    try {
      const id = await start(p, ctr('app'));
      const ex = (cmd: string[], timeout = 0) => rt('ExecSync', { container_id: id, cmd, timeout });
      let r = await ex(['sh', '-c', 'echo out; echo err >&2; exit 7']);
      assert.deepEqual([String(r.stdout), String(r.stderr), r.exit_code], ['out\n', 'err\n', 7]);
      assert.equal((await ex(['sh', '-c', 'kill -9 $$'])).exit_code, 137);
      // no stdin: a reader sees its end at once
      assert.equal(String((await ex(['sh', '-c', 'cat; echo rc=$?'], 10)).stdout), 'rc=0\n');
      await assert.rejects(ex(['/nonexistent']), rejects('UNKNOWN', /no such file or directory/));
      const t0 = Date.now();
      await assert.rejects(ex(['sleep', '4321'], 1), rejects('DEADLINE_EXCEEDED', /timeout 1s exceeded/));
      assert.ok(Date.now() - t0 < 10_000, `answered after ${Date.now() - t0} ms`);
      assert.equal(String((await ex(['sh', '-c', 'ps -o args | grep "^sleep 4321" || true'])).stdout), '', 'the timed-out command was killed');
      r = await bigExec({ container_id: id, cmd: ['sh', '-c', 'head -c 8388608 /dev/zero | tr "\\0" a'] });
      assert.equal(r.stdout.length, 8 << 20);
      for (const cmd of ['head -c 17825792 /dev/zero', 'head -c 41943040 /dev/zero; echo done >&2']) {
        await assert.rejects(bigExec({ container_id: id, cmd: ['sh', '-c', cmd] }), rejects('RESOURCE_EXHAUSTED'), cmd);
      }
      // still answering after those
      assert.equal(String((await ex(['echo', 'ok'])).stdout), 'ok\n');
      const during = ex(['sleep', '60']);
      await new Promise((res) => setTimeout(res, 1000));
      await rt('StopContainer', { container_id: id, timeout: 0 });
      assert.equal((await during).exit_code, 137);
      assert.equal((await rt('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_EXITED');
    } finally {
      big.close();
      await remove(p.id);
    }
  });

  test('streaming Exec: 20 MiB arrive whole, a missing program and a container stopped meanwhile end with a Failure status', T, async () => {
    const p = await runPod(c, 'streamexec');
    try {
      const id = await start(p, ctr('app'));
      const exec = async (cmd: string[]) => wsExec((await rt('Exec', { container_id: id, cmd, stdout: true, stderr: true })).url);
      let r = await exec(['sh', '-c', 'head -c 20971520 /dev/zero; echo e >&2']);
      assert.deepEqual([r.out, r.err, r.status?.status], [20 << 20, 2, 'Success']);
      r = await exec(['/nonexistent']);
      assert.equal(r.status?.status, 'Failure');
      assert.match(r.status.message, /nonexistent/);
      const during = exec(['sh', '-c', 'echo started; sleep 60']);
      await new Promise((res) => setTimeout(res, 1000));
      await rt('StopContainer', { container_id: id, timeout: 0 });
      r = await during;
      assert.equal(r.text, 'started\n');
      assert.equal(r.status?.reason, 'NonZeroExitCode');
      assert.deepEqual(r.status.details.causes, [{ reason: 'ExitCode', message: '137' }]);
    } finally {
      await remove(p.id);
    }
  });

  test('metadata: none is a plain error, a name in use is a reserved name, odd characters come back as sent', T, async () => {
    await c.img.call('PullImage', { image: { image: c.image } });
    await assert.rejects(rt('RunPodSandbox', {}), rejects('UNKNOWN', /sandbox config must include metadata/));
    const noMeta = podConfig('x');
    delete noMeta.metadata;
    await assert.rejects(rt('RunPodSandbox', { config: noMeta }), rejects('UNKNOWN', /sandbox config must include metadata/));
    await assert.rejects(rt('RunPodSandbox', { config: podConfig('h'), runtime_handler: 'no-such-handler' }), rejects('UNKNOWN', /no runtime for "no-such-handler" is configured/));
    for (const name of ['a/b', '..', 'naïve-☃', 'a b', 'x'.repeat(300), '']) {
      const config = podConfig(name);
      config.hostname = 'odd'; // (a hostname has at most 64 bytes)
      const id = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
      try {
        assert.deepEqual((await rt('ListPodSandbox', { filter: { id } })).items.map((i: Msg) => i.metadata), [config.metadata]);
        assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: id })).status.state, 'SANDBOX_READY');
      } finally {
        await remove(id);
      }
    }
    const p = await runPod(c, 'names');
    try {
      await assert.rejects(rt('RunPodSandbox', { config: p.config }), rejects('UNKNOWN', /failed to reserve sandbox name/));
      const odd = await create(p, ctr('a/b c☃'));
      assert.deepEqual((await rt('ContainerStatus', { container_id: odd })).status.metadata, { name: 'a/b c☃', attempt: 0 });
      await assert.rejects(create(p, ctr('a/b c☃')), rejects('UNKNOWN', /failed to reserve container name/));
      await assert.rejects(create(p, { image: { image: c.image } }), rejects('UNKNOWN', /container config must include metadata/));
    } finally {
      await remove(p.id);
    }
  });

  test('mounts: an existing file, a missing path (made a directory), a symlink to a directory', T, async () => {
    const file = path.join(tmp, 'hosts');
    fs.writeFileSync(file, 'a file\n');
    const real = fs.mkdtempSync(path.join(tmp, 'real-'));
    fs.writeFileSync(path.join(real, 'f'), 'through the link\n');
    fs.symlinkSync(real, path.join(tmp, 'link'));
    const missing = path.join(tmp, 'missing', 'deep');
    const p = await runPod(c, 'mounts');
    try {
      const id = await start(p, ctr('app', { mounts: [{ container_path: '/etc/hosts', host_path: file }, { container_path: '/m', host_path: missing }, { container_path: '/l', host_path: path.join(tmp, 'link') }] }));
      const cat = async (f: string) => String((await rt('ExecSync', { container_id: id, cmd: ['cat', f] })).stdout);
      assert.equal(await cat('/etc/hosts'), 'a file\n');
      assert.equal(await cat('/l/f'), 'through the link\n');
      assert.ok(fs.statSync(missing).isDirectory());
    } finally {
      await remove(p.id);
    }
  });

  test('sysctls outside the pod’s namespaces fail the pod’s start as runc refuses them, and leave no pod that is ready', T, async () => {
    await c.img.call('PullImage', { image: { image: c.image } });
    for (const sysctls of [{ 'kernel.panic': '10' }, { 'foo.bar': '1' }]) {
      const config = podConfig('sysctl');
      config.linux.sysctls = sysctls;
      await assert.rejects(rt('RunPodSandbox', { config }), rejects('UNKNOWN', /is not in a separate kernel namespace/));
      for (const i of (await rt('ListPodSandbox', {})).items.filter((x: Msg) => x.metadata.uid === config.metadata.uid)) {
        assert.equal(i.state, 'SANDBOX_NOTREADY');
        await remove(i.id);
      }
    }
    // a negative host port is no mapping (containerd skips it); the int64 maximum memory is no limit
    const p = await runPod(c, 'odd-values', (cfg) => (cfg.port_mappings = [{ container_port: 80, host_port: -5 }]));
    try {
      const id = await start(p, ctr('app', { linux: { resources: { memory_limit_in_bytes: '9223372036854775807' } } }));
      assert.equal((await rt('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_RUNNING');
    } finally {
      await remove(p.id);
    }
  });

  test('UpdateContainerResources: odd values refused (a plain error in containerd, at runc), the container runs on, status shows what was set', T, async () => {
    const p = await runPod(c, 'update');
    try {
      const id = await start(p, ctr('app'));
      const update = (linux: Msg) => rt('UpdateContainerResources', { container_id: id, linux });
      for (const linux of [{ cpu_shares: -5 }, { cpu_period: 10, cpu_quota: 5 }, { cpuset_cpus: 'abc' }, { memory_limit_in_bytes: 4096 }]) {
        // berthd refuses these before runc is asked (INVALID_ARGUMENT); containerd's runc update fails (UNKNOWN)
        await assert.rejects(update(linux), (e) => ['UNKNOWN', 'INVALID_ARGUMENT'].includes(codeName(e)), JSON.stringify(linux));
      }
      await update({ cpu_shares: 512, memory_limit_in_bytes: 64 << 20, memory_swap_limit_in_bytes: 64 << 20 });
      await update({});
      const s = (await rt('ContainerStatus', { container_id: id })).status;
      assert.equal(s.state, 'CONTAINER_RUNNING');
      assert.equal(s.resources.linux.cpu_shares, '512');
      assert.equal(s.resources.linux.memory_limit_in_bytes, String(64 << 20));
      assert.equal(String((await rt('ExecSync', { container_id: id, cmd: ['echo', 'on'] })).stdout), 'on\n');
    } finally {
      await remove(p.id);
    }
  });

  test('racing stop, remove and create on one pod: no container left without its pod, everything removable', T, async () => {
    for (let round = 0; round < 3; round++) {
      const p = await runPod(c, `race${round}`);
      const ids = await Promise.all([0, 1, 2].map((i) => start(p, ctr(`c${i}`))));
      const results = await Promise.allSettled([
        rt('StopPodSandbox', { pod_sandbox_id: p.id }),
        rt('RemovePodSandbox', { pod_sandbox_id: p.id }),
        rt('RemoveContainer', { container_id: ids[0] }),
        rt('StopContainer', { container_id: ids[1], timeout: 5 }),
        create(p, ctr('late')),
        rt('RemovePodSandbox', { pod_sandbox_id: p.id }),
      ]);
      // a call that loses the race: NotFound once the pod is gone, or containerd's plain error for a
      // removal under way (berthd waits for that removal and answers OK); never anything else
      for (const r of results) if (r.status === 'rejected') assert.ok(codeName(r.reason) === 'NOT_FOUND' || (codeName(r.reason) === 'UNKNOWN' && /already in removing state/.test(r.reason.details)), `${codeName(r.reason)} ${r.reason.details}`);
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
      const pods = new Set((await rt('ListPodSandbox', {})).items.map((i: Msg) => i.id));
      for (const x of (await rt('ListContainers', {})).containers as Msg[]) assert.ok(pods.has(x.pod_sandbox_id), `container ${x.metadata.name} listed without its pod`);
      assert.ok(!pods.has(p.id), 'the pod is gone');
    }
    const config = podConfig('same');
    const runs = await Promise.allSettled([0, 1, 2].map(() => rt('RunPodSandbox', { config })));
    const made = runs.filter((r) => r.status === 'fulfilled');
    assert.equal(made.length, 1);
    for (const r of runs) if (r.status === 'rejected') assert.ok(rejects('UNKNOWN', /failed to reserve sandbox name/)(r.reason));
    await remove((made[0] as PromiseFulfilledResult<Msg>).value.pod_sandbox_id);
  });

  test('undecodable, unknown and oversized messages: INTERNAL, UNIMPLEMENTED, RESOURCE_EXHAUSTED; the server goes on', T, async () => {
    const cl = new grpc.Client(c.t.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 << 20 });
    const raw = (method: string, body: Buffer) =>
      new Promise<Buffer>((resolve, reject) => cl.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + 30_000 }, (e, r) => (e ? reject(e) : resolve(r!))));
    try {
      await assert.rejects(raw('/runtime.v1.RuntimeService/Version', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), rejects('INTERNAL'));
      await assert.rejects(raw('/runtime.v1.RuntimeService/RunPodSandbox', Buffer.from([0x0a, 0x50, 0x01])), rejects('INTERNAL'));
      await assert.rejects(raw('/runtime.v1.RuntimeService/ContainerStatus', Buffer.from([0x0d, 0, 0, 0, 0])), rejects('INTERNAL'));
      await assert.rejects(raw('/runtime.v1.RuntimeService/NoSuchMethod', Buffer.alloc(0)), rejects('UNIMPLEMENTED'));
      // an unknown field is skipped, as protobuf does
      assert.ok((await raw('/runtime.v1.RuntimeService/Version', Buffer.from([0xf8, 0x3f, 0x01]))).length > 0);
      const id = Buffer.alloc(17 << 20, 0x61);
      const len: number[] = [];
      for (let n = id.length; ; n = Math.floor(n / 128)) {
        if (n < 128) {
          len.push(n);
          break;
        }
        len.push((n & 127) | 128);
      }
      await assert.rejects(raw('/runtime.v1.RuntimeService/ContainerStatus', Buffer.concat([Buffer.from([0x0a, ...len]), id])), rejects('RESOURCE_EXHAUSTED'));
      assert.ok((await rt('Version', {})).runtime_api_version);
    } finally {
      cl.close();
    }
  });
});
