// Generated from the Docker Engine API v1.50 spec by src/sdk/codegen/gen-types.py. Do not edit.
/* eslint-disable */

export interface ContainerSummary {
  /** The ID of this container as a 128-bit (64-character) hexadecimal string (32 bytes). */
  Id?: string;
  /** The names associated with this container. Most containers have a single name, but when using legacy "links", the container can have multiple names. */
  Names?: string[];
  /** The name or ID of the image used to create the container. */
  Image?: string;
  /** The ID (digest) of the image that this container was created from. */
  ImageID?: string;
  /** OCI descriptor of the platform-specific manifest of the image the container was created from. */
  ImageManifestDescriptor?: OCIDescriptor | null;
  /** Command to run when starting the container */
  Command?: string;
  /** Date and time at which the container was created as a Unix timestamp (number of seconds since EPOCH). */
  Created?: number;
  /** Port-mappings for the container. */
  Ports?: Port[];
  /** The size of files that have been created or changed by this container. */
  SizeRw?: number | null;
  /** The total size of all files in the read-only layers from the image that the container uses. These layers can be shared between containers. */
  SizeRootFs?: number | null;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  /** The state of this container. */
  State?: 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing' | 'dead';
  /** Additional human-readable status of this container (e.g. `Exit 0`) */
  Status?: string;
  /** Summary of host-specific runtime information of the container. This is a reduced set of information in the container's "HostConfig" as available in the... */
  HostConfig?: {
    /** Networking mode (`host`, `none`, `container:<id>`) or name of the primary network the container is using. */
    NetworkMode?: string;
    /** Arbitrary key-value metadata attached to the container. */
    Annotations?: Record<string, string> | null;
  };
  /** Summary of the container's network settings */
  NetworkSettings?: {
    /** Summary of network-settings for each network the container is attached to. */
    Networks?: Record<string, EndpointSettings>;
  };
  /** List of mounts used by the container. */
  Mounts?: MountPoint[];
}

/** ContainerInspectResponse */
export interface ContainerInspectResponse {
  /** The ID of this container as a 128-bit (64-character) hexadecimal string (32 bytes). */
  Id?: string;
  /** Date and time at which the container was created, formatted in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  Created?: string | null;
  /** The path to the command being run */
  Path?: string;
  /** The arguments to the command being run */
  Args?: string[];
  State?: ContainerState;
  /** The ID (digest) of the image that this container was created from. */
  Image?: string;
  /** Location of the `/etc/resolv.conf` generated for the container on the host. */
  ResolvConfPath?: string;
  /** Location of the `/etc/hostname` generated for the container on the host. */
  HostnamePath?: string;
  /** Location of the `/etc/hosts` generated for the container on the host. */
  HostsPath?: string;
  /** Location of the file used to buffer the container's logs. Depending on the logging-driver used for the container, this field may be omitted. */
  LogPath?: string | null;
  /** The name associated with this container. */
  Name?: string;
  /** Number of times the container was restarted since it was created, or since daemon was started. */
  RestartCount?: number;
  /** The storage-driver used for the container's filesystem (graph-driver or snapshotter). */
  Driver?: string;
  /** The platform (operating system) for which the container was created. */
  Platform?: string;
  /** OCI descriptor of the platform-specific manifest of the image the container was created from. */
  ImageManifestDescriptor?: OCIDescriptor;
  /** SELinux mount label set for the container. */
  MountLabel?: string;
  /** SELinux process label set for the container. */
  ProcessLabel?: string;
  /** The AppArmor profile set for the container. */
  AppArmorProfile?: string;
  /** IDs of exec instances that are running in the container. */
  ExecIDs?: string[] | null;
  HostConfig?: HostConfig;
  GraphDriver?: DriverData;
  /** The size of files that have been created or changed by this container. */
  SizeRw?: number | null;
  /** The total size of all files in the read-only layers from the image that the container uses. These layers can be shared between containers. */
  SizeRootFs?: number | null;
  /** List of mounts used by the container. */
  Mounts?: MountPoint[];
  Config?: ContainerConfig;
  NetworkSettings?: NetworkSettings;
}

/** Configuration for a container that is portable between hosts. */
export interface ContainerConfig {
  /** The hostname to use for the container, as a valid RFC 1123 hostname. */
  Hostname?: string;
  /** The domain name to use for the container. */
  Domainname?: string;
  /** Commands run as this user inside the container. If omitted, commands run as the user specified in the image the container was started from. */
  User?: string;
  /** Whether to attach to `stdin`. */
  AttachStdin?: boolean;
  /** Whether to attach to `stdout`. */
  AttachStdout?: boolean;
  /** Whether to attach to `stderr`. */
  AttachStderr?: boolean;
  /** An object mapping ports to an empty object in the form: */
  ExposedPorts?: Record<string, Record<string, unknown>> | null;
  /** Attach standard streams to a TTY, including `stdin` if it is not closed. */
  Tty?: boolean;
  /** Open `stdin` */
  OpenStdin?: boolean;
  /** Close `stdin` after one attached client disconnects */
  StdinOnce?: boolean;
  /** A list of environment variables to set inside the container in the form `["VAR=value", ...]`. A variable without `=` is removed from the environment, rather... */
  Env?: string[];
  /** Command to run specified as a string or an array of strings. */
  Cmd?: string[];
  Healthcheck?: HealthConfig;
  /** Command is already escaped (Windows only) */
  ArgsEscaped?: boolean | null;
  /** The name (or reference) of the image to use when creating the container, or which was used when the container was created. */
  Image?: string;
  /** An object mapping mount point paths inside the container to empty objects. */
  Volumes?: Record<string, Record<string, unknown>>;
  /** The working directory for commands to run in. */
  WorkingDir?: string;
  /** The entry point for the container as a string or an array of strings. */
  Entrypoint?: string[];
  /** Disable networking for the container. */
  NetworkDisabled?: boolean | null;
  /** MAC address of the container. */
  MacAddress?: string | null;
  /** `ONBUILD` metadata that were defined in the image's `Dockerfile`. */
  OnBuild?: string[] | null;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  /** Signal to stop a container as a string or unsigned integer. */
  StopSignal?: string | null;
  /** Timeout to stop a container in seconds. */
  StopTimeout?: number | null;
  /** Shell for when `RUN`, `CMD`, and `ENTRYPOINT` uses a shell. */
  Shell?: string[] | null;
}

