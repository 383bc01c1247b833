// Request/response types for the endpoints the SDK wraps. The definitions come from the spec
// (types.gen.ts); the inline schemas of individual operations are written out here.
import type {
  ContainerConfig,
  ContainerSummary,
  HostConfig,
  ImageDeleteResponseItem,
  ImageSummary,
  NetworkingConfig,
  ProcessConfig,
  Volume,
  BuildCache,
} from './types.gen.ts';

export type * from './types.gen.ts';

/** Filters as the CLI collects them (`--filter k=v`): key → values. */
export type Filters = Record<string, string[]>;

/** Body of POST /containers/create. */
export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: NetworkingConfig;
}

export interface ContainerListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

export interface ContainerCreateOptions {
  name?: string;
  platform?: string;
}

export interface ContainerLogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  tail?: string;
  details?: boolean;
}

export interface ContainerAttachOptions {
  stream?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export interface ContainerRemoveOptions {
  force?: boolean;
  volumes?: boolean;
  link?: boolean;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ContainerPruneResponse {
  ContainersDeleted?: string[] | null;
  SpaceReclaimed?: number;
}

export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Body of POST /containers/{id}/exec. */
export interface ExecCreateRequest {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ConsoleSize?: [number, number] | null;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[];
  Cmd: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

export interface ExecStartRequest {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

export interface ExecInspectResponse {
  CanRemove?: boolean;
  DetachKeys?: string;
  ID?: string;
  Running?: boolean;
  ExitCode?: number | null;
  ProcessConfig?: ProcessConfig;
  OpenStdin?: boolean;
  OpenStderr?: boolean;
  OpenStdout?: boolean;
  ContainerID?: string;
  Pid?: number;
}

export interface ImageListOptions {
  all?: boolean;
  filters?: Filters;
  digests?: boolean;
  sharedSize?: boolean;
  manifests?: boolean;
}

export interface ImageRemoveOptions {
  force?: boolean;
  noprune?: boolean;
}

export interface HistoryResponseItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImagePruneResponse {
  ImagesDeleted?: ImageDeleteResponseItem[] | null;
  SpaceReclaimed?: number;
}

export interface CommitOptions {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  changes?: string[];
}

export interface ImageImportOptions {
  /** Image name to give the import (repo[:tag]). */
  repo?: string;
  tag?: string;
  message?: string;
  changes?: string[];
  platform?: string;
  /** Import from this URL instead of the request body ("-" means the body). */
  fromSrc?: string;
}

/** One message of a JSON progress stream (pull, push, load, import, build). */
export interface JSONMessage {
  id?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number; units?: string; hidecounts?: boolean };
  stream?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: unknown;
  time?: number;
  timeNano?: number;
  from?: string;
}

export interface SystemDataUsageResponse {
  LayersSize?: number;
  Images?: ImageSummary[];
  Containers?: ContainerSummary[];
  Volumes?: Volume[];
  BuildCache?: BuildCache[];
}

export interface EventsOptions {
  since?: string;
  until?: string;
  filters?: Filters;
}

export interface NetworkListOptions {
  filters?: Filters;
}

export interface VolumeListOptions {
  filters?: Filters;
}
