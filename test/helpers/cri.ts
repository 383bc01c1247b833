// A CRI v1 client built from the .proto (as crictl is), and the CRI endpoint an e2e test file runs
// against: berthd (default) or, with BERTH_CRI_TARGET=containerd, Debian's containerd with its CRI
// plugin, so that the same expectations are checked against the reference implementation.
//
//   const t = criE2E();                       // before/after hooks: start the target, connect
//   const v = await t.rt.call('Version', {});  // unary call; rejects with a grpc error (code, details)
//   const c = criE2EWithImage();              // the same, with a registry holding c.image to pull
import { before, after } from 'node:test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criServices } from '../../src/cri/proto.ts';
import { startBerthd, berthdUnavailable, type Berthd } from './berthd.ts';
import { startContainerd, containerdUnavailable, type Containerd } from './containerd.ts';
import { printLogOfFailedTests } from './failed-test-log.ts';
import { startRegistry, type Registry } from './registry.ts';
import { pushImage } from './registry-push.ts';

export const CRI_TARGET: 'berthd' | 'containerd' = process.env.BERTH_CRI_TARGET === 'containerd' || process.env.BERTH_E2E_CRI === 'containerd' ? 'containerd' : 'berthd';
/** true when the tests run against containerd's CRI (only where the two may differ by design) */
export const REAL_CRI = CRI_TARGET === 'containerd';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = any;

export interface CriClient {
  call(method: string, req: Msg, timeoutMs?: number): Promise<Msg>;
  close(): void;
}

function client(ctor: grpc.ServiceClientConstructor, address: string): CriClient {
  const c = new ctor(address, grpc.credentials.createInsecure());
  return {
    call(method, req, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const fn = (c as unknown as Record<string, Function>)[method];
        if (!fn) return reject(new Error(`no such CRI method ${method}`));
        fn.call(c, req, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res)));
      });
    },
    close: () => c.close(),
  };
}

export function criClients(address: string): { rt: CriClient; img: CriClient } {
  const s = criServices();
  return { rt: client(s.RuntimeService, address), img: client(s.ImageService, address) };
}

export interface CriTarget {
  kind: 'berthd' | 'containerd';
  /** unix:///... */
  address: string;
  /** its private directory: every engine process it starts names it on its command line */
  root: string;
  logFile: string;
  logSize(): number;
  /** berthd only: its Engine API for `docker` */
  berthd?: Berthd;
  stop(): Promise<void>;
}

/** `streamIdleTimeout`: a Go duration for containerd's stream_idle_timeout and berthd's --cri-stream-idle-timeout */
export async function startCriTarget(o: { registries?: string[]; kind?: 'berthd' | 'containerd'; streamIdleTimeout?: string } = {}): Promise<CriTarget> {
  if ((o.kind ?? CRI_TARGET) === 'containerd') {
    const why = containerdUnavailable();
    if (why) throw new Error(why);
    const c: Containerd = await startContainerd({ registries: o.registries, streamIdleTimeout: o.streamIdleTimeout });
    return { kind: 'containerd', address: c.address, root: c.root, logFile: c.logFile, logSize: c.logSize, stop: c.stop };
  }
  const why = berthdUnavailable();
  if (why) throw new Error(why);
  // the root is made by startBerthd; the CRI socket goes beside the Engine API socket by default
  const b = await startBerthd(o.streamIdleTimeout ? { extraArgs: ['--cri-stream-idle-timeout', o.streamIdleTimeout] } : {});
  return { kind: 'berthd', address: `unix://${b.root}/cri.sock`, root: b.root, logFile: b.logFile, logSize: b.logSize, berthd: b, stop: b.stop };
}

export interface CriE2E {
  t: CriTarget;
  rt: CriClient;
  img: CriClient;
}

/** One CRI target per test file, with its log printed for failed tests. `setup` runs before the
 * target starts (e.g. to start a registry the target must know of). */
export function criE2E(o: { registries?: () => string[]; setup?: () => Promise<void>; streamIdleTimeout?: string } = {}): CriE2E {
  const ctx = {} as CriE2E;
  before(
    async () => {
      await o.setup?.();
      ctx.t = await startCriTarget({ registries: o.registries?.(), streamIdleTimeout: o.streamIdleTimeout });
      Object.assign(ctx, criClients(ctx.t.address));
    },
    { timeout: 120_000 },
  );
  after(
    async () => {
      ctx.rt?.close();
      ctx.img?.close();
      await ctx.t?.stop();
    },
    { timeout: 120_000 },
  );
  printLogOfFailedTests(() => ctx.t);
  return ctx;
}

export interface CriE2EWithImage extends CriE2E {
  /** the loopback registry the target was told of (started before it, stopped after the file) */
  registry: Registry;
  /** the busybox test image in it, as `<registry>/cri/busybox:v1` */
  image: string;
}

/** criE2E() with a registry on loopback holding the busybox test image, for the files whose pods
 * pull it (nothing can be pulled from outside here). */
export function criE2EWithImage(o: { streamIdleTimeout?: string } = {}): CriE2EWithImage {
  const ctx = criE2E({
    ...o,
    setup: async () => {
      ctx.registry = await startRegistry();
      await pushImage(ctx.registry.host, 'cri/busybox', 'v1');
      ctx.image = `${ctx.registry.host}/cri/busybox:v1`;
    },
    registries: () => [ctx.registry.host],
  }) as CriE2EWithImage;
  ctx.image = '';
  after(async () => {
    await ctx.registry?.stop();
  });
  return ctx;
}

/** Pull the test image and run a pod sandbox of podConfig(name), edited first by `edit`. */
export async function runPod(c: CriE2EWithImage, name: string, edit: (cfg: Msg) => void = () => {}): Promise<{ id: string; config: Msg }> {
  await c.img.call('PullImage', { image: { image: c.image } });
  const config = podConfig(name);
  edit(config);
  const id = (await c.rt.call('RunPodSandbox', { config })).pod_sandbox_id as string;
  return { id, config };
}

/** The gRPC status name of a rejected call ("NOT_FOUND"...). */
export function codeName(err: unknown): string {
  const code = (err as grpc.ServiceError).code;
  return typeof code === 'number' ? grpc.status[code] : String(err);
}

/** A PodSandboxConfig as the kubelet sends it, in the namespace cri-test with a fresh uid. */
export function podConfig(name: string, o: { host?: boolean; labels?: Record<string, string>; annotations?: Record<string, string>; logDir?: string } = {}): Msg {
  return {
    metadata: { name, uid: crypto.randomUUID(), namespace: 'cri-test', attempt: 0 },
    // the kubelet sends no hostname for a pod on the host network
    hostname: o.host ? '' : name,
    log_directory: o.logDir ?? '',
    labels: o.labels ?? {},
    annotations: o.annotations ?? {},
    linux: { security_context: { namespace_options: { network: o.host ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  };
}

/** Remove a test's cgroup directories (deepest first) in every v1 hierarchy and the v2 one. */
export function removeCgroupTree(top: string): void {
  const roots = fs.existsSync('/sys/fs/cgroup/memory') ? fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h)) : ['/sys/fs/cgroup'];
  for (const root of roots) {
    const dir = path.join(root, top);
    if (!fs.existsSync(dir)) continue;
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
      try {
        fs.rmdirSync(d);
      } catch {
        // still in use by a process of a failed test: left for the reader of its log
      }
    };
    walk(dir);
  }
}
