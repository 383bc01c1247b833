// The flags of `run` and `create`, as docker/cli's cli/command/container/opts.go declares them;
// container-opts.ts turns their values into the create request.
import type { FlagSpec } from './flags.ts';
import * as UNITS from './units.ts';
import { parseMount, parseUlimit } from './container-opt-values.ts';

const L = (name: string, usage: string, short?: string, typeName = 'list'): FlagSpec => ({ name, short, kind: 'list', usage, typeName });
const S = (name: string, usage: string, short?: string, def?: string): FlagSpec => ({ name, short, kind: 'string', usage, def });
const B = (name: string, usage: string, short?: string, def?: boolean): FlagSpec => ({ name, short, kind: 'bool', usage, def });
const I = (name: string, usage: string, short?: string, def?: number): FlagSpec => ({ name, short, kind: 'int', usage, def });
const M = (name: string, usage: string): FlagSpec => ({ name, kind: 'map', usage, typeName: 'map' });
const BY = (name: string, usage: string, short?: string): FlagSpec => ({ name, short, kind: 'bytes', usage, typeName: 'bytes' });
const D = (name: string, usage: string): FlagSpec => ({ name, kind: 'duration', usage, typeName: 'duration' });

function memSwap(v: string): number {
  if (v === '-1') return -1;
  return UNITS.ramInBytes(v);
}