/** Container configuration that depends on the host we are running on */
export interface HostConfig extends Resources {
  /** A list of volume bindings for this container. Each volume binding is a string in one of these forms: */
  Binds?: string[];
  /** Path to a file where the container ID is written */
  ContainerIDFile?: string;
  /** The logging configuration for this container */
  LogConfig?: {
    /** Name of the logging driver used for the container or "none" if logging is disabled. */
    Type?: 'local' | 'json-file' | 'syslog' | 'journald' | 'gelf' | 'fluentd' | 'awslogs' | 'splunk' | 'etwlogs' | 'none';
    /** Driver-specific configuration options for the logging driver. */
    Config?: Record<string, string>;
  };
  /** Network mode to use for this container. Supported standard values are: `bridge`, `host`, `none`, and `container:<name|id>`. Any other value is taken as a... */
  NetworkMode?: string;
  PortBindings?: PortMap;
  RestartPolicy?: RestartPolicy;
  /** Automatically remove the container when the container's process exits. This has no effect if `RestartPolicy` is set. */
  AutoRemove?: boolean;
  /** Driver that this container uses to mount volumes. */
  VolumeDriver?: string;
  /** A list of volumes to inherit from another container, specified in the form `<container name>[:<ro|rw>]`. */
  VolumesFrom?: string[];
  /** Specification for mounts to be added to the container. */
  Mounts?: Mount[];
  /** Initial console size, as an `[height, width]` array. */
  ConsoleSize?: number[] | null;
  /** Arbitrary non-identifying metadata attached to container and provided to the runtime when the container is started. */
  Annotations?: Record<string, string>;
  /** A list of kernel capabilities to add to the container. Conflicts with option 'Capabilities'. */
  CapAdd?: string[];
  /** A list of kernel capabilities to drop from the container. Conflicts with option 'Capabilities'. */
  CapDrop?: string[];
  /** cgroup namespace mode for the container. Possible values are: */
  CgroupnsMode?: 'private' | 'host';
  /** A list of DNS servers for the container to use. */
  Dns?: string[];
  /** A list of DNS options. */
  DnsOptions?: string[];
  /** A list of DNS search domains. */
  DnsSearch?: string[];
  /** A list of hostnames/IP mappings to add to the container's `/etc/hosts` file. Specified in the form `["hostname:IP"]`. */
  ExtraHosts?: string[];
  /** A list of additional groups that the container process will run as. */
  GroupAdd?: string[];
  /** IPC sharing mode for the container. Possible values are: */
  IpcMode?: string;
  /** Cgroup to use for the container. */
  Cgroup?: string;
  /** A list of links for the container in the form `container_name:alias`. */
  Links?: string[];
  /** An integer value containing the score given to the container in order to tune OOM killer preferences. */
  OomScoreAdj?: number;
  /** Set the PID (Process) Namespace mode for the container. It can be either: */
  PidMode?: string;
  /** Gives the container full access to the host. */
  Privileged?: boolean;
  /** Allocates an ephemeral host port for all of a container's exposed ports. */
  PublishAllPorts?: boolean;
  /** Mount the container's root filesystem as read only. */
  ReadonlyRootfs?: boolean;
  /** A list of string values to customize labels for MLS systems, such as SELinux. */
  SecurityOpt?: string[];
  /** Storage driver options for this container, in the form `{"size": "120G"}`. */
  StorageOpt?: Record<string, string>;
  /** A map of container directories which should be replaced by tmpfs mounts, and their corresponding mount options. For example: */
  Tmpfs?: Record<string, string>;
  /** UTS namespace to use for the container. */
  UTSMode?: string;
  /** Sets the usernamespace mode for the container when usernamespace remapping option is enabled. */
  UsernsMode?: string;
  /** Size of `/dev/shm` in bytes. If omitted, the system uses 64MB. */
  ShmSize?: number;
  /** A list of kernel parameters (sysctls) to set in the container. */
  Sysctls?: Record<string, string> | null;
  /** Runtime to use with this container. */
  Runtime?: string | null;
  /** Isolation technology of the container. (Windows only) */
  Isolation?: 'default' | 'process' | 'hyperv' | '';
  /** The list of paths to be masked inside the container (this overrides the default set of paths). */
  MaskedPaths?: string[];
  /** The list of paths to be set as read-only inside the container (this overrides the default set of paths). */
  ReadonlyPaths?: string[];
}

/** NetworkingConfig represents the container's networking configuration for each of its interfaces. It is used for the networking configs specified in the... */
export interface NetworkingConfig {
  /** A mapping of network name to endpoint configuration for that network. The endpoint configuration can be left empty to connect to that network with no... */
  EndpointsConfig?: Record<string, EndpointSettings>;
}

/** OK response to ContainerCreate operation */
export interface ContainerCreateResponse {
  /** The ID of the created container */
  Id?: string;
  /** Warnings encountered when creating the container */
  Warnings?: string[];
}

/** OK response to ContainerWait operation */
export interface ContainerWaitResponse {
  /** Exit code of the container */
  StatusCode?: number;
  Error?: ContainerWaitExitError;
}

/** Container "top" response. */
export interface ContainerTopResponse {
  /** The ps column titles */
  Titles?: string[];
  /** Each process running in the container, where each process is an array of values corresponding to the titles. */
  Processes?: string[][];
}

/** Statistics sample for a container. */
export interface ContainerStatsResponse {
  /** Name of the container */
  name?: string | null;
  /** ID of the container */
  id?: string | null;
  /** Date and time at which this sample was collected. The value is formatted as [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) with nano-seconds. */
  read?: string;
  /** Date and time at which this first sample was collected. This field is not propagated if the "one-shot" option is set. If the "one-shot" option is set, this... */
  preread?: string;
  pids_stats?: ContainerPidsStats;
  blkio_stats?: ContainerBlkioStats;
  /** The number of processors on the system. */
  num_procs?: number;
  storage_stats?: ContainerStorageStats;
  cpu_stats?: ContainerCPUStats;
  precpu_stats?: ContainerCPUStats;
  memory_stats?: ContainerMemoryStats;
  /** Network statistics for the container per interface. */
  networks?: Record<string, ContainerNetworkStats> | null;
}

/** Response for a successful container-update. */
export interface ContainerUpdateResponse {
  /** Warnings encountered when updating the container. */
  Warnings?: string[];
}

/** Change in the container's filesystem. */
export interface FilesystemChange {
  /** Path to file or directory that has changed. */
  Path?: string;
  Kind?: ChangeType;
}

export interface ImageSummary {
  /** ID is the content-addressable ID of an image. */
  Id?: string;
  /** ID of the parent image. */
  ParentId?: string;
  /** List of image names/tags in the local image cache that reference this image. */
  RepoTags?: string[];
  /** List of content-addressable digests of locally available image manifests that the image is referenced from. Multiple manifests can refer to the same image. */
  RepoDigests?: string[];
  /** Date and time at which the image was created as a Unix timestamp (number of seconds since EPOCH). */
  Created?: number;
  /** Total size of the image including all layers it is composed of. */
  Size?: number;
  /** Total size of image layers that are shared between this image and other images. */
  SharedSize?: number;
  /** Total size of the image including all layers it is composed of. */
  VirtualSize?: number;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  /** Number of containers using this image. Includes both stopped and running containers. */
  Containers?: number;
  /** Manifests is a list of manifests available in this image. It provides a more detailed view of the platform-specific image manifests or other image-attached... */
  Manifests?: ImageManifestSummary[];
  /** Descriptor is an OCI descriptor of the image target. In case of a multi-platform image, this descriptor points to the OCI index or a manifest list. */
  Descriptor?: OCIDescriptor | null;
}

