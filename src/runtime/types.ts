// The contract between the container engine and the runtime drivers (runc today, runsc next).
// The engine decides *what* runs; a driver decides *how*: OCI bundle, monitor process, runtime binary.
import type { Readable } from 'node:stream';

export interface MountSpec {
  destination: string;
  source: string;
  type: string; // 'bind' | 'tmpfs' | ...
  options: string[];
}

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** Everything needed to run one container's main process. Paths are absolute host paths. */
export interface RunSpec {
  id: string;
  /** Mounted root filesystem (the overlay's merged dir). */
  rootfs: string;
  /** Directory owned by the runtime for this container (bundle, pid files, attach socket, ...). Survives daemon restarts. */
  stateDir: string;
  /** The file the monitor writes (k8s-file format): the log pipeline's buffer, or the CRI log itself. */
  logPath: string;
  args: string[];
  env: string[];
  cwd: string;
  /** Docker's User string: "", "name", "uid", "uid:gid", "name:group". Resolved against the rootfs's /etc/passwd and /etc/group. */
  user: string;
  groupAdd?: string[];
  tty: boolean;
  openStdin: boolean;
  /** Close stdin after the first attach disconnects (docker run -i without -d). */
  stdinOnce: boolean;
  hostname: string;
  domainname?: string;
  readonlyRootfs: boolean;
  /** 'host' shares the host network namespace; 'none' gets a fresh one with only loopback; a path joins that netns. */
  network: 'none' | 'host' | { netnsPath: string; /** made for this container (not another's joined) */ own?: boolean };
  /** Extra mounts (binds, tmpfs, volumes, /etc/hosts, /etc/resolv.conf, /etc/hostname), in order. */
  mounts: MountSpec[];
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  ulimits: Ulimit[];
  /** Bytes; default 64 MiB as Docker. */
  shmSize: number;
  securityOpt: string[];
  sysctls: Record<string, string>;
  /** Stop signal name (for the record; the engine sends signals). */
  stopSignal?: string;
  /** cgroup resources in Docker HostConfig form (Memory, CpuShares, PidsLimit, ...); may be partly unsupported. */
  resources: Record<string, unknown>;
  /** run the command under an init (HostConfig.Init, or the daemon's --init when that is unset); default: resources.Init */
  init?: boolean;
  /** the init binary (the daemon's --init-path); default: tini found on the host */
  initPath?: string;
  cgroupParent?: string;
  annotations?: Record<string, string>;
  /** host devices made available (--device): the node, where it appears, and the cgroup access ("rwm") */
  devices?: { host: import('../platform/linux/devices.ts').HostDevice; containerPath: string; access: string }[];
  /** run in a user namespace where container root is this host uid/gid (--userns-remap) */
  idMap?: { uid: number; gid: number; size: number };
  /** the OCI runtime by name (runc, runsc, ...); default: the driver's default runtime */
  runtime?: string;
  /** the log driver (json-file, local, none, k8s-file), its options (max-size, max-file, ...) and files */
  log?: import('./log-args.ts').LogSettings;
  /** namespaces joined from elsewhere (--pid/--ipc container:X), by OCI type → path */
  joinNamespaces?: Record<string, string>;
  /** --ipc container:X: the donor's /dev/shm (its bundle's shm), bind-mounted in place of a fresh one */
  shmSource?: string;
  /** --ipc shareable: /dev/shm is a tmpfs in the bundle that other containers may bind */
  shareableShm?: boolean;
}

export type StreamName = 'stdout' | 'stderr';

export interface LogEntry {
  stream: StreamName;
  /** RFC3339Nano timestamp as written by the monitor. */
  time: string;
  /** Unix time in nanoseconds (BigInt-free: ms * 1e6 + ns remainder kept in the string). */
  timeNs: bigint;
  /** One line including its trailing '\n' (if the line was complete). */
  data: Buffer;
}

export interface LogOptions {
  follow: boolean;
  /** Number of lines from the end; undefined for all. */
  tail?: number;
  /** Unix seconds (fractional allowed). */
  since?: number;
  until?: number;
  stdout: boolean;
  stderr: boolean;
}

