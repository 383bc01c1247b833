// End-to-end, berthd only: kill -9 of berthd in the middle of RunPodSandbox, CreateContainer,
// StartContainer and RemovePodSandbox. Each call is timed once uncut, then cut at a few fractions
// of that time. After each restart what the kubelet sees is whole: every listed pod and container
// answers its status, a pod is SANDBOX_READY only with its holder running, a container is
// CREATED, RUNNING (and exec works) or EXITED, never UNKNOWN, none is listed without its pod;
// and everything can be stopped and removed, after which nothing of it is left: no runtime
// container, mount under the data or exec root, network namespace or cgroup.
// berthd only: it kills the daemon and inspects Berth's data root, exec root and runtime root
// (containerd keeps its pods across its own restarts too, but its state lives elsewhere and in
// other forms, and its shims go on without it).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { criClients, podConfig, REAL_CRI, type Msg } from '../helpers/cri.ts';
import { startBerthd, type Berthd } from '../helpers/berthd.ts';
import { registryUnavailable, type Registry } from '../helpers/registry.ts';
import { startCriBerthd, stopCriBerthd } from '../helpers/cri-berthd.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable() || (REAL_CRI && 'berthd only: it kills the daemon and inspects its data root, exec root and runtime');

type Op = 'RunPodSandbox' | 'CreateContainer' | 'StartContainer' | 'RemovePodSandbox';
const OPS: Op[] = ['RunPodSandbox', 'CreateContainer', 'StartContainer', 'RemovePodSandbox'];
/** where in the uncut call's time the daemon is killed */
const FRACTIONS = [0.1, 0.25, 0.4, 0.55, 0.7, 0.85];

