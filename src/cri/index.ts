// The CRI front end: the gRPC server with its handler groups, wired to the engine's services.
import path from 'node:path';
import type { DaemonConfig } from '../config.ts';
import type { ImagesEngine } from '../engine/images.ts';
import type { DistributionService } from '../engine/distribution.ts';
import { CriServer } from './server.ts';
import { imageHandlers } from './images.ts';
import { runtimeInfoHandlers } from './runtime-info.ts';

export { DEFAULT_CRI_SOCKET, criSocketPath } from './server.ts';

export interface CriDeps {
  cfg: DaemonConfig;
  images: ImagesEngine;
  dist: DistributionService;
  /** the daemon's OCI runtimes: each is a CRI runtime handler */
  runtimes: () => string[];
}

/** The CRI socket beside the Engine API socket unless given (--cri-socket; "" turns the CRI off). */
export function criAddress(cfg: DaemonConfig): string {
  if (cfg.criSocket !== undefined) return cfg.criSocket;
  return `unix://${path.join(path.dirname(cfg.socketPath), 'cri.sock')}`;
}

export function createCriServer(d: CriDeps): CriServer {
  const runtime = runtimeInfoHandlers({
    runtimeHandlers: d.runtimes,
    // pod sandboxes (and so pod networks) are not served yet: the node must not be called ready
    network: () => ({ ready: false, reason: 'NetworkPluginNotReady', message: 'berthd does not run pod sandboxes yet' }),
    config: () => ({ dataRoot: d.cfg.dataRoot, execRoot: d.cfg.execRoot, runtimeHandlers: d.runtimes(), insecureRegistries: d.cfg.insecureRegistries ?? [] }),
  });
  const image = imageHandlers({ images: d.images, dist: d.dist, runtimeHandlers: d.runtimes });
  return new CriServer({ runtime, image });
}
