// The contract between the container engine and the image/layer stores.
import type { Readable } from 'node:stream';

/** The image config JSON as Docker and OCI define it (application/vnd.docker.container.image.v1+json). */
export interface ImageConfigFile {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  config: ContainerConfig;
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** Docker's container Config (the part an image carries and a container inherits). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: Record<string, unknown> | null;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[] | null;
}

/** An image as the daemon knows it. */
export interface ImageRecord {
  /** "sha256:<hex>" of the config blob. */
  id: string;
  config: ImageConfigFile;
  /** Parent image id, for images made by commit or build. */
  parent?: string;
  /** Sum of the image's layer sizes (bytes unpacked). */
  size: number;
  /** When the image was first stored locally. */
  loaded: string;
  /** "repo@sha256:..." digests known for it (after pull/push). */
  repoDigests?: string[];
  /** When a tag was last set on it (Metadata.LastTagTime). */
  lastTagTime?: string;
  /** Extra blobs (manifests, indexes) kept alive with this image in the content store. */
  blobs?: string[];
}

/** One entry of `docker diff`: Kind 0 = modified, 1 = added, 2 = deleted. */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

export interface CommitOptions {
  /** The container's config (Docker Config) that becomes the image config, after `changes` applied. */
  config: ContainerConfig;
  /** Dockerfile instructions applied to the config (`docker commit --change`). */
  changes?: string[];
  comment?: string;
  author?: string;
  /** repo[:tag] to tag the new image with. */
  reference?: string;
  /** Image id of the container's image (becomes the parent). */
  parentImageId: string;
  containerId: string;
  /** The container's own config (history "created_by" is its Cmd); defaults to `config`. */
  containerConfig?: ContainerConfig;
}

/** What the container engine needs from the image side. */
export interface ImageService {
  /** Look up by name[:tag], name@digest, full id, or unique id prefix. Throws not-found "No such image: REF". */
  resolve(ref: string): ImageRecord;
  /** Whether any container refers to an image is the engine's business; this is called before image removal. */
  setInUseCheck(fn: (imageId: string) => { running: boolean; containerId?: string } | undefined): void;
  /** The containers and their images, for `docker system df` (containers per image, active images). */
  setContainerLister(fn: () => { imageId: string; running: boolean }[]): void;

  /** Prepare the container's writable layer on top of the image's layers (the image by id, or its record already looked up). */
  createRWLayer(containerId: string, image: string | ImageRecord): void;
  /** Mount the container's root filesystem (overlayfs) and return its path. Idempotent. */
  mountRWLayer(containerId: string): Promise<string>;
  unmountRWLayer(containerId: string): Promise<void>;
  removeRWLayer(containerId: string): Promise<void>;
  /** Bytes the container's writable layer holds (what removing it frees). */
  rwLayerSize(containerId: string): number;
  /** The containers that have a writable layer (recover() sweeps those without a record). */
  rwLayerIds(): string[];
  /** `docker diff` of the writable layer. */
  changes(containerId: string): Promise<Change[]>;
  /** `docker export`: a tar stream of the container's whole filesystem. */
  exportRootfs(containerId: string): Promise<Readable>;
  /** `docker commit`: turn the writable layer into a new image layer. */
  commit(opts: CommitOptions): Promise<ImageRecord>;
}
