// End-to-end: the CRI's streaming Exec — the URL the runtime answers, served with the Kubernetes
// channel protocol over websocket (v4.channel.k8s.io), as kubectl exec reaches it through the kubelet.
// Against berthd and, with BERTH_CRI_TARGET=containerd, containerd's streaming server.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { criE2EWithImage, codeName, podConfig, CRI_TARGET, REAL_CRI, type Msg } from '../helpers/cri.ts';
import { criServices } from '../../src/cri/proto.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();

interface Session {
  channels: Record<number, string>;
  closed: Promise<void>;
  send(channel: number, data: string): void;
}

/** Connects to a streaming URL the way client-go's websocket executor does. */
async function connect(url: string): Promise<Session> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
  ws.binaryType = 'arraybuffer';
  const channels: Record<number, string> = {};
  ws.onmessage = (ev) => {
    const b = Buffer.from(ev.data as ArrayBuffer);
    if (b.length < 1) return;
    channels[b[0]!] = (channels[b[0]!] ?? '') + b.subarray(1).toString('utf8');
  };
  const closed = new Promise<void>((resolve) => (ws.onclose = () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`websocket to ${url} failed`));
  });
  assert.equal(ws.protocol, 'v4.channel.k8s.io');
  return { channels, closed, send: (ch, data) => ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)])) };
}

