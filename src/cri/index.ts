// The CRI front end: the gRPC server with its handler groups, wired to the engine's services.
import path from 'node:path';
import type { DaemonConfig } from '../config.ts';
import type { ImagesEngine } from '../engine/images.ts';
import type { DistributionService } from '../engine/distribution.ts';
import type { ContainerService } from '../engine/containers/service.ts';
import type { ExecService } from '../engine/exec.ts';
import { sandboxHandlers } from './sandboxes.ts';
import { containerHandlers } from './containers.ts';
import { execSyncHandlers } from './exec-sync.ts';
import { statsHandlers } from './stats.ts';
import { StreamingServer } from './streaming/server.ts';
import { execStreamHandlers } from './streaming/exec.ts';
import { attachStreamHandlers } from './streaming/attach.ts';
import { portForwardHandlers } from './streaming/port-forward.ts';
import { eventHandlers } from './events.ts';
import type { EventsService } from '../events/bus.ts';
import { CriServer } from './server.ts';
import { imageHandlers } from './images.ts';
import { runtimeInfoHandlers } from './runtime-info.ts';
import { metricHandlers } from './metrics.ts';
import { listStreams } from './list-streams.ts';

export { DEFAULT_CRI_SOCKET, criSocketPath } from './server.ts';

export interface CriDeps {
  cfg: DaemonConfig;
  images: ImagesEngine;
  dist: DistributionService;
  containers: ContainerService;
  execs: ExecService;
  events: EventsService;
  /** the daemon's OCI runtimes: each is a CRI runtime handler */
  runtimes: () => string[];
  /** those of them that are gVisor (runsc): each container its own sandbox */
  gvisorRuntimes?: () => string[];
}

/** The CRI socket beside the Engine API socket unless given (--cri-socket; "" turns the CRI off). */
export function criAddress(cfg: DaemonConfig): string {
  if (cfg.criSocket !== undefined) return cfg.criSocket;
  return `unix://${path.join(path.dirname(cfg.socketPath), 'cri.sock')}`;
}

/** The gRPC server and the streaming server its Exec hands out URLs to, started and stopped together. */
export class CriFrontEnd {
  readonly grpc: CriServer;
  readonly streaming: StreamingServer;
  constructor(grpc: CriServer, streaming: StreamingServer) {
    this.grpc = grpc;
    this.streaming = streaming;
  }
  async listen(address: string): Promise<void> {
    await this.streaming.listen();
    await this.grpc.listen(address);
  }
  async close(): Promise<void> {
    await this.grpc.close();
    await this.streaming.close();
  }
}

export function createCriServer(d: CriDeps): CriFrontEnd {
  const runtime = runtimeInfoHandlers({
    runtimeHandlers: d.runtimes,
    // pods join Berth's default bridge network, which the daemon set up before serving
    network: () => ({ ready: true }),
    config: () => ({ dataRoot: d.cfg.dataRoot, execRoot: d.cfg.execRoot, runtimeHandlers: d.runtimes(), insecureRegistries: d.cfg.insecureRegistries ?? [] }),
  });
  const image = imageHandlers({ images: d.images, dist: d.dist, runtimeHandlers: d.runtimes });
  const gvisorHandlers = d.gvisorRuntimes ?? (() => []);
  const sandboxes = sandboxHandlers({ containers: d.containers, images: d.images, runtimeHandlers: d.runtimes, gvisorHandlers });
  const containers = containerHandlers({ containers: d.containers, images: d.images, gvisorHandlers });
  const execSync = execSyncHandlers({ containers: d.containers, execs: d.execs });
  const stats = statsHandlers({ containers: d.containers, images: d.images.store });
  const streaming = new StreamingServer({ idleTimeoutMs: d.cfg.criStreamIdleTimeoutMs });
  const exec = { ...execStreamHandlers({ containers: d.containers, execs: d.execs, streaming }), ...attachStreamHandlers({ containers: d.containers, streaming }), ...portForwardHandlers({ containers: d.containers, streaming }) };
  const metrics = metricHandlers({ containers: d.containers, images: d.images.store });
  const runtimeAll = { ...runtime, ...sandboxes, ...containers, ...execSync, ...stats, ...metrics, ...exec, ...eventHandlers({ events: d.events, containers: d.containers, images: d.images }) };
  return new CriFrontEnd(new CriServer({ runtime: { ...runtimeAll, ...listStreams(runtimeAll, 'runtime') }, image: { ...image, ...listStreams(image, 'image') } }), streaming);
}