describe('CRI: kill -9 of berthd in the middle of a call', SUITE(skip), () => {
  let d: Berthd;
  let reg: Registry;
  let image = '';
  let cri: ReturnType<typeof criClients>;
  /** every id the daemon ever answered: the namespaces and cgroups checked are theirs */
  const known = new Set<string>();
  const rt = (m: string, req: Msg) => cri.rt.call(m, req, 60_000);
  const ctr = (name: string): Msg => ({ metadata: { name, attempt: 0 }, image: { image }, command: ['sleep', '100000'] });

  test('setup', T, async () => {
    ({ d, reg, image, cri } = await startCriBerthd());
  });
  after(async () => await stopCriBerthd({ d, reg, cri }));

  /** what the call under test needs made first; returns the call itself */
  async function prepare(op: Op, n: string): Promise<() => Promise<Msg>> {
    const config = podConfig(`crash-${n}`);
    if (op === 'RunPodSandbox') return () => rt('RunPodSandbox', { config });
    const pod = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
    known.add(pod);
    if (op === 'CreateContainer') return () => rt('CreateContainer', { pod_sandbox_id: pod, config: ctr('app'), sandbox_config: config });
    const id = (await rt('CreateContainer', { pod_sandbox_id: pod, config: ctr('app'), sandbox_config: config })).container_id;
    known.add(id);
    if (op === 'StartContainer') return () => rt('StartContainer', { container_id: id });
    await rt('StartContainer', { container_id: id });
    return () => rt('RemovePodSandbox', { pod_sandbox_id: pod });
  }

  /** kills the daemon `afterMs` into the call; says whether the call had answered by then */
  async function crashDuring(call: () => Promise<Msg>, afterMs: number): Promise<string> {
    let answered = 'cut short';
    const p = call().then(
      (r) => {
        answered = 'answered before the kill';
        for (const v of Object.values(r ?? {})) if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) known.add(v);
      },
      () => {},
    );
    await sleep(afterMs);
    const at = answered;
    await d.stopDaemon({ signal: 'SIGKILL' });
    await p;
    cri.rt.close();
    cri.img.close();
    await d.startDaemon();
    cri = criClients(`unix://${d.root}/cri.sock`);
    return at;
  }

  /** pods and containers as the kubelet lists them, for the test's diagnostics */
  async function listed(): Promise<string> {
    const pods = ((await rt('ListPodSandbox', {})).items as Msg[]).map((p) => p.state.replace('SANDBOX_', ''));
    const ctrs = ((await rt('ListContainers', {})).containers as Msg[]).map((c) => c.state.replace('CONTAINER_', ''));
    return `pods [${pods.join(' ')}] containers [${ctrs.join(' ')}]`;
  }

  /** What the kubelet would find wrong after the restart; [] when nothing. */
  async function kubeletView(): Promise<string[]> {
    const problems: string[] = [];
    const pods = (await rt('ListPodSandbox', {})).items as Msg[];
    const ctrs = (await rt('ListContainers', {})).containers as Msg[];
    const podIds = new Set(pods.map((p) => p.id));
    for (const p of pods) {
      known.add(p.id);
      const s = (await rt('PodSandboxStatus', { pod_sandbox_id: p.id })).status;
      if (s.state !== p.state) problems.push(`pod ${p.metadata.name}: listed ${p.state}, status ${s.state}`);
      if (!['SANDBOX_READY', 'SANDBOX_NOTREADY'].includes(s.state)) problems.push(`pod ${p.metadata.name} is ${s.state}`);
      if (s.state === 'SANDBOX_READY' && !s.network?.ip) problems.push(`pod ${p.metadata.name} is ready without an address`);
    }
    for (const c of ctrs) {
      known.add(c.id);
      if (!podIds.has(c.pod_sandbox_id)) problems.push(`container ${c.metadata.name} ${c.id.slice(0, 12)} is listed without its pod ${c.pod_sandbox_id.slice(0, 12)}`);
      const s = (await rt('ContainerStatus', { container_id: c.id })).status;
      if (!['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED'].includes(s.state)) problems.push(`container ${c.metadata.name} is ${s.state}`);
      if (s.state === 'CONTAINER_RUNNING') {
        const r = await rt('ExecSync', { container_id: c.id, cmd: ['echo', 'alive'], timeout: 10 }).catch((e) => ({ stdout: String(e) }));
        if (String(r.stdout) !== 'alive\n') problems.push(`container ${c.metadata.name} is RUNNING but exec answers ${String(r.stdout)}`);
      }
    }
    return problems;
  }

  /** Stop and remove everything through the CRI, then what is left of it on the host. */
  async function removeAllAndAudit(): Promise<string[]> {
    const problems: string[] = [];
    for (const p of (await rt('ListPodSandbox', {})).items as Msg[]) {
      await rt('StopPodSandbox', { pod_sandbox_id: p.id }).catch((e) => problems.push(`StopPodSandbox ${p.metadata.name}: ${e.details}`));
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id }).catch((e) => problems.push(`RemovePodSandbox ${p.metadata.name}: ${e.details}`));
    }
    const pods = (await rt('ListPodSandbox', {})).items.length;
    const ctrs = (await rt('ListContainers', {})).containers.length;
    if (pods || ctrs) problems.push(`after removing everything: ${pods} pods, ${ctrs} containers listed`);
    // a removal answers once the object is gone for every client; its files, mounts and namespace
    // go right after, in the background: given a few seconds
    let left = hostLeftovers();
    for (let i = 0; i < 50 && left.length; i++) {
      await sleep(100);
      left = hostLeftovers();
    }
    return [...problems, ...left];
  }

  /** what is left on the host of the objects this daemon showed */
  function hostLeftovers(): string[] {
    const problems: string[] = [];
    const runc = spawnSync('runc', ['--root', path.join(d.execRoot, 'runc'), 'list', '-q'], { encoding: 'utf8' });
    for (const id of runc.stdout.split('\n').filter(Boolean)) problems.push(`runtime container ${id} is left`);
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const mnt = line.split(' ')[4];
      if (mnt && (mnt.startsWith(d.dataRoot + '/') || mnt.startsWith(d.execRoot + '/'))) problems.push(`mount ${mnt} is left`);
    }
    for (const ns of spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n')) {
      const id = /^berth-([0-9a-f]{64})/.exec(ns.trim())?.[1];
      if (id && known.has(id)) problems.push(`network namespace ${ns.trim()} is left`);
    }
    const cg = '/sys/fs/cgroup';
    for (const parent of [path.join(cg, 'berth'), ...fs.readdirSync(cg).map((c) => path.join(cg, c, 'berth'))]) {
      if (!fs.existsSync(parent)) continue;
      for (const id of fs.readdirSync(parent)) if (known.has(id)) problems.push(`cgroup ${path.join(parent, id)} is left`);
    }
    return problems;
  }

  for (const op of OPS) {
    test(`kill -9 during ${op}: afterwards listed, in the right states, removable, nothing left`, { ...T, timeout: 300_000 }, async (t) => {
      // the uncut call's time
      const call = await prepare(op, `${op}-t`);
      const t0 = Date.now();
      await call();
      const took = Date.now() - t0;
      assert.deepEqual(await removeAllAndAudit(), []);
      const failures: string[] = [];
      for (const f of FRACTIONS) {
        const at = Math.max(1, Math.round(took * f));
        const cut = await prepare(op, `${op}-${f}`);
        const when = await crashDuring(cut, at);
        t.diagnostic(`${op} killed after ${at} of ${took} ms (${when}): ${await listed()}`);
        for (const p of await kubeletView()) failures.push(`${op} killed after ${at} of ${took} ms: ${p}`);
        for (const p of await removeAllAndAudit()) failures.push(`${op} killed after ${at} of ${took} ms: ${p}`);
      }
      assert.deepEqual(failures, []);
    });
  }
});