describe(`CRI streaming exec (${CRI_TARGET})`, SUITE(skip), () => {
  let pod = '';
  let ctr = '';
  const c = criE2EWithImage();
  after(async () => {
    if (pod) await c.rt.call('RemovePodSandbox', { pod_sandbox_id: pod }).catch(() => {});
  });
  const rt = (m: string, req: Msg) => c.rt.call(m, req);

  test('setup: a pod with a running container', T, async () => {
    await c.img.call('PullImage', { image: { image: c.image } });
    const config = podConfig('stream');
    pod = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
    ctr = (await rt('CreateContainer', { pod_sandbox_id: pod, sandbox_config: config, config: { metadata: { name: 'sh' }, image: { image: c.image }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } } })).container_id;
    await rt('StartContainer', { container_id: ctr });
  });

  test('Exec answers a URL that streams stdout and stderr apart and ends with the exit status', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/\S+$/);
    const s = await connect(url);
    await s.closed;
    assert.equal(s.channels[1], 'out\n');
    assert.equal(s.channels[2], 'err\n');
    const status = JSON.parse(s.channels[3]!);
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  test('stdin reaches the command; success is a Success status', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'read x; echo got $x'], stdin: true, stdout: true });
    const s = await connect(url);
    s.send(0, 'hello\n');
    await s.closed;
    assert.equal(s.channels[1], 'got hello\n');
    assert.equal(JSON.parse(s.channels[3]!).status, 'Success');
  });

  test("Attach streams the container's own stdin and stdout; detaching leaves it running", T, async () => {
    const config = podConfig('attach');
    const p = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
    try {
      const id = (
        await rt('CreateContainer', { pod_sandbox_id: p, sandbox_config: config, config: { metadata: { name: 'echo' }, image: { image: c.image }, command: ['sh', '-c', 'while read l; do echo "echo:$l"; done'], stdin: true, linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } } })
      ).container_id;
      await rt('StartContainer', { container_id: id });
      const { url } = await rt('Attach', { container_id: id, stdin: true, stdout: true, stderr: true });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/attach\/\S+$/);
      const s = await connect(url);
      s.send(0, 'hi\n');
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !s.channels[1]?.includes('echo:hi'); ) await new Promise((r) => setTimeout(r, 100));
      assert.equal(s.channels[1], 'echo:hi\n');
      assert.equal((await rt('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_RUNNING');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p });
    }
  });

  test("PortForward reaches a port on the pod's localhost, the port announced first on both channels", T, async () => {
    const config = podConfig('fwd');
    const p = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
    try {
      const id = (await rt('CreateContainer', { pod_sandbox_id: p, sandbox_config: config, config: { metadata: { name: 'srv' }, image: { image: c.image }, command: ['nc', '-ll', '-p', '8089', '-e', 'echo', 'pong'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } } })).container_id;
      await rt('StartContainer', { container_id: id });
      await new Promise((r) => setTimeout(r, 500));
      const { url } = await rt('PortForward', { pod_sandbox_id: p, port: [8089] });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/portforward\/\S+$/);
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}?port=8089`, ['v4.channel.k8s.io']);
      ws.binaryType = 'arraybuffer';
      const frames: Buffer[] = [];
      ws.onmessage = (ev) => frames.push(Buffer.from(ev.data as ArrayBuffer));
      await new Promise<void>((resolve, reject) => ((ws.onopen = () => resolve()), (ws.onerror = () => reject(new Error('websocket failed')))));
      ws.send(Buffer.from([0, ...Buffer.from('hi\n')]));
      const data = () => Buffer.concat(frames.filter((f) => f[0] === 0).map((f) => f.subarray(1)));
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && !data().includes('pong'); ) await new Promise((r) => setTimeout(r, 100));
      ws.close();
      const first = (ch: number) => frames.find((f) => f[0] === ch)!.subarray(1);
      assert.equal(first(0).readUInt16LE(0), 8089);
      assert.equal(first(1).readUInt16LE(0), 8089);
      assert.equal(data().subarray(2).toString(), 'pong\n');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p });
    }
  });

  test("GetContainerEvents streams a container's lifecycle with its pod's status", T, async () => {
    const client = new (criServices().RuntimeService)(c.t.address, grpc.credentials.createInsecure());
    const stream = (client as unknown as { GetContainerEvents(req: Msg): grpc.ClientReadableStream<Msg> }).GetContainerEvents({});
    const events: Msg[] = [];
    const failed = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    stream.on('data', (e: Msg) => events.push(e));
    try {
      if (REAL_CRI) {
        // containerd 1.6 predates the evented PLEG (containerd 1.7 added GetContainerEvents)
        assert.equal(codeName(await failed), 'UNIMPLEMENTED');
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
      const config = podConfig('events');
      const p = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
      try {
        const id = (await rt('CreateContainer', { pod_sandbox_id: p, sandbox_config: config, config: { metadata: { name: 'ev' }, image: { image: c.image }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } } })).container_id;
        await rt('StartContainer', { container_id: id });
        await rt('StopContainer', { container_id: id, timeout: 0 });
        await rt('RemoveContainer', { container_id: id });
        const types = () => events.filter((e) => e.container_id === id).map((e) => e.container_event_type);
        const want = ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT'];
        for (const deadline = Date.now() + 5000; Date.now() < deadline && types().length < 4; ) await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(types(), want);
        const started = events.find((e) => e.container_id === id && e.container_event_type === 'CONTAINER_STARTED_EVENT');
        assert.equal(started.pod_sandbox_status.id, p);
        assert.equal(started.containers_statuses.find((s: Msg) => s.id === id)?.state, 'CONTAINER_RUNNING');
        assert.ok(events.some((e) => e.container_id === p && e.container_event_type === 'CONTAINER_STARTED_EVENT'), 'the sandbox has events too');
      } finally {
        await rt('RemovePodSandbox', { pod_sandbox_id: p });
      }
    } finally {
      stream.cancel();
      client.close();
    }
  });

  test('a URL serves once; bad requests are refused', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['true'], stdout: true });
    await (await connect(url)).closed;
    await assert.rejects(connect(url));
    await assert.rejects(rt('Exec', { container_id: ctr, cmd: ['true'] }), (e) => codeName(e) !== 'OK');
    await assert.rejects(rt('Exec', { container_id: ctr, cmd: ['true'], tty: true, stdout: true, stderr: true }), (e) => codeName(e) !== 'OK');
    await assert.rejects(rt('Exec', { container_id: 'f'.repeat(64), cmd: ['true'], stdout: true }), (e) => codeName(e) === 'NOT_FOUND');
  });
});
