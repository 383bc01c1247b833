// Benchmark: the CRI, berthd against containerd 1.6's CRI plugin, side by side.
//
//   npm run bench:cri                     # 20 pods per runtime after 3 warm-ups, interleaved
//   npm run bench:cri -- --runs 5 --pods 5
//
// Timed: one pod the kubelet's way — RunPodSandbox (pod network) + CreateContainer + StartContainer
// + StopPodSandbox + RemovePodSandbox. Memory: the PSS of the engine's processes (berthd + a conmon
// per container; containerd + a shim per pod) with N pods of one running container each, minus idle.
import { parseArgs } from 'node:util';
import { startCriTarget, criClients, podConfig, type CriTarget } from '../test/helpers/cri.ts';
import { containerdUnavailable } from '../test/helpers/containerd.ts';
import { startRegistry } from '../test/helpers/registry.ts';
import { pushImage } from '../test/helpers/registry-push.ts';
import { sampleEngine } from './memory.ts';

interface Runtime {
  name: 'berthd' | 'containerd';
  t: CriTarget;
  c: ReturnType<typeof criClients>;
  ms: number[];
}

const ctr = (image: string) => ({ metadata: { name: 'app', attempt: 0 }, image: { image }, command: ['sleep', '100000'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } });

async function podUp(r: Runtime, image: string, name: string): Promise<string> {
  const config = podConfig(name);
  const pod = (await r.c.rt.call('RunPodSandbox', { config })).pod_sandbox_id;
  const id = (await r.c.rt.call('CreateContainer', { pod_sandbox_id: pod, config: ctr(image), sandbox_config: config })).container_id;
  await r.c.rt.call('StartContainer', { container_id: id });
  return pod;
}

async function podDown(r: Runtime, pod: string): Promise<void> {
  await r.c.rt.call('StopPodSandbox', { pod_sandbox_id: pod });
  await r.c.rt.call('RemovePodSandbox', { pod_sandbox_id: pod });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const settle = () => new Promise((r) => setTimeout(r, 2000));

export async function runCriBench(o: { runs: number; warmup: number; pods: number }): Promise<void> {
  const reg = await startRegistry();
  const runtimes: Runtime[] = [];
  try {
    await pushImage(reg.host, 'bench/busybox', 'v1');
    const image = `${reg.host}/bench/busybox:v1`;
    for (const kind of ['berthd', 'containerd'] as const) {
      if (kind === 'containerd' && containerdUnavailable()) {
        console.log(`containerd not measured: ${containerdUnavailable()}`);
        continue;
      }
      const t = await startCriTarget({ kind, registries: [reg.host] });
      const c = criClients(t.address);
      await c.img.call('PullImage', { image: { image } });
      runtimes.push({ name: kind, t, c, ms: [] });
    }
    let n = 0;
    for (let i = 0; i < o.warmup + o.runs; i++) {
      // alternate the order so that drift in the machine's load hits both alike
      for (const r of i % 2 ? [...runtimes].reverse() : runtimes) {
        const t0 = performance.now();
        await podDown(r, await podUp(r, image, `bench-${n++}`));
        if (i >= o.warmup) r.ms.push(performance.now() - t0);
      }
    }
    const memory: Record<string, number> = {};
    for (const r of runtimes) {
      await settle();
      const idle = sampleEngine(r.t.root);
      const pods: string[] = [];
      for (let i = 0; i < o.pods; i++) pods.push(await podUp(r, image, `mem-${n++}`));
      await settle();
      const loaded = sampleEngine(r.t.root);
      memory[r.name] = (loaded.pssKiB - idle.pssKiB) / o.pods;
      for (const p of pods) await podDown(r, p);
    }
    console.log(`\nCRI: one pod (RunPodSandbox + CreateContainer + StartContainer + StopPodSandbox + RemovePodSandbox), ${o.runs} runs after ${o.warmup} warm-ups`);
    for (const r of runtimes) console.log(`  ${r.name.padEnd(10)} median ${median(r.ms).toFixed(0)} ms  (min ${Math.min(...r.ms).toFixed(0)}, max ${Math.max(...r.ms).toFixed(0)})`);
    console.log(`CRI: engine memory (PSS) per running pod of one container, ${o.pods} pods`);
    for (const [name, kib] of Object.entries(memory)) console.log(`  ${name.padEnd(10)} ${(kib / 1024).toFixed(1)} MiB per pod`);
    const b = runtimes.find((r) => r.name === 'berthd');
    const c = runtimes.find((r) => r.name === 'containerd');
    if (b && c) {
      console.log(`target (berthd at least as fast as containerd): ${median(b.ms) <= median(c.ms) ? 'MET' : 'NOT MET'} — ${(median(c.ms) / median(b.ms)).toFixed(2)}x`);
      console.log(`target (berthd's memory per pod at most containerd's): ${memory.berthd! <= memory.containerd! ? 'MET' : 'NOT MET'}`);
    }
  } finally {
    for (const r of runtimes) {
      r.c.rt.close();
      r.c.img.close();
      await r.t.stop();
    }
    await reg.stop();
  }
}

if (process.argv[1]?.endsWith('cri.ts')) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' }, pods: { type: 'string', default: '10' } } });
  await runCriBench({ runs: Number(values.runs), warmup: Number(values.warmup), pods: Number(values.pods) }).catch((e: Error) => {
    console.error(`bench: ${e.stack ?? e}`);
    process.exitCode = 1;
  });
}
