// End-to-end: the idle timeout of the CRI's streaming connections (containerd's stream_idle_timeout,
// berthd's --cri-stream-idle-timeout), here 2s: an exec connection with nothing sent either way is
// closed after it, over SPDY and over websocket, and its command goes on; one whose command writes every
// half second is not closed. A command reading stdin gets its EOF when the connection goes.
// Against berthd and, with BERTH_CRI_TARGET=containerd, containerd 1.6's streaming server.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { criE2EWithImage, podConfig, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { spdyConnect } from '../helpers/spdy-client.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();
const IDLE_MS = 2000;
const NS = { linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`CRI streaming idle timeout (${CRI_TARGET})`, SUITE(skip), () => {
  let pod = '';
  let ctr = '';
  const c = criE2EWithImage({ streamIdleTimeout: '2s' });
  after(async () => {
    if (pod) await c.rt.call('RemovePodSandbox', { pod_sandbox_id: pod }).catch(() => {});
  });
  const exec = async (cmd: string[]) => String((await c.rt.call('Exec', { container_id: ctr, cmd, stdout: true, stderr: true })).url);
  /** an exec over SPDY with its error, stdout and stderr streams open; when the connection closed, and the output */
  const spdySession = async (url: string) => {
    const { conn } = await spdyConnect(url, ['v4.channel.k8s.io']);
    const streams = ['error', 'stdout', 'stderr'].map((t) => conn.open({ streamtype: [t] }));
    await Promise.all(streams.map((s) => s.replied));
    let out = '';
    streams[1]!.onData((b) => (out += b.toString()));
    const closed = new Promise<number>((r) => conn.onClose(() => r(Date.now())));
    return { conn, closed, output: () => out };
  };
  const running = async (marker: string) => {
    const r = (await c.rt.call('ExecSync', { container_id: ctr, cmd: ['ps', '-o', 'args'], timeout: 10 })) as Msg;
    return Buffer.from(r.stdout as Uint8Array).toString().includes(marker);
  };

  test('setup: a pod with a running container', T, async () => {
    await c.img.call('PullImage', { image: { image: c.image } });
    const podConf = podConfig('idle');
    pod = (await c.rt.call('RunPodSandbox', { config: podConf })).pod_sandbox_id;
    ctr = (await c.rt.call('CreateContainer', { pod_sandbox_id: pod, sandbox_config: podConf, config: { metadata: { name: 'sh' }, image: { image: c.image }, command: ['sleep', '1000'], ...NS } })).container_id;
    await c.rt.call('StartContainer', { container_id: ctr });
  });

  test('SPDY: an exec connection idle both ways is closed after the idle timeout', T, async () => {
    const started = Date.now();
    const s = await spdySession(await exec(['sleep', '1001']));
    const at = await Promise.race([s.closed, sleep(IDLE_MS * 5).then(() => 0)]);
    assert.ok(at, `still open after ${IDLE_MS * 5} ms`);
    const after = at - started;
    assert.ok(after >= IDLE_MS - 100 && after < IDLE_MS + 3000, `closed after ${after} ms`);
    // the command goes on (containerd's execs outlive their connection)
    assert.equal(await running('sleep 1001'), true);
  });

  test('websocket: an exec connection idle both ways is closed after the idle timeout', T, async () => {
    const started = Date.now();
    const ws = new WebSocket((await exec(['sleep', '1002'])).replace(/^http/, 'ws'), ['v4.channel.k8s.io']);
    const closed = new Promise<number>((r) => (ws.onclose = () => r(Date.now())));
    const at = await Promise.race([closed, sleep(IDLE_MS * 5).then(() => 0)]);
    assert.ok(at, `still open after ${IDLE_MS * 5} ms`);
    const after = at - started;
    assert.ok(after >= IDLE_MS - 100 && after < IDLE_MS + 3000, `closed after ${after} ms`);
    assert.equal(await running('sleep 1002'), true);
  });

  test('SPDY: the command of a closed connection gets the end of its stdin', T, async () => {
    const url = String((await c.rt.call('Exec', { container_id: ctr, cmd: ['sh', '-c', 'cat; echo gone > /tmp/stdin-ended'], stdin: true, stdout: true })).url);
    const { conn } = await spdyConnect(url, ['v4.channel.k8s.io']);
    const streams = ['error', 'stdin', 'stdout'].map((t) => conn.open({ streamtype: [t] }));
    await Promise.all(streams.map((s) => s.replied));
    await sleep(300);
    conn.destroy();
    let seen = '';
    for (let i = 0; i < 50 && !seen; i++) {
      await sleep(100);
      const r = (await c.rt.call('ExecSync', { container_id: ctr, cmd: ['cat', '/tmp/stdin-ended'], timeout: 10 })) as Msg;
      seen = Buffer.from(r.stdout as Uint8Array).toString();
    }
    assert.equal(seen, 'gone\n');
  });

  test('SPDY: output every half second keeps the connection open well past the idle timeout', T, async () => {
    const s = await spdySession(await exec(['sh', '-c', 'while true; do echo tick; sleep 0.5; done']));
    const at = await Promise.race([s.closed, sleep(IDLE_MS * 2.5).then(() => 0)]);
    assert.equal(at, 0, 'closed while output flowed');
    assert.match(s.output(), /(tick\n){6,}/);
    s.conn.destroy();
  });
});
