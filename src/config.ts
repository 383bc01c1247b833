// Daemon configuration from dockerd-style flags.
import path from 'node:path';

export interface DaemonConfig {
  /** unix:// socket path the API listens on. */
  socketPath: string;
  /** Persistent state: images, layers, containers, metadata. */
  dataRoot: string;
  /** Runtime state: bundles, monitor sockets, exit files. */
  execRoot: string;
  logLevel: string;
  /** Registries reached over plain HTTP besides loopback ones (--insecure-registry). */
  insecureRegistries?: string[];
  /** OCI runtimes besides runc and (when installed) runsc: --add-runtime, daemon.json "runtimes". */
  runtimes?: RuntimeConfig[];
  /** --default-runtime / "default-runtime"; default runc. */
  defaultRuntime?: string;
  /** --userns-remap: "default" or USER[:GROUP]; container root becomes an unprivileged host id. */
  usernsRemap?: string;
  /** --cri-socket: unix:// address of the Kubernetes CRI; "" turns it off; unset = cri.sock beside socketPath. */
  criSocket?: string;
}

/** An OCI runtime with runc's command line, as dockerd's `runtimes` entries. */
export interface RuntimeConfig {
  name: string;
  path: string;
  args?: string[];
}

/** The runtime that --isolation=hyperv (alias sandbox) selects: gVisor. */
export const SANDBOX_RUNTIME = 'runsc';

export const DEFAULTS: DaemonConfig = {
  socketPath: '/run/berth/berth.sock',
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  logLevel: 'info',
};

/** Well-known places under the data and exec roots. */
export function layout(cfg: DaemonConfig) {
  return {
    db: path.join(cfg.dataRoot, 'berth.db'),
    blobs: path.join(cfg.dataRoot, 'content', 'blobs', 'sha256'),
    layers: path.join(cfg.dataRoot, 'layers'),
    containers: path.join(cfg.dataRoot, 'containers'),
    tmp: path.join(cfg.dataRoot, 'tmp'),
    runtimeState: path.join(cfg.execRoot, 'runtime'),
  };
}