/** Information about an image in the local image cache. */
export interface ImageInspect {
  /** ID is the content-addressable ID of an image. */
  Id?: string;
  /** Descriptor is an OCI descriptor of the image target. In case of a multi-platform image, this descriptor points to the OCI index or a manifest list. */
  Descriptor?: OCIDescriptor | null;
  /** Manifests is a list of image manifests available in this image. It provides a more detailed view of the platform-specific image manifests or other... */
  Manifests?: ImageManifestSummary[] | null;
  /** List of image names/tags in the local image cache that reference this image. */
  RepoTags?: string[];
  /** List of content-addressable digests of locally available image manifests that the image is referenced from. Multiple manifests can refer to the same image. */
  RepoDigests?: string[];
  /** ID of the parent image. */
  Parent?: string;
  /** Optional message that was set when committing or importing the image. */
  Comment?: string;
  /** Date and time at which the image was created, formatted in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  Created?: string | null;
  /** The version of Docker that was used to build the image. */
  DockerVersion?: string;
  /** Name of the author that was specified when committing the image, or as specified through MAINTAINER (deprecated) in the Dockerfile. */
  Author?: string;
  Config?: ImageConfig;
  /** Hardware CPU architecture that the image runs on. */
  Architecture?: string;
  /** CPU architecture variant (presently ARM-only). */
  Variant?: string | null;
  /** Operating System the image is built to run on. */
  Os?: string;
  /** Operating System version the image is built to run on (especially for Windows). */
  OsVersion?: string | null;
  /** Total size of the image including all layers it is composed of. */
  Size?: number;
  /** Total size of the image including all layers it is composed of. */
  VirtualSize?: number;
  GraphDriver?: DriverData;
  /** Information about the image's RootFS, including the layer IDs. */
  RootFS?: {
    Type?: string;
    Layers?: string[];
  };
  /** Additional metadata of the image in the local cache. This information is local to the daemon, and not part of the image itself. */
  Metadata?: {
    /** Date and time at which the image was last tagged in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
    LastTagTime?: string | null;
  };
}

export interface ImageDeleteResponseItem {
  /** The image ID of an image that was untagged */
  Untagged?: string;
  /** The image ID of an image that was deleted */
  Deleted?: string;
}

export interface SystemInfo {
  /** Unique identifier of the daemon. */
  ID?: string;
  /** Total number of containers on the host. */
  Containers?: number;
  /** Number of containers with status `"running"`. */
  ContainersRunning?: number;
  /** Number of containers with status `"paused"`. */
  ContainersPaused?: number;
  /** Number of containers with status `"stopped"`. */
  ContainersStopped?: number;
  /** Total number of images on the host. */
  Images?: number;
  /** Name of the storage driver in use. */
  Driver?: string;
  /** Information specific to the storage driver, provided as "label" / "value" pairs. */
  DriverStatus?: string[][];
  /** Root directory of persistent Docker state. */
  DockerRootDir?: string;
  Plugins?: PluginsInfo;
  /** Indicates if the host has memory limit support enabled. */
  MemoryLimit?: boolean;
  /** Indicates if the host has memory swap limit support enabled. */
  SwapLimit?: boolean;
  /** Indicates if the host has kernel memory TCP limit support enabled. This field is omitted if not supported. */
  KernelMemoryTCP?: boolean;
  /** Indicates if CPU CFS(Completely Fair Scheduler) period is supported by the host. */
  CpuCfsPeriod?: boolean;
  /** Indicates if CPU CFS(Completely Fair Scheduler) quota is supported by the host. */
  CpuCfsQuota?: boolean;
  /** Indicates if CPU Shares limiting is supported by the host. */
  CPUShares?: boolean;
  /** Indicates if CPUsets (cpuset.cpus, cpuset.mems) are supported by the host. */
  CPUSet?: boolean;
  /** Indicates if the host kernel has PID limit support enabled. */
  PidsLimit?: boolean;
  /** Indicates if OOM killer disable is supported on the host. */
  OomKillDisable?: boolean;
  /** Indicates IPv4 forwarding is enabled. */
  IPv4Forwarding?: boolean;
  /** Indicates if `bridge-nf-call-iptables` is available on the host when the daemon was started. */
  BridgeNfIptables?: boolean;
  /** Indicates if `bridge-nf-call-ip6tables` is available on the host. */
  BridgeNfIp6tables?: boolean;
  /** Indicates if the daemon is running in debug-mode / with debug-level logging enabled. */
  Debug?: boolean;
  /** The total number of file Descriptors in use by the daemon process. */
  NFd?: number;
  /** The  number of goroutines that currently exist. */
  NGoroutines?: number;
  /** Current system-time in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  SystemTime?: string;
  /** The logging driver to use as a default for new containers. */
  LoggingDriver?: string;
  /** The driver to use for managing cgroups. */
  CgroupDriver?: 'cgroupfs' | 'systemd' | 'none';
  /** The version of the cgroup. */
  CgroupVersion?: '1' | '2';
  /** Number of event listeners subscribed. */
  NEventsListener?: number;
  /** Kernel version of the host. */
  KernelVersion?: string;
  /** Name of the host's operating system, for example: "Ubuntu 24.04 LTS" or "Windows Server 2016 Datacenter" */
  OperatingSystem?: string;
  /** Version of the host's operating system */
  OSVersion?: string;
  /** Generic type of the operating system of the host, as returned by the Go runtime (`GOOS`). */
  OSType?: string;
  /** Hardware architecture of the host, as returned by the Go runtime (`GOARCH`). */
  Architecture?: string;
  /** The number of logical CPUs usable by the daemon. */
  NCPU?: number;
  /** Total amount of physical memory available on the host, in bytes. */
  MemTotal?: number;
  /** Address / URL of the index server that is used for image search, and as a default for user authentication for Docker Hub and Docker Cloud. */
  IndexServerAddress?: string;
  RegistryConfig?: RegistryServiceConfig;
  GenericResources?: GenericResources;
  /** HTTP-proxy configured for the daemon. This value is obtained from the [`HTTP_PROXY`](https://www.gnu.org/software/wget/manual/html_node/Proxies.html)... */
  HttpProxy?: string;
  /** HTTPS-proxy configured for the daemon. This value is obtained from the [`HTTPS_PROXY`](https://www.gnu.org/software/wget/manual/html_node/Proxies.html)... */
  HttpsProxy?: string;
  /** Comma-separated list of domain extensions for which no proxy should be used. This value is obtained from the... */
  NoProxy?: string;
  /** Hostname of the host. */
  Name?: string;
  /** User-defined labels (key/value metadata) as set on the daemon. */
  Labels?: string[];
  /** Indicates if experimental features are enabled on the daemon. */
  ExperimentalBuild?: boolean;
  /** Version string of the daemon. */
  ServerVersion?: string;
  /** List of [OCI compliant](https://github.com/opencontainers/runtime-spec) runtimes configured on the daemon. Keys hold the "name" used to reference the runtime. */
  Runtimes?: Record<string, Runtime>;
  /** Name of the default OCI runtime that is used when starting containers. */
  DefaultRuntime?: string;
  Swarm?: unknown;
  /** Indicates if live restore is enabled. */
  LiveRestoreEnabled?: boolean;
  /** Represents the isolation technology to use as a default for containers. The supported values are platform-specific. */
  Isolation?: 'default' | 'hyperv' | 'process' | '';
  /** Name and, optional, path of the `docker-init` binary. */
  InitBinary?: string;
  ContainerdCommit?: Commit;
  RuncCommit?: Commit;
  InitCommit?: Commit;
  /** List of security features that are enabled on the daemon, such as apparmor, seccomp, SELinux, user-namespaces (userns), rootless and no-new-privileges. */
  SecurityOptions?: string[];
  /** Reports a summary of the product license on the daemon. */
  ProductLicense?: string;
  /** List of custom default address pools for local networks, which can be specified in the daemon.json file or dockerd option. */
  DefaultAddressPools?: {
    /** The network address in CIDR format */
    Base?: string;
    /** The network pool size */
    Size?: number;
  }[];
  FirewallBackend?: FirewallInfo;
  /** List of devices discovered by device drivers. */
  DiscoveredDevices?: DeviceInfo[];
  /** List of warnings / informational messages about missing features, or issues related to the daemon configuration. */
  Warnings?: string[];
  /** List of directories where (Container Device Interface) CDI specifications are located. */
  CDISpecDirs?: string[];
  Containerd?: ContainerdInfo;
}

/** Response of Engine API: GET "/version" */
export interface SystemVersion {
  Platform?: {
    Name?: string;
  };
  /** Information about system components */
  Components?: ({
    /** Name of the component */
    Name?: string;
    /** Version of the component */
    Version?: string;
    /** Key/value pairs of strings with additional information about the component. These values are intended for informational purposes only, and their content is... */
    Details?: Record<string, unknown> | null;
  })[];
  /** The version of the daemon */
  Version?: string;
  /** The default (and highest) API version that is supported by the daemon */
  ApiVersion?: string;
  /** The minimum API version that is supported by the daemon */
  MinAPIVersion?: string;
  /** The Git commit of the source code that was used to build the daemon */
  GitCommit?: string;
  /** The version Go used to compile the daemon, and the version of the Go runtime in use. */
  GoVersion?: string;
  /** The operating system that the daemon is running on ("linux" or "windows") */
  Os?: string;
  /** The architecture that the daemon is running on */
  Arch?: string;
  /** The kernel version (`uname -r`) that the daemon is running on. */
  KernelVersion?: string;
  /** Indicates if the daemon is started with experimental features enabled. */
  Experimental?: boolean;
  /** The date and time that the daemon was compiled. */
  BuildTime?: string;
}

/** EventMessage represents the information an event contains. */
export interface EventMessage {
  /** The type of object emitting the event */
  Type?: 'builder' | 'config' | 'container' | 'daemon' | 'image' | 'network' | 'node' | 'plugin' | 'secret' | 'service' | 'volume';
  /** The type of event */
  Action?: string;
  Actor?: EventActor;
  /** Scope of the event. Engine events are `local` scope. Cluster (Swarm) events are `swarm` scope. */
  scope?: 'local' | 'swarm';
  /** Timestamp of event */
  time?: number;
  /** Timestamp of event, with nanosecond accuracy */
  timeNano?: number;
}

export interface Network {
  /** Name of the network. */
  Name?: string;
  /** ID that uniquely identifies a network on a single machine. */
  Id?: string;
  /** Date and time at which the network was created in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  Created?: string;
  /** The level at which the network exists (e.g. `swarm` for cluster-wide or `local` for machine level) */
  Scope?: string;
  /** The name of the driver used to create the network (e.g. `bridge`, `overlay`). */
  Driver?: string;
  /** Whether the network was created with IPv4 enabled. */
  EnableIPv4?: boolean;
  /** Whether the network was created with IPv6 enabled. */
  EnableIPv6?: boolean;
  IPAM?: IPAM;
  /** Whether the network is created to only allow internal networking connectivity. */
  Internal?: boolean;
  /** Whether a global / swarm scope network is manually attachable by regular containers from workers in swarm mode. */
  Attachable?: boolean;
  /** Whether the network is providing the routing-mesh for the swarm cluster. */
  Ingress?: boolean;
  ConfigFrom?: ConfigReference;
  /** Whether the network is a config-only network. Config-only networks are placeholder networks for network configurations to be used by other networks.... */
  ConfigOnly?: boolean;
  /** Contains endpoints attached to the network. */
  Containers?: Record<string, NetworkContainer>;
  /** Network-specific options uses when creating the network. */
  Options?: Record<string, string>;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  /** List of peer nodes for an overlay network. This field is only present for overlay networks, and omitted for other network types. */
  Peers?: PeerInfo[] | null;
}

/** OK response to NetworkCreate operation */
export interface NetworkCreateResponse {
  /** The ID of the created network. */
  Id?: string;
  /** Warnings encountered when creating the container */
  Warning?: string;
}

export interface Volume {
  /** Name of the volume. */
  Name?: string;
  /** Name of the volume driver used by the volume. */
  Driver?: string;
  /** Mount path of the volume on the host. */
  Mountpoint?: string;
  /** Date/Time the volume was created. */
  CreatedAt?: string;
  /** Low-level details about the volume, provided by the volume driver. Details are returned as a map with key/value pairs: `{"key":"value","key2":"value2"}`. */
  Status?: Record<string, Record<string, unknown>>;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  /** The level at which the volume exists. Either `global` for cluster-wide, or `local` for machine level. */
  Scope?: 'local' | 'global';
  ClusterVolume?: ClusterVolume;
  /** The driver specific options used when creating the volume. */
  Options?: Record<string, string>;
  /** Usage details about the volume. This information is used by the `GET /system/df` endpoint, and omitted in other endpoints. */
  UsageData?: {
    /** Amount of disk space used by the volume (in bytes). This information is only available for volumes created with the `"local"` volume driver. For volumes... */
    Size?: number;
    /** The number of containers referencing this volume. This field is set to `-1` if the reference-count is not available. */
    RefCount?: number;
  } | null;
}

/** Volume list response */
export interface VolumeListResponse {
  /** List of volumes */
  Volumes?: Volume[];
  /** Warnings that occurred when fetching the list of volumes. */
  Warnings?: string[];
}

/** Volume configuration */
export interface VolumeCreateOptions {
  /** The new volume's name. If not specified, Docker generates a name. */
  Name?: string;
  /** Name of the volume driver to use. */
  Driver?: string;
  /** A mapping of driver options and values. These options are passed directly to the driver and are driver specific. */
  DriverOpts?: Record<string, string>;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  ClusterVolumeSpec?: ClusterVolumeSpec;
}

export interface CreateImageInfo {
  id?: string;
  /** errors encountered during the operation. */
  error?: string | null;
  errorDetail?: ErrorDetail;
  status?: string;
  /** Progress is a pre-formatted presentation of progressDetail. */
  progress?: string | null;
  progressDetail?: ProgressDetail;
}

export interface PushImageInfo {
  /** errors encountered during the operation. */
  error?: string | null;
  errorDetail?: ErrorDetail;
  status?: string;
  /** Progress is a pre-formatted presentation of progressDetail. */
  progress?: string | null;
  progressDetail?: ProgressDetail;
}

/** Represents an error. */
export interface ErrorResponse {
  /** The error message. */
  message?: string;
}

/** Response to an API call that returns just an Id */
export interface IDResponse {
  /** The id of the newly created object. */
  Id?: string;
}

export interface ProcessConfig {
  privileged?: boolean;
  user?: string;
  tty?: boolean;
  entrypoint?: string;
  arguments?: string[];
}

export interface AuthConfig {
  username?: string;
  password?: string;
  email?: string;
  serveraddress?: string;
}

/** BuildCache contains information about a build cache record. */
export interface BuildCache {
  /** Unique ID of the build cache record. */
  ID?: string;
  /** ID of the parent build cache record. */
  Parent?: string | null;
  /** List of parent build cache record IDs. */
  Parents?: string[] | null;
  /** Cache record type. */
  Type?: 'internal' | 'frontend' | 'source.local' | 'source.git.checkout' | 'exec.cachemount' | 'regular';
  /** Description of the build-step that produced the build cache. */
  Description?: string;
  /** Indicates if the build cache is in use. */
  InUse?: boolean;
  /** Indicates if the build cache is shared. */
  Shared?: boolean;
  /** Amount of disk space used by the build cache (in bytes). */
  Size?: number;
  /** Date and time at which the build cache was created in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  CreatedAt?: string;
  /** Date and time at which the build cache was last used in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  LastUsedAt?: string | null;
  UsageCount?: number;
}

export interface BuildInfo {
  id?: string;
  stream?: string;
  /** errors encountered during the operation. */
  error?: string | null;
  errorDetail?: ErrorDetail;
  status?: string;
  /** Progress is a pre-formatted presentation of progressDetail. */
  progress?: string | null;
  progressDetail?: ProgressDetail;
  aux?: ImageID;
}

/** A descriptor struct containing digest, media type, and size, as defined in the [OCI Content Descriptors... */
export interface OCIDescriptor {
  /** The media type of the object this schema refers to. */
  mediaType?: string;
  /** The digest of the targeted content. */
  digest?: string;
  /** The size in bytes of the blob. */
  size?: number;
  /** List of URLs from which this object MAY be downloaded. */
  urls?: string[] | null;
  /** Arbitrary metadata relating to the targeted content. */
  annotations?: Record<string, string> | null;
  /** Data is an embedding of the targeted content. This is encoded as a base64 string when marshalled to JSON (automatically, by encoding/json). If present, Data... */
  data?: string | null;
  platform?: OCIPlatform;
  /** ArtifactType is the IANA media type of this artifact. */
  artifactType?: string | null;
}

/** An open port on a container */
export interface Port {
  /** Host IP address that the container's port is mapped to */
  IP?: string;
  /** Port on the container */
  PrivatePort?: number;
  /** Port exposed on the host */
  PublicPort?: number;
  Type?: 'tcp' | 'udp' | 'sctp';
}

/** Configuration for a network endpoint. */
export interface EndpointSettings {
  IPAMConfig?: EndpointIPAMConfig;
  Links?: string[];
  /** MAC address for the endpoint on this network. The network driver might ignore this parameter. */
  MacAddress?: string;
  Aliases?: string[];
  /** DriverOpts is a mapping of driver options and values. These options are passed directly to the driver and are driver specific. */
  DriverOpts?: Record<string, string> | null;
  /** This property determines which endpoint will provide the default gateway for a container. The endpoint with the highest priority will be used. If multiple... */
  GwPriority?: number;
  /** Unique ID of the network. */
  NetworkID?: string;
  /** Unique ID for the service endpoint in a Sandbox. */
  EndpointID?: string;
  /** Gateway address for this network. */
  Gateway?: string;
  /** IPv4 address. */
  IPAddress?: string;
  /** Mask length of the IPv4 address. */
  IPPrefixLen?: number;
  /** IPv6 gateway address. */
  IPv6Gateway?: string;
  /** Global IPv6 address. */
  GlobalIPv6Address?: string;
  /** Mask length of the global IPv6 address. */
  GlobalIPv6PrefixLen?: number;
  /** List of all DNS names an endpoint has on a specific network. This list is based on the container name, network aliases, container short ID, and hostname. */
  DNSNames?: string[];
}

/** MountPoint represents a mount point configuration inside the container. This is used for reporting the mountpoints in use by a container. */
export interface MountPoint {
  /** The mount type: */
  Type?: 'bind' | 'volume' | 'image' | 'tmpfs' | 'npipe' | 'cluster';
  /** Name is the name reference to the underlying data defined by `Source` e.g., the volume name. */
  Name?: string;
  /** Source location of the mount. */
  Source?: string;
  /** Destination is the path relative to the container root (`/`) where the `Source` is mounted inside the container. */
  Destination?: string;
  /** Driver is the volume driver used to create the volume (if it is a volume). */
  Driver?: string;
  /** Mode is a comma separated list of options supplied by the user when creating the bind/volume mount. */
  Mode?: string;
  /** Whether the mount is mounted writable (read-write). */
  RW?: boolean;
  /** Propagation describes how mounts are propagated from the host into the mount point, and vice-versa. Refer to the [Linux kernel... */
  Propagation?: string;
}

/** ContainerState stores container's running state. It's part of ContainerJSONBase and will be returned by the "inspect" command. */
export interface ContainerState {
  /** String representation of the container state. Can be one of "created", "running", "paused", "restarting", "removing", "exited", or "dead". */
  Status?: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  /** Whether this container is running. */
  Running?: boolean;
  /** Whether this container is paused. */
  Paused?: boolean;
  /** Whether this container is restarting. */
  Restarting?: boolean;
  /** Whether a process within this container has been killed because it ran out of memory since the container was last started. */
  OOMKilled?: boolean;
  Dead?: boolean;
  /** The process ID of this container */
  Pid?: number;
  /** The last exit code of this container */
  ExitCode?: number;
  Error?: string;
  /** The time when this container was last started. */
  StartedAt?: string;
  /** The time when this container last exited. */
  FinishedAt?: string;
  Health?: Health;
}

/** Information about the storage driver used to store the container's and image's filesystem. */
export interface DriverData {
  /** Name of the storage driver. */
  Name?: string;
  /** Low-level storage metadata, provided as key/value pairs. */
  Data?: Record<string, string>;
}

/** NetworkSettings exposes the network settings in the API */
export interface NetworkSettings {
  /** Name of the default bridge interface when dockerd's --bridge flag is set. */
  Bridge?: string;
  /** SandboxID uniquely represents a container's network stack. */
  SandboxID?: string;
  /** Indicates if hairpin NAT should be enabled on the virtual interface. */
  HairpinMode?: boolean;
  /** IPv6 unicast address using the link-local prefix. */
  LinkLocalIPv6Address?: string;
  /** Prefix length of the IPv6 unicast address. */
  LinkLocalIPv6PrefixLen?: number;
  Ports?: PortMap;
  /** SandboxKey is the full path of the netns handle */
  SandboxKey?: string;
  /** Deprecated: This field is never set and will be removed in a future release. */
  SecondaryIPAddresses?: Address[] | null;
  /** Deprecated: This field is never set and will be removed in a future release. */
  SecondaryIPv6Addresses?: Address[] | null;
  /** EndpointID uniquely represents a service endpoint in a Sandbox. */
  EndpointID?: string;
  /** Gateway address for the default "bridge" network. */
  Gateway?: string;
  /** Global IPv6 address for the default "bridge" network. */
  GlobalIPv6Address?: string;
  /** Mask length of the global IPv6 address. */
  GlobalIPv6PrefixLen?: number;
  /** IPv4 address for the default "bridge" network. */
  IPAddress?: string;
  /** Mask length of the IPv4 address. */
  IPPrefixLen?: number;
  /** IPv6 gateway address for this network. */
  IPv6Gateway?: string;
  /** MAC address for the container on the default "bridge" network. */
  MacAddress?: string;
  /** Information about all networks that the container is connected to. */
  Networks?: Record<string, EndpointSettings>;
}

/** A test to perform to check that the container is healthy. */
export interface HealthConfig {
  /** The test to perform. Possible values are: */
  Test?: string[];
  /** The time to wait between checks in nanoseconds. It should be 0 or at least 1000000 (1 ms). 0 means inherit. */
  Interval?: number;
  /** The time to wait before considering the check to have hung. It should be 0 or at least 1000000 (1 ms). 0 means inherit. */
  Timeout?: number;
  /** The number of consecutive failures needed to consider a container as unhealthy. 0 means inherit. */
  Retries?: number;
  /** Start period for the container to initialize before starting health-retries countdown in nanoseconds. It should be 0 or at least 1000000 (1 ms). 0 means... */
  StartPeriod?: number;
  /** The time to wait between checks in nanoseconds during the start period. It should be 0 or at least 1000000 (1 ms). 0 means inherit. */
  StartInterval?: number;
}

/** A container's resources (cgroups config, ulimits, etc) */
export interface Resources {
  /** An integer value representing this container's relative CPU weight versus other containers. */
  CpuShares?: number;
  /** Memory limit in bytes. */
  Memory?: number;
  /** Path to `cgroups` under which the container's `cgroup` is created. If the path is not absolute, the path is considered to be relative to the `cgroups` path... */
  CgroupParent?: string;
  /** Block IO weight (relative weight). */
  BlkioWeight?: number;
  /** Block IO weight (relative device weight) in the form: */
  BlkioWeightDevice?: {
    Path?: string;
    Weight?: number;
  }[];
  /** Limit read rate (bytes per second) from a device, in the form: */
  BlkioDeviceReadBps?: ThrottleDevice[];
  /** Limit write rate (bytes per second) to a device, in the form: */
  BlkioDeviceWriteBps?: ThrottleDevice[];
  /** Limit read rate (IO per second) from a device, in the form: */
  BlkioDeviceReadIOps?: ThrottleDevice[];
  /** Limit write rate (IO per second) to a device, in the form: */
  BlkioDeviceWriteIOps?: ThrottleDevice[];
  /** The length of a CPU period in microseconds. */
  CpuPeriod?: number;
  /** Microseconds of CPU time that the container can get in a CPU period. */
  CpuQuota?: number;
  /** The length of a CPU real-time period in microseconds. Set to 0 to allocate no time allocated to real-time tasks. */
  CpuRealtimePeriod?: number;
  /** The length of a CPU real-time runtime in microseconds. Set to 0 to allocate no time allocated to real-time tasks. */
  CpuRealtimeRuntime?: number;
  /** CPUs in which to allow execution (e.g., `0-3`, `0,1`). */
  CpusetCpus?: string;
  /** Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems. */
  CpusetMems?: string;
  /** A list of devices to add to the container. */
  Devices?: DeviceMapping[];
  /** a list of cgroup rules to apply to the container */
  DeviceCgroupRules?: string[];
  /** A list of requests for devices to be sent to device drivers. */
  DeviceRequests?: DeviceRequest[];
  /** Hard limit for kernel TCP buffer memory (in bytes). Depending on the OCI runtime in use, this option may be ignored. It is no longer supported by the... */
  KernelMemoryTCP?: number;
  /** Memory soft limit in bytes. */
  MemoryReservation?: number;
  /** Total memory limit (memory + swap). Set as `-1` to enable unlimited swap. */
  MemorySwap?: number;
  /** Tune a container's memory swappiness behavior. Accepts an integer between 0 and 100. */
  MemorySwappiness?: number;
  /** CPU quota in units of 10<sup>-9</sup> CPUs. */
  NanoCpus?: number;
  /** Disable OOM Killer for the container. */
  OomKillDisable?: boolean;
  /** Run an init inside the container that forwards signals and reaps processes. This field is omitted if empty, and the default (as configured on the daemon) is... */
  Init?: boolean | null;
  /** Tune a container's PIDs limit. Set `0` or `-1` for unlimited, or `null` to not change. */
  PidsLimit?: number | null;
  /** A list of resource limits to set in the container. For example: */
  Ulimits?: {
    /** Name of ulimit */
    Name?: string;
    /** Soft limit */
    Soft?: number;
    /** Hard limit */
    Hard?: number;
  }[];
  /** The number of usable CPUs (Windows only). */
  CpuCount?: number;
  /** The usable percentage of the available CPUs (Windows only). */
  CpuPercent?: number;
  /** Maximum IOps for the container system drive (Windows only) */
  IOMaximumIOps?: number;
  /** Maximum IO in bytes per second for the container system drive (Windows only). */
  IOMaximumBandwidth?: number;
}

/** PortMap describes the mapping of container ports to host ports, using the container's port-number and protocol as key in the format `<port>/<protocol>`, for... */
export type PortMap = Record<string, PortBinding[]>;

/** The behavior to apply when the container exits. The default is not to restart. */
export interface RestartPolicy {
  /** - Empty string means not to restart - `no` Do not automatically restart - `always` Always restart - `unless-stopped` Restart always except when the user has... */
  Name?: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** If `on-failure` is used, the number of times to retry before giving up. */
  MaximumRetryCount?: number;
}

export interface Mount {
  /** Container path. */
  Target?: string;
  /** Mount source (e.g. a volume name, a host path). */
  Source?: string;
  /** The mount type. Available types: */
  Type?: 'bind' | 'volume' | 'image' | 'tmpfs' | 'npipe' | 'cluster';
  /** Whether the mount should be read-only. */
  ReadOnly?: boolean;
  /** The consistency requirement for the mount: `default`, `consistent`, `cached`, or `delegated`. */
  Consistency?: string;
  /** Optional configuration for the `bind` type. */
  BindOptions?: {
    /** A propagation mode with the value `[r]private`, `[r]shared`, or `[r]slave`. */
    Propagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
    /** Disable recursive bind mount. */
    NonRecursive?: boolean;
    /** Create mount point on host if missing */
    CreateMountpoint?: boolean;
    /** Make the mount non-recursively read-only, but still leave the mount recursive (unless NonRecursive is set to `true` in conjunction). */
    ReadOnlyNonRecursive?: boolean;
    /** Raise an error if the mount cannot be made recursively read-only. */
    ReadOnlyForceRecursive?: boolean;
  };
  /** Optional configuration for the `volume` type. */
  VolumeOptions?: {
    /** Populate volume with data from the target. */
    NoCopy?: boolean;
    /** User-defined key/value metadata. */
    Labels?: Record<string, string>;
    /** Map of driver specific options */
    DriverConfig?: {
      /** Name of the driver to use to create the volume. */
      Name?: string;
      /** key/value map of driver specific options. */
      Options?: Record<string, string>;
    };
    /** Source path inside the volume. Must be relative without any back traversals. */
    Subpath?: string;
  };
  /** Optional configuration for the `image` type. */
  ImageOptions?: {
    /** Source path inside the image. Must be relative without any back traversals. */
    Subpath?: string;
  };
  /** Optional configuration for the `tmpfs` type. */
  TmpfsOptions?: {
    /** The size for the tmpfs mount in bytes. */
    SizeBytes?: number;
    /** The permission mode for the tmpfs mount in an integer. */
    Mode?: number;
    /** The options to be passed to the tmpfs mount. An array of arrays. Flag options should be provided as 1-length arrays. Other types should be provided as as... */
    Options?: string[][];
  };
}

/** container waiting error, if any */
export interface ContainerWaitExitError {
  /** Details of an error */
  Message?: string;
}

/** PidsStats contains Linux-specific stats of a container's process-IDs (PIDs). */
export interface ContainerPidsStats {
  /** Current is the number of PIDs in the cgroup. */
  current?: number | null;
  /** Limit is the hard limit on the number of pids in the cgroup. A "Limit" of 0 means that there is no limit. */
  limit?: number | null;
}

/** BlkioStats stores all IO service stats for data read and write. */
export interface ContainerBlkioStats {
  io_service_bytes_recursive?: ContainerBlkioStatEntry[];
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  io_serviced_recursive?: ContainerBlkioStatEntry[] | null;
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  io_queue_recursive?: ContainerBlkioStatEntry[] | null;
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  io_service_time_recursive?: ContainerBlkioStatEntry[] | null;
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  io_wait_time_recursive?: ContainerBlkioStatEntry[] | null;
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  io_merged_recursive?: ContainerBlkioStatEntry[] | null;
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  io_time_recursive?: ContainerBlkioStatEntry[] | null;
  /** This field is only available when using Linux containers with cgroups v1. It is omitted or `null` when using cgroups v2. */
  sectors_recursive?: ContainerBlkioStatEntry[] | null;
}

/** StorageStats is the disk I/O stats for read/write on Windows. */
export interface ContainerStorageStats {
  read_count_normalized?: number | null;
  read_size_bytes?: number | null;
  write_count_normalized?: number | null;
  write_size_bytes?: number | null;
}

/** CPU related info of the container */
export interface ContainerCPUStats {
  cpu_usage?: ContainerCPUUsage;
  /** System Usage. */
  system_cpu_usage?: number | null;
  /** Number of online CPUs. */
  online_cpus?: number | null;
  throttling_data?: ContainerThrottlingData;
}

/** Aggregates all memory stats since container inception on Linux. Windows returns stats for commit and private working set only. */
export interface ContainerMemoryStats {
  /** Current `res_counter` usage for memory. */
  usage?: number | null;
  /** Maximum usage ever recorded. */
  max_usage?: number | null;
  /** All the stats exported via memory.stat. when using cgroups v2. */
  stats?: Record<string, number>;
  /** Number of times memory usage hits limits. */
  failcnt?: number | null;
  /** This field is Linux-specific and omitted for Windows containers. */
  limit?: number | null;
  /** Committed bytes. */
  commitbytes?: number | null;
  /** Peak committed bytes. */
  commitpeakbytes?: number | null;
  /** Private working set. */
  privateworkingset?: number | null;
}

/** Aggregates the network stats of one container */
export interface ContainerNetworkStats {
  /** Bytes received. Windows and Linux. */
  rx_bytes?: number;
  /** Packets received. Windows and Linux. */
  rx_packets?: number;
  /** Received errors. Not used on Windows. */
  rx_errors?: number;
  /** Incoming packets dropped. Windows and Linux. */
  rx_dropped?: number;
  /** Bytes sent. Windows and Linux. */
  tx_bytes?: number;
  /** Packets sent. Windows and Linux. */
  tx_packets?: number;
  /** Sent errors. Not used on Windows. */
  tx_errors?: number;
  /** Outgoing packets dropped. Windows and Linux. */
  tx_dropped?: number;
  /** Endpoint ID. Not used on Linux. */
  endpoint_id?: string | null;
  /** Instance ID. Not used on Linux. */
  instance_id?: string | null;
}

/** Kind of change */
export type ChangeType = number;

/** ImageManifestSummary represents a summary of an image manifest. */
export interface ImageManifestSummary {
  /** ID is the content-addressable ID of an image and is the same as the digest of the image manifest. */
  ID?: string;
  Descriptor?: OCIDescriptor;
  /** Indicates whether all the child content (image config, layers) is fully available locally. */
  Available?: boolean;
  Size?: {
    /** Total is the total size (in bytes) of all the locally present data (both distributable and non-distributable) that's related to this manifest and its... */
    Total?: number;
    /** Content is the size (in bytes) of all the locally present content in the content store (e.g. image config, layers) referenced by this manifest and its... */
    Content?: number;
  };
  /** The kind of the manifest. */
  Kind?: 'image' | 'attestation' | 'unknown';
  /** The image data for the image manifest. This field is only populated when Kind is "image". */
  ImageData?: {
    /** OCI platform of the image. This will be the platform specified in the manifest descriptor from the index/manifest list. If it's not available, it will be... */
    Platform?: OCIPlatform;
    /** The IDs of the containers that are using this image. */
    Containers?: string[];
    Size?: {
      /** Unpacked is the size (in bytes) of the locally unpacked (uncompressed) image content that's directly usable by the containers running this image. It's... */
      Unpacked?: number;
    };
  } | null;
  /** The image data for the attestation manifest. This field is only populated when Kind is "attestation". */
  AttestationData?: {
    /** The digest of the image manifest that this attestation is for. */
    For?: string;
  } | null;
}

/** Configuration of the image. These fields are used as defaults when starting a container from the image. */
export interface ImageConfig {
  /** The user that commands are run as inside the container. */
  User?: string;
  /** An object mapping ports to an empty object in the form: */
  ExposedPorts?: Record<string, Record<string, unknown>> | null;
  /** A list of environment variables to set inside the container in the form `["VAR=value", ...]`. A variable without `=` is removed from the environment, rather... */
  Env?: string[];
  /** Command to run specified as a string or an array of strings. */
  Cmd?: string[];
  Healthcheck?: HealthConfig;
  /** Command is already escaped (Windows only) */
  ArgsEscaped?: boolean | null;
  /** An object mapping mount point paths inside the container to empty objects. */
  Volumes?: Record<string, Record<string, unknown>>;
  /** The working directory for commands to run in. */
  WorkingDir?: string;
  /** The entry point for the container as a string or an array of strings. */
  Entrypoint?: string[];
  /** `ONBUILD` metadata that were defined in the image's `Dockerfile`. */
  OnBuild?: string[] | null;
  /** User-defined key/value metadata. */
  Labels?: Record<string, string>;
  /** Signal to stop a container as a string or unsigned integer. */
  StopSignal?: string | null;
  /** Shell for when `RUN`, `CMD`, and `ENTRYPOINT` uses a shell. */
  Shell?: string[] | null;
}

/** Available plugins per type. */
export interface PluginsInfo {
  /** Names of available volume-drivers, and network-driver plugins. */
  Volume?: string[];
  /** Names of available network-drivers, and network-driver plugins. */
  Network?: string[];
  /** Names of available authorization plugins. */
  Authorization?: string[];
  /** Names of available logging-drivers, and logging-driver plugins. */
  Log?: string[];
}

/** RegistryServiceConfig stores daemon registry services configuration. */
export interface RegistryServiceConfig {
  /** List of IP ranges of insecure registries, using the CIDR syntax ([RFC 4632](https://tools.ietf.org/html/4632)). Insecure registries accept un-encrypted... */
  InsecureRegistryCIDRs?: string[];
  IndexConfigs?: Record<string, IndexInfo>;
  /** List of registry URLs that act as a mirror for the official (`docker.io`) registry. */
  Mirrors?: string[];
}

/** User-defined resources can be either Integer resources (e.g, `SSD=3`) or String resources (e.g, `GPU=UUID1`). */
export type GenericResources = {
  NamedResourceSpec?: {
    Kind?: string;
    Value?: string;
  };
  DiscreteResourceSpec?: {
    Kind?: string;
    Value?: number;
  };
}[];

/** Runtime describes an [OCI compliant](https://github.com/opencontainers/runtime-spec) runtime. */
export interface Runtime {
  /** Name and, optional, path, of the OCI executable binary. */
  path?: string;
  /** List of command-line arguments to pass to the runtime when invoked. */
  runtimeArgs?: string[] | null;
  /** Information specific to the runtime. */
  status?: Record<string, string> | null;
}

/** Commit holds the Git-commit (SHA1) that a binary was built from, as reported in the version-string of external tools, such as `containerd`, or `runC`. */
export interface Commit {
  /** Actual commit ID of external tool. */
  ID?: string;
}

/** Information about the daemon's firewalling configuration. */
export interface FirewallInfo {
  /** The name of the firewall backend driver. */
  Driver?: string;
  /** Information about the firewall backend, provided as "label" / "value" pairs. */
  Info?: string[][];
}

/** DeviceInfo represents a device that can be used by a container. */
export interface DeviceInfo {
  /** The origin device driver. */
  Source?: string;
  /** The unique identifier for the device within its source driver. For CDI devices, this would be an FQDN like "vendor.com/gpu=0". */
  ID?: string;
}

/** Information for connecting to the containerd instance that is used by the daemon. This is included for debugging purposes only. */
export interface ContainerdInfo {
  /** The address of the containerd socket. */
  Address?: string;
  /** The namespaces that the daemon uses for running containers and plugins in containerd. These namespaces can be configured in the daemon configuration, and... */
  Namespaces?: {
    /** The default containerd namespace used for containers managed by the daemon. */
    Containers?: string;
    /** The default containerd namespace used for plugins managed by the daemon. */
    Plugins?: string;
  };
}

/** Actor describes something that generates events, like a container, network, or a volume. */
export interface EventActor {
  /** The ID of the object emitting the event */
  ID?: string;
  /** Various key/value attributes of the object, depending on its type. */
  Attributes?: Record<string, string>;
}

export interface IPAM {
  /** Name of the IPAM driver to use. */
  Driver?: string;
  /** List of IPAM configuration options, specified as a map: */
  Config?: IPAMConfig[];
  /** Driver-specific options, specified as a map. */
  Options?: Record<string, string>;
}

/** The config-only network source to provide the configuration for this network. */
export interface ConfigReference {
  /** The name of the config-only network that provides the network's configuration. The specified network must be an existing config-only network. Only network... */
  Network?: string;
}

export interface NetworkContainer {
  Name?: string;
  EndpointID?: string;
  MacAddress?: string;
  IPv4Address?: string;
  IPv6Address?: string;
}

/** PeerInfo represents one peer of an overlay network. */
export interface PeerInfo {
  /** ID of the peer-node in the Swarm cluster. */
  Name?: string;
  /** IP-address of the peer-node in the Swarm cluster. */
  IP?: string;
}

/** Options and information specific to, and only present on, Swarm CSI cluster volumes. */
export interface ClusterVolume {
  /** The Swarm ID of this volume. Because cluster volumes are Swarm objects, they have an ID, unlike non-cluster volumes. This ID can be used to refer to the... */
  ID?: string;
  Version?: ObjectVersion;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: ClusterVolumeSpec;
  /** Information about the global status of the volume. */
  Info?: {
    /** The capacity of the volume in bytes. A value of 0 indicates that the capacity is unknown. */
    CapacityBytes?: number;
    /** A map of strings to strings returned from the storage plugin when the volume is created. */
    VolumeContext?: Record<string, string>;
    /** The ID of the volume as returned by the CSI storage plugin. This is distinct from the volume's ID as provided by Docker. This ID is never used by the user... */
    VolumeID?: string;
    /** The topology this volume is actually accessible from. */
    AccessibleTopology?: Topology[];
  };
  /** The status of the volume as it pertains to its publishing and use on specific nodes */
  PublishStatus?: ({
    /** The ID of the Swarm node the volume is published on. */
    NodeID?: string;
    /** The published state of the volume. * `pending-publish` The volume should be published to this node, but the call to the controller plugin to do so has not... */
    State?: 'pending-publish' | 'published' | 'pending-node-unpublish' | 'pending-controller-unpublish';
    /** A map of strings to strings returned by the CSI controller plugin when a volume is published. */
    PublishContext?: Record<string, string>;
  })[];
}

/** Cluster-specific options used to create the volume. */
export interface ClusterVolumeSpec {
  /** Group defines the volume group of this volume. Volumes belonging to the same group can be referred to by group name when creating Services.  Referring to a... */
  Group?: string;
  /** Defines how the volume is used by tasks. */
  AccessMode?: {
    /** The set of nodes this volume can be used on at one time. - `single` The volume may only be scheduled to one node at a time. - `multi` the volume may be... */
    Scope?: 'single' | 'multi';
    /** The number and way that different tasks can use this volume at one time. - `none` The volume may only be used by one task at a time. - `readonly` The volume... */
    Sharing?: 'none' | 'readonly' | 'onewriter' | 'all';
    /** Options for using this volume as a Mount-type volume. */
    MountVolume?: Record<string, unknown>;
    /** Swarm Secrets that are passed to the CSI storage plugin when operating on this volume. */
    Secrets?: {
      /** Key is the name of the key of the key-value pair passed to the plugin. */
      Key?: string;
      /** Secret is the swarm Secret object from which to read data. This can be a Secret name or ID. The Secret data is retrieved by swarm and used as the value of... */
      Secret?: string;
    }[];
    /** Requirements for the accessible topology of the volume. These fields are optional. For an in-depth description of what these fields mean, see the CSI... */
    AccessibilityRequirements?: {
      /** A list of required topologies, at least one of which the volume must be accessible from. */
      Requisite?: Topology[];
      /** A list of topologies that the volume should attempt to be provisioned in. */
      Preferred?: Topology[];
    };
    /** The desired capacity that the volume should be created with. If empty, the plugin will decide the capacity. */
    CapacityRange?: {
      /** The volume must be at least this big. The value of 0 indicates an unspecified minimum */
      RequiredBytes?: number;
      /** The volume must not be bigger than this. The value of 0 indicates an unspecified maximum. */
      LimitBytes?: number;
    };
    /** The availability of the volume for use in tasks. - `active` The volume is fully available for scheduling on the cluster - `pause` No new workloads should... */
    Availability?: 'active' | 'pause' | 'drain';
  };
}

export interface ErrorDetail {
  code?: number;
  message?: string;
}

export interface ProgressDetail {
  current?: number;
  total?: number;
}

/** Image ID or Digest */
export interface ImageID {
  ID?: string;
}

/** Describes the platform which the image in the manifest runs on, as defined in the [OCI Image Index... */
export interface OCIPlatform {
  /** The CPU architecture, for example `amd64` or `ppc64`. */
  architecture?: string;
  /** The operating system, for example `linux` or `windows`. */
  os?: string;
  /** Optional field specifying the operating system version, for example on Windows `10.0.19041.1165`. */
  'os.version'?: string;
  /** Optional field specifying an array of strings, each listing a required OS feature (for example on Windows `win32k`). */
  'os.features'?: string[];
  /** Optional field specifying a variant of the CPU, for example `v7` to specify ARMv7 when architecture is `arm`. */
  variant?: string;
}

/** EndpointIPAMConfig represents an endpoint's IPAM configuration. */
export interface EndpointIPAMConfig {
  IPv4Address?: string;
  IPv6Address?: string;
  LinkLocalIPs?: string[];
}

/** Health stores information about the container's healthcheck results. */
export interface Health {
  /** Status is one of `none`, `starting`, `healthy` or `unhealthy` */
  Status?: 'none' | 'starting' | 'healthy' | 'unhealthy';
  /** FailingStreak is the number of consecutive failures */
  FailingStreak?: number;
  /** Log contains the last few results (oldest first) */
  Log?: HealthcheckResult[];
}

/** Address represents an IPv4 or IPv6 IP address. */
export interface Address {
  /** IP address. */
  Addr?: string;
  /** Mask length of the IP address. */
  PrefixLen?: number;
}

export interface ThrottleDevice {
  /** Device path */
  Path?: string;
  /** Rate */
  Rate?: number;
}

/** A device mapping between the host and container */
export interface DeviceMapping {
  PathOnHost?: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

/** A request for devices to be sent to device drivers */
export interface DeviceRequest {
  Driver?: string;
  Count?: number;
  DeviceIDs?: string[];
  /** A list of capabilities; an OR list of AND lists of capabilities. */
  Capabilities?: string[][];
  /** Driver-specific options, specified as a key/value pairs. These options are passed directly to the driver. */
  Options?: Record<string, string>;
}

/** PortBinding represents a binding between a host IP address and a host port. */
export interface PortBinding {
  /** Host IP address that the container's port is mapped to. */
  HostIp?: string;
  /** Host port number that the container's port is mapped to. */
  HostPort?: string;
}

/** Blkio stats entry. */
export interface ContainerBlkioStatEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

/** All CPU stats aggregated since container inception. */
export interface ContainerCPUUsage {
  /** Total CPU time consumed in nanoseconds (Linux) or 100's of nanoseconds (Windows). */
  total_usage?: number;
  /** Total CPU time (in nanoseconds) consumed per core (Linux). */
  percpu_usage?: number[] | null;
  /** Time (in nanoseconds) spent by tasks of the cgroup in kernel mode (Linux), or time spent (in 100's of nanoseconds) by all container processes in kernel mode... */
  usage_in_kernelmode?: number;
  /** Time (in nanoseconds) spent by tasks of the cgroup in user mode (Linux), or time spent (in 100's of nanoseconds) by all container processes in kernel mode... */
  usage_in_usermode?: number;
}

/** CPU throttling stats of the container. */
export interface ContainerThrottlingData {
  /** Number of periods with throttling active. */
  periods?: number;
  /** Number of periods when the container hit its throttling limit. */
  throttled_periods?: number;
  /** Aggregated time (in nanoseconds) the container was throttled for. */
  throttled_time?: number;
}

/** IndexInfo contains information about a registry. */
export interface IndexInfo {
  /** Name of the registry, such as "docker.io". */
  Name?: string;
  /** List of mirrors, expressed as URIs. */
  Mirrors?: string[];
  /** Indicates if the registry is part of the list of insecure registries. */
  Secure?: boolean;
  /** Indicates whether this is an official registry (i.e., Docker Hub / docker.io) */
  Official?: boolean;
}

export interface IPAMConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** The version number of the object such as node, service, etc. This is needed to avoid conflicting writes. The client must send the version number along with... */
export interface ObjectVersion {
  Index?: number;
}

/** A map of topological domains to topological segments. For in depth details, see documentation for the Topology object in the CSI specification. */
export type Topology = Record<string, string>;

/** HealthcheckResult stores information about a single run of a healthcheck probe */
export interface HealthcheckResult {
  /** Date and time at which this check started in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  Start?: string;
  /** Date and time at which this check ended in [RFC 3339](https://www.ietf.org/rfc/rfc3339.txt) format with nano-seconds. */
  End?: string;
  /** ExitCode meanings: */
  ExitCode?: number;
  /** Output from last check */
  Output?: string;
}
