// End-to-end: the CRI's streaming Exec, Attach and PortForward URLs served over SPDY/3.1, the transport
// kubectl exec/attach/port-forward reach the kubelet with (through the apiserver), with the client of
// test/helpers/spdy-client.ts. Against berthd and, with BERTH_CRI_TARGET=containerd, containerd's
// streaming server (the kubelet's own library): the same expectations check the client against the
// reference implementation and berthd against the same.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { criE2EWithImage, podConfig, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { spdyConnect, spdyExec, spdyPortForward, UpgradeRefused } from '../helpers/spdy-client.ts';
import { fakeApiserver } from '../helpers/fake-apiserver.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();
const KUBECTL = process.env.BERTH_TEST_KUBECTL ?? 'kubectl';
const noKubectl = spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status !== 0 && `${KUBECTL} not found`;
/** kubectl made to speak SPDY (current kubectl tries websocket first and falls back to SPDY) */
function kubectl(server: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-'));
  return new Promise((resolve) => {
    const c = execFile(KUBECTL, ['--server', server, ...args], { env: { ...process.env, HOME: home, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, timeout: 30_000 }, (err, stdout, stderr) => {
      fs.rmSync(home, { recursive: true, force: true });
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    c.stdin!.end(input ?? '');
  });
}
const NS = { linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } };

describe(`CRI streaming over SPDY/3.1 (${CRI_TARGET})`, SUITE(skip), () => {
  let pod = '';
  let podConf: Msg;
  let ctr = '';
  const c = criE2EWithImage();
  after(async () => {
    if (pod) await c.rt.call('RemovePodSandbox', { pod_sandbox_id: pod }).catch(() => {});
  });
  const rt = (m: string, req: Msg) => c.rt.call(m, req);
  const container = async (name: string, config: Msg) => {
    const id = (await rt('CreateContainer', { pod_sandbox_id: pod, sandbox_config: podConf, config: { metadata: { name }, image: { image: c.image }, ...NS, ...config } })).container_id;
    await rt('StartContainer', { container_id: id });
    return id;
  };

  test('setup: a pod with a running container', T, async () => {
    await c.img.call('PullImage', { image: { image: c.image } });
    podConf = podConfig('spdy');
    pod = (await rt('RunPodSandbox', { config: podConf })).pod_sandbox_id;
    ctr = await container('sh', { command: ['sleep', '1000'] });
    // a server for the port-forward tests; it reads the request before it answers and closes, so
    // nothing unread turns the close into a reset
    await container('srv', { command: ['nc', '-ll', '-p', '8089', '-e', 'sh', '-c', 'read l; echo pong $l'] });
  });

  test('exec: stdout and stderr apart, a non-zero exit as a v4 NonZeroExitCode status', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true });
    const r = await spdyExec(url, { stdout: true, stderr: true });
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    const status = JSON.parse(r.error);
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  test('exec: stdin reaches the command and its end is EOF; success is a Success status', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['cat'], stdin: true, stdout: true });
    const r = await spdyExec(url, { stdin: 'hello\nworld\n', stdout: true });
    assert.equal(r.stdout, 'hello\nworld\n');
    assert.equal(JSON.parse(r.error).status, 'Success');
  });

  test('exec: 1 MB of output arrives whole (flow control: the client grants windows as it reads)', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'head -c 1000000 /dev/zero | tr "\\0" x'], stdout: true });
    const r = await spdyExec(url, { stdout: true });
    assert.equal(r.stdout.length, 1_000_000);
    assert.match(r.stdout, /^x+$/);
    assert.equal(JSON.parse(r.error).status, 'Success');
  });

  test('exec with a tty: the resize stream sizes the terminal', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'sleep 1; stty size'], tty: true, stdout: true });
    const r = await spdyExec(url, { stdout: true, tty: true, resize: { Width: 123, Height: 45 } });
    assert.equal(r.stdout.trim(), '45 123');
    assert.equal(JSON.parse(r.error).status, 'Success');
  });

  test('exec over v3.channel.k8s.io: the error stream carries the failure message only', T, async () => {
    const ok = await spdyExec((await rt('Exec', { container_id: ctr, cmd: ['true'], stdout: true })).url, { stdout: true, protocols: ['v3.channel.k8s.io'] });
    assert.equal(ok.protocol, 'v3.channel.k8s.io');
    assert.equal(ok.error, '');
    const failed = await spdyExec((await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'exit 7'], stdout: true })).url, { stdout: true, protocols: ['v3.channel.k8s.io'] });
    assert.match(failed.error, /^command terminated with non-zero exit code: .*7/);
  });

  test('an upgrade with no protocol in common is refused (403) with the accepted ones', T, async () => {
    const { url } = await rt('Exec', { container_id: ctr, cmd: ['true'], stdout: true });
    const err = await spdyConnect(url, ['v9.channel.k8s.io']).then(
      () => assert.fail('upgraded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof UpgradeRefused, String(err));
    assert.equal(err.status, 403);
    assert.match(err.body, /unable to negotiate protocol/);
    assert.match(String(err.headers['x-accepted-stream-protocol-versions']), /v4\.channel\.k8s\.io/);
  });

  test("attach: the container's own stdin and stdout; detaching leaves it running", T, async () => {
    const id = await container('echo', { command: ['sh', '-c', 'while read l; do echo "echo:$l"; done'], stdin: true });
    const { url } = await rt('Attach', { container_id: id, stdin: true, stdout: true, stderr: true });
    const r = await spdyExec(url, { stdin: 'hi\n', stdout: true, stderr: true, keepStdinOpen: true, until: (x) => x.stdout.includes('echo:hi') });
    assert.equal(r.stdout, 'echo:hi\n');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await rt('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_RUNNING');
  });

  test("port-forward: data and error streams per request reach a port on the pod's localhost", T, async () => {
    const { url } = await rt('PortForward', { pod_sandbox_id: pod, port: [8089] });
    const pf = await spdyPortForward(url);
    try {
      assert.equal(pf.protocol, 'portforward.k8s.io');
      // two connections, one after the other, over one SPDY session (no port prefix, unlike websocket)
      for (const n of [1, 2]) {
        const r = await pf.forward(8089, `hi ${n}\n`);
        assert.equal(r.data.toString(), `pong hi ${n}\n`);
        assert.equal(r.error, '');
      }
    } finally {
      pf.close();
    }
  });

  test('port-forward: a port nothing listens on is reported on the error stream', T, async () => {
    const { url } = await rt('PortForward', { pod_sandbox_id: pod, port: [8090] });
    const pf = await spdyPortForward(url);
    try {
      const r = await pf.forward(8090, 'x');
      assert.equal(r.data.length, 0);
      assert.match(r.error, /error forwarding port 8090 to pod/);
    } finally {
      pf.close();
    }
  });

  test('port-forward: a stream without a valid port or stream type is reset, the session goes on', T, async () => {
    const { url } = await rt('PortForward', { pod_sandbox_id: pod, port: [8089] });
    const { conn } = await spdyConnect(url, ['portforward.k8s.io']);
    try {
      const bad: Array<Record<string, string[]>> = [{ streamtype: ['data'] }, { streamtype: ['data'], port: ['0'] }, { streamtype: ['data'], port: ['http'] }, { streamtype: ['stdout'], port: ['8089'] }];
      for (const h of bad) {
        await assert.rejects(conn.open(h).replied, /reset/, JSON.stringify(h));
      }
      assert.deepEqual(await conn.open({ streamtype: ['error'], port: ['8089'], requestid: ['9'] }).replied, {});
    } finally {
      conn.destroy();
    }
  });

  describe('the real kubectl, through a minimal apiserver that proxies to the streaming URL', { skip: noKubectl }, () => {
    let next = '';
    let api: Awaited<ReturnType<typeof fakeApiserver>>;
    after(() => api?.close());

    test('kubectl exec -i: stdin to the command, its output back, exit 0', T, async () => {
      api ??= await fakeApiserver(() => next);
      next = (await rt('Exec', { container_id: ctr, cmd: ['cat'], stdin: true, stdout: true, stderr: true })).url;
      const r = await kubectl(api.url, ['exec', 'p', '-i', '--', 'cat'], 'hello\nkubectl\n');
      assert.equal(r.stdout, 'hello\nkubectl\n', r.stderr);
      assert.equal(r.code, 0);
    });

    test("kubectl exec: stderr apart, the command's exit code as kubectl's", T, async () => {
      api ??= await fakeApiserver(() => next);
      next = (await rt('Exec', { container_id: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true })).url;
      const r = await kubectl(api.url, ['exec', 'p', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /^err\n/);
      assert.match(r.stderr, /command terminated with exit code 3/);
      assert.equal(r.code, 3);
    });

    test("kubectl attach -i: the container's stdin and output until it exits", T, async () => {
      api ??= await fakeApiserver(() => next);
      const id = await container('once', { command: ['sh', '-c', 'read l; echo "got $l"'], stdin: true, stdin_once: true });
      next = (await rt('Attach', { container_id: id, stdin: true, stdout: true, stderr: true })).url;
      const r = await kubectl(api.url, ['attach', 'p', '-i', '-q'], 'line\n');
      assert.equal(r.stdout, 'got line\n', r.stderr);
      assert.equal(r.code, 0);
    });

    test('kubectl port-forward: a local port reaches the pod', T, async () => {
      api ??= await fakeApiserver(() => next);
      next = (await rt('PortForward', { pod_sandbox_id: pod, port: [8089] })).url;
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-'));
      const pf = spawn(KUBECTL, ['--server', api.url, 'port-forward', 'p', ':8089'], { env: { ...process.env, HOME: home, KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } });
      try {
        let out = '';
        pf.stdout.on('data', (b: Buffer) => (out += b.toString()));
        pf.stderr.on('data', (b: Buffer) => (out += b.toString()));
        for (const deadline = Date.now() + 15_000; Date.now() < deadline && !/Forwarding from 127\.0\.0\.1:\d+/.test(out); ) await new Promise((r) => setTimeout(r, 100));
        const local = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
        assert.ok(local, out);
        const answer = await new Promise<string>((resolve, reject) => {
          let got = '';
          const sock = net.connect(local, '127.0.0.1', () => sock.write('via kubectl\n'));
          sock.on('data', (b) => (got += b.toString()));
          sock.on('end', () => resolve(got));
          sock.on('error', reject);
        });
        assert.equal(answer, 'pong via kubectl\n');
      } finally {
        pf.kill();
        fs.rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