export const CONTAINER_FLAGS: FlagSpec[] = [
  L('add-host', 'Add a custom host-to-IP mapping (host:ip)'),
  M('annotation', 'Add an annotation to the container (passed through to the OCI runtime)'),
  {
    ...L('attach', 'Attach to STDIN, STDOUT or STDERR', 'a'),
    parse: (v) => {
      const s = v.toLowerCase();
      if (!['stdin', 'stdout', 'stderr'].includes(s)) throw new Error('valid streams are STDIN, STDOUT and STDERR');
      return s;
    },
  },
  { name: 'blkio-weight', kind: 'uint', usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', typeName: 'uint16' },
  L('blkio-weight-device', 'Block IO weight (relative device weight)'),
  L('cap-add', 'Add Linux capabilities'),
  L('cap-drop', 'Drop Linux capabilities'),
  S('cgroup-parent', 'Optional parent cgroup for the container'),
  S('cgroupns', 'Cgroup namespace to use (host|private)'),
  S('cidfile', 'Write the container ID to the file'),
  I('cpu-count', 'CPU count (Windows only)'),
  I('cpu-percent', 'CPU percent (Windows only)'),
  I('cpu-period', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  I('cpu-quota', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  I('cpu-rt-period', 'Limit CPU real-time period in microseconds'),
  I('cpu-rt-runtime', 'Limit CPU real-time runtime in microseconds'),
  I('cpu-shares', 'CPU shares (relative weight)', 'c'),
  { name: 'cpus', kind: 'decimal', usage: 'Number of CPUs' },
  S('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  S('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  L('device', 'Add a host device to the container'),
  L('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  L('device-read-bps', 'Limit read rate (bytes per second) from a device'),
  L('device-read-iops', 'Limit read rate (IO per second) from a device'),
  L('device-write-bps', 'Limit write rate (bytes per second) to a device'),
  L('device-write-iops', 'Limit write rate (IO per second) to a device'),
  B('disable-content-trust', 'Skip image verification', undefined, true),
  L('dns', 'Set custom DNS servers'),
  { ...L('dns-opt', 'Set DNS options'), hidden: true },
  L('dns-option', 'Set DNS options'),
  L('dns-search', 'Set custom DNS search domains'),
  S('domainname', 'Container NIS domain name'),
  S('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  L('env', 'Set environment variables', 'e'),
  L('env-file', 'Read in a file of environment variables'),
  L('expose', 'Expose a port or a range of ports'),
  { name: 'gpus', kind: 'string', usage: "GPU devices to add to the container ('all' to pass all GPUs)", typeName: 'gpu-request' },
  L('group-add', 'Add additional groups to join'),
  S('health-cmd', 'Command to run to check health'),
  D('health-interval', 'Time between running the check (ms|s|m|h) (default 0s)'),
  I('health-retries', 'Consecutive failures needed to report unhealthy'),
  D('health-start-interval', 'Time between running the check during the start period (ms|s|m|h) (default 0s)'),
  D('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  D('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  S('hostname', 'Container host name', 'h'),
  B('init', 'Run an init inside the container that forwards signals and reaps processes'),
  B('interactive', 'Keep STDIN open even if not attached', 'i'),
  S('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  S('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  S('ipc', 'IPC mode to use'),
  S('isolation', 'Container isolation technology'),
  { ...BY('kernel-memory', 'Kernel memory limit'), hidden: true },
  L('label', 'Set meta data on a container', 'l'),
  L('label-file', 'Read in a line delimited file of labels'),
  L('link', 'Add link to another container'),
  L('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  S('log-driver', 'Logging driver for the container'),
  L('log-opt', 'Log driver options'),
  S('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  BY('memory', 'Memory limit', 'm'),
  BY('memory-reservation', 'Memory soft limit'),
  { name: 'memory-swap', kind: 'string', usage: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", typeName: 'bytes', parse: memSwap },
  I('memory-swappiness', 'Tune container memory swappiness (0 to 100)', undefined, -1),
  { name: 'mount', kind: 'list', usage: 'Attach a filesystem mount to the container', typeName: 'mount', parse: (v) => parseMount(v) },
  S('name', 'Assign a name to the container'),
  { ...L('net', 'Connect a container to a network'), hidden: true },
  { ...L('net-alias', 'Add network-scoped alias for the container'), hidden: true },
  { ...L('network', 'Connect a container to a network'), typeName: 'network' },
  L('network-alias', 'Add network-scoped alias for the container'),
  B('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  B('oom-kill-disable', 'Disable OOM Killer'),
  I('oom-score-adj', "Tune host's OOM preferences (-1000 to 1000)"),
  S('pid', 'PID namespace to use'),
  I('pids-limit', 'Tune container pids limit (set -1 for unlimited)'),
  S('platform', 'Set platform if server is multi-platform capable'),
  B('privileged', 'Give extended privileges to this container'),
  L('publish', "Publish a container's port(s) to the host", 'p'),
  B('publish-all', 'Publish all exposed ports to random ports', 'P'),
  {
    ...S('pull', 'Pull image before running ("always", "missing", "never")', undefined, 'missing'),
    parse: (v) => {
      if (!['always', 'missing', 'never'].includes(v)) throw new Error(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
      return v;
    },
  },
  B('quiet', 'Suppress the pull output', 'q'),
  B('read-only', "Mount the container's root filesystem as read only"),
  S('restart', 'Restart policy to apply when a container exits', undefined, 'no'),
  B('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  S('runtime', 'Runtime to use for this container'),
  L('security-opt', 'Security Options'),
  BY('shm-size', 'Size of /dev/shm'),
  S('stop-signal', 'Signal to stop the container'),
  I('stop-timeout', 'Timeout (in seconds) to stop a container'),
  L('storage-opt', 'Storage driver options for the container'),
  M('sysctl', 'Sysctl options'),
  L('tmpfs', 'Mount a tmpfs directory'),
  B('tty', 'Allocate a pseudo-TTY', 't'),
  { name: 'ulimit', kind: 'list', usage: 'Ulimit options', typeName: 'ulimit', parse: (v) => parseUlimit(v) },
  B('use-api-socket', 'Bind mount Docker API socket and required auth'),
  S('user', 'Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  S('userns', 'User namespace to use'),
  S('uts', 'UTS namespace to use'),
  L('volume', 'Bind mount a volume', 'v'),
  S('volume-driver', 'Optional volume driver for the container'),
  L('volumes-from', 'Mount volumes from the specified container(s)'),
  S('workdir', 'Working directory inside the container', 'w'),
];

export const RUN_FLAGS: FlagSpec[] = [
  ...CONTAINER_FLAGS,
  B('detach', 'Run container in background and print container ID', 'd'),
  S('detach-keys', 'Override the key sequence for detaching a container'),
  B('sig-proxy', 'Proxy received signals to the process', undefined, true),
];
