// Daemon configuration from dockerd-style flags.
import path from 'node:path';

export interface DaemonConfig {
  /** unix:// socket path the API listens on (when `hosts` is not given). */
  socketPath: string;
  /** -H / "hosts", normalized (unix:///path, tcp://host:port); replaces socketPath when given. */
  hosts?: string[];
  /** --group / "group": the group of the unix sockets (default "docker" when it exists). */
  socketGroup?: string;
  /** TLS for the TCP listeners (--tls, --tlsverify and their files). */
  tls?: ApiTls;
  /** --tls or --tlsverify was given explicitly (true or false). */
  tlsChosen?: boolean;
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
  /** --init / "init": containers without HostConfig.Init run under an init (tini), as with --init. */
  init?: boolean;
  /** --init-path / "init-path": the init binary mounted as /sbin/docker-init (default: tini, found on the host). */
  initPath?: string;
  /** --cri-socket: unix:// address of the Kubernetes CRI; "" turns it off; unset = cri.sock beside socketPath. */
  criSocket?: string;
  /** --cri-stream-idle-timeout: CRI streaming connections idle this long are closed (containerd's stream_idle_timeout); 0 never. */
  criStreamIdleTimeoutMs?: number;
  /** --ipv6 / "ipv6": the default bridge is dual-stack, its IPv6 pool `fixedCidrV6` (--fixed-cidr-v6). */
  ipv6?: boolean;
  fixedCidrV6?: string;
}

/** The TLS settings of the API's TCP listeners, after dockerd's rules for --tls/--tlsverify. */
export interface ApiTls {
  ca: string;
  cert: string;
  key: string;
  /** --tlsverify: clients must present a certificate signed by `ca` */
  verify: boolean;
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
