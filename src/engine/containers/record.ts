// A container as the daemon stores it: Docker's Config and HostConfig as the client sent them
// (merged with the image), plus the state the engine maintains.
import type { ContainerConfig } from '../../images/types.ts';
import type { MountSpec } from '../../runtime/types.ts';
import type { PortBinding } from '../../network/types.ts';

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: Status;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** present while a container with a healthcheck runs (and after, with the last result) */
  Health?: import('./health.ts').Health;
}

export interface HostConfig {
  Binds?: string[] | null;
  NetworkMode?: string;
  AutoRemove?: boolean;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  Tmpfs?: Record<string, string> | null;
  ReadonlyRootfs?: boolean;
  Privileged?: boolean;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
  ShmSize?: number;
  SecurityOpt?: string[] | null;
  Sysctls?: Record<string, string> | null;
  GroupAdd?: string[] | null;
  Mounts?: { Type: string; Source?: string; Target: string; ReadOnly?: boolean; TmpfsOptions?: { SizeBytes?: number; Mode?: number } }[] | null;
  ExtraHosts?: string[] | null;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  Init?: boolean | null;
  Isolation?: string;
  Runtime?: string;
  LogConfig?: { Type: string; Config: Record<string, string> };
  [key: string]: unknown;
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerRecord {
  Id: string;
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  /** Image id ("sha256:..."). */
  Image: string;
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  RestartCount: number;
  LogPath: string;
  HostnamePath: string;
  HostsPath: string;
  ResolvConfPath: string;
  Mounts: MountPoint[];
  /** Execs currently running in the container (ids). */
  ExecIDs: string[];
  /** Whether the user stopped it explicitly (for restart policies). */
  HasBeenManuallyStopped?: boolean;
  NetworkSettings?: NetworkSettings;
  /** the runtime mounts resolved at create (volumes named), used at every start */
  mountSpecs?: MountSpec[];
  /** An operation on the outside world in progress, written before it starts (see state.ts). Not shown by inspect. */
  Intent?: import('./state.ts').Intent;
  /** Paused by a commit, not by the user: a crash before the commit's unpause is undone at recovery. Not shown by inspect. */
  pausedForCommit?: boolean;
}

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  };
}

/** A container's endpoint on one network (Docker's EndpointSettings). */
export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  /** the IPv6 address on a network with EnableIPv6 ('' or absent otherwise) */
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
  DNSNames: string[] | null;
  /** options for the network driver, as the client gave them (absent: null in inspect) */
  DriverOpts?: Record<string, string>;
  /** the interface in the container (eth0, eth1, ...): Berth's own, not shown by inspect */
  ifName?: string;
  /** the MAC address the client asked for (--mac-address): Berth's own, not shown by inspect */
  configuredMac?: string;
}

export type { PortBinding };

export interface NetworkSettings {
  /** network name → endpoint (addresses filled while the container runs) */
  Networks: Record<string, EndpointSettings>;
  /** "80/tcp" → bindings (null for an exposed, unpublished port); filled while it runs */
  Ports: Record<string, PortBinding[] | null>;
}