/** A live connection to a running process's stdio (container main process or exec). */
export interface AttachSession {
  /** Called with each chunk of output; `stream` is stdout or stderr ('stdout' for a TTY). */
  onData(cb: (stream: StreamName, data: Buffer) => void): void;
  /** Called once when the output side closes (process exited or monitor gone). */
  onEnd(cb: () => void): void;
  write(data: Buffer): void;
  /** Close the process's stdin (EOF). */
  endStdin(): void;
  /** Disconnect without affecting the process. */
  close(): void;
  /** Stop passing the process's output on until resume(): a client that does not keep up holds the
   * process back (its pipe fills), as dockerd's attach does, instead of the daemon buffering it.
   * conmon's attach socket never holds the container back: there the daemon holds a bounded amount
   * and then drops, as conmon itself does (runtime/attach.ts). */
  pause?(): void;
  resume?(): void;
}

export interface ExecSpec {
  execId: string;
  args: string[];
  env: string[];
  cwd: string;
  user: string;
  tty: boolean;
  openStdin: boolean;
  privileged: boolean;
}

export interface ExecHandle {
  /** The attach session for the exec's stdio; available once started. */
  attach: AttachSession;
  /** Resolves with the exec process's exit code. */
  exited: Promise<number>;
  pid: number;
  resize(height: number, width: number): Promise<void>;
  /** Signal the exec's process (a timed-out healthcheck); absent where the host cannot. */
  kill?(signal: NodeJS.Signals): void;
}

export interface RuntimeState {
  status: 'created' | 'running' | 'paused' | 'stopped' | 'unknown';
  pid: number;
}

export interface RuntimeDriver {
  /** the default runtime's name */
  readonly name: string;
  /** every OCI runtime this driver can run containers with (`docker info`'s Runtimes) */
  runtimes(): { name: string; path: string; args?: string[] }[];
  /** Write the bundle and start the monitor; the container is created (not started) when this resolves. Returns the init pid. */
  create(spec: RunSpec): Promise<{ pid: number }>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string | number, all?: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Remove the runtime's record of the container (after it stopped; `force` kills first). */
  delete(id: string, force?: boolean): Promise<void>;
  state(id: string): Promise<RuntimeState | undefined>;
  /** The exit code recorded by the monitor, if the process has exited (works across daemon restarts). */
  exitCode(id: string): { code: number; at: Date } | undefined;
  /** Whether the kernel's OOM killer hit the container during its last run (State.OOMKilled). Ask before delete(). */
  oomKilled?(id: string): boolean;
  /** Calls cb once per container exit noticed while the daemon runs. */
  onExit(cb: (id: string, code: number) => void): void;
  /** Connect to the main process's stdio through the monitor. */
  attach(id: string): Promise<AttachSession>;
  resize(id: string, height: number, width: number): Promise<void>;
  /** Close the container's log file and open a new one at its path (after it was rotated away). */
  reopenLog?(id: string): Promise<void>;
  /** Run an extra process in the container. Resolves once it is running. */
  exec(id: string, spec: ExecSpec): Promise<ExecHandle>;
  /** Read the container's log; with follow, keeps reading until the container's monitor exits or the signal aborts. */
  logs(id: string, log: import('./log-args.ts').LogSettings, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogEntry>;
  /** After a daemon restart: convert what the monitor logged meanwhile, and go on while `running`. */
  resumeLog?(id: string, log: import('./log-args.ts').LogSettings, running: boolean): void;
  /** The container is removed: let go of its log files. */
  forgetLog?(id: string): void;
  /** Apply new cgroup limits (Docker HostConfig resource fields) to a running container. */
  update(id: string, resources: Record<string, unknown>): Promise<void>;
  /** Host pids of all processes in the container. */
  pids(id: string): Promise<number[]>;
  /** `docker top` from the runtime itself, for runtimes whose processes are not host processes. */
  processTable?(id: string): Promise<{ Titles: string[]; Processes: string[][] } | undefined>;
  /** Watch the container's stdio for exit when the daemon (re)starts: re-arm exit detection. */
  recover(id: string): void;
}
