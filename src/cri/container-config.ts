// A CRI ContainerConfig as the create request of a Berth container in the pod (pure). Every field
// is honoured or refused by name; nothing the kubelet sends is dropped.
import fs from 'node:fs';
import path from 'node:path';
import { invalidParameter } from '../errdefs.ts';
import type { CreateRequest } from '../engine/containers/service.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import { L, containerMetadata, containerName, readJsonLabel, stringMap, type PodMetadata } from './labels.ts';
import type { Msg } from './server.ts';
import { containerNamespaces } from './namespaces.ts';
import { seccompSecurityOpt } from './seccomp.ts';
import { CriError } from './errors.ts';
import { status } from '@grpc/grpc-js';

const PROPAGATION: Record<string, string> = { PROPAGATION_PRIVATE: '', PROPAGATION_HOST_TO_CONTAINER: 'rslave', PROPAGATION_BIDIRECTIONAL: 'rshared' };

export interface ContainerPlan {
  request: CreateRequest;
  name: string;
}

/** `ownOomScoreAdj`: the daemon's own oom_score_adj; without CAP_SYS_RESOURCE a child cannot go below it,
 * so lower values are raised to it (containerd's restrict_oom_score_adj). */
/** `targetId`: the id of the container a `pid: TARGET` container joins (looked up by the caller). */
export function planContainer(config: Msg, sandbox: ContainerRecord, imageId: string, ownOomScoreAdj: number, targetId = '', gvisor = false): ContainerPlan {
  const meta = containerMetadata(config);
  const pod = readJsonLabel<PodMetadata>(sandbox.Config.Labels, L.metadata, { name: '', uid: '', namespace: '', attempt: 0 });
  const linux = config.linux ?? {};
  const sc = linux.security_context ?? {};
  const res = linux.resources ?? {};
  refuseUnsupported(config, sc, res);
  const pid = sc.namespace_options?.pid ?? 'CONTAINER';
  // gVisor would run the container in its own PID namespace whatever the spec says: refused, not ignored
  if (gvisor && pid !== 'CONTAINER') throw invalidParameter(`namespace_options.pid ${pid} is not supported by runtime handler ${sandbox.HostConfig.Runtime}: each of its containers is its own gVisor sandbox`);
  // containerd's words and code (a plain error): a privileged container needs a privileged pod
  if (sc.privileged && sandbox.HostConfig.Privileged !== true) throw new CriError(status.UNKNOWN, 'no privileged container allowed in sandbox');
  const labels = stringMap(config.labels);
  const annotations = stringMap(config.annotations);
  const logDir = sandbox.Config.Labels?.[L.logDirectory] ?? '';
  const logPath = logDir && config.log_path ? path.join(logDir, config.log_path) : undefined;

  const binds: string[] = [];
  for (const m of config.mounts ?? []) {
    if (!m.container_path || !path.isAbsolute(m.container_path)) throw invalidParameter(`mount: container_path must be absolute: ${JSON.stringify(m.container_path ?? '')}`);
    if (!m.host_path) throw invalidParameter(`mount ${m.container_path}: host_path is required (image volumes are not supported)`);
    const prop = PROPAGATION[m.propagation ?? 'PROPAGATION_PRIVATE'];
    if (prop === undefined) throw invalidParameter(`mount ${m.container_path}: unknown propagation ${m.propagation}`);
    // containerd relabels only where SELinux is on (go-selinux's Relabel is a no-op elsewhere, and the
    // kubelet and critest ask it regardless); Berth cannot label, so there it is refused
    if (m.selinux_relabel && selinuxEnabled()) throw invalidParameter(`mount ${m.container_path}: selinux_relabel is not supported (berthd does not label for SELinux)`);
    if (m.uidMappings?.length || m.gidMappings?.length) throw invalidParameter(`mount ${m.container_path}: id-mapped mounts are not supported`);
    if (m.recursive_read_only) throw invalidParameter(`mount ${m.container_path}: recursive_read_only is not supported`);
    if (m.image?.image) throw invalidParameter(`mount ${m.container_path}: image volumes are not supported`);
    // an absolute path, never a name: the engine would take a bare name for a named volume
    if (!path.isAbsolute(m.host_path)) throw invalidParameter(`mount ${m.container_path}: host_path must be an absolute path: ${JSON.stringify(m.host_path)}`);
    // containerd makes a missing host path a directory, as docker -v does; an existing file (the
    // kubelet's etc-hosts, termination-log) or directory is mounted as it is
    if (!fs.existsSync(m.host_path)) fs.mkdirSync(m.host_path, { recursive: true });
    binds.push(`${m.host_path}:${m.container_path}:${[m.readonly ? 'ro' : 'rw', prop].filter(Boolean).join(',')}`);
  }

  let user: string | undefined;
  if (sc.run_as_username) user = sc.run_as_username;
  else if (sc.run_as_user) user = String(sc.run_as_user.value);
  if (sc.run_as_group) {
    if (user === undefined) throw invalidParameter('run_as_group is only allowed with run_as_user or run_as_username');
    user += `:${sc.run_as_group.value}`;
  }
  const securityOpt: string[] = [];
  if (sc.no_new_privs) securityOpt.push('no-new-privileges');
  const seccomp = seccompSecurityOpt(sc);
  if (seccomp) securityOpt.push(seccomp);

  const stopSignal = config.stop_signal && config.stop_signal !== 'RUNTIME_DEFAULT' ? config.stop_signal : undefined;
  const oom = res.oom_score_adj !== undefined && Number(res.oom_score_adj) !== 0 ? Math.max(Number(res.oom_score_adj), ownOomScoreAdj) : undefined;
  const hostConfig: Record<string, unknown> = {
    ...containerNamespaces(sc.namespace_options, sandbox, targetId),
    // the pod's cgroup: every container of the pod is <parent>/<id> beside its holder, as containerd does
    ...(sandbox.HostConfig.CgroupParent ? { CgroupParent: sandbox.HostConfig.CgroupParent } : {}),
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    ...(sandbox.HostConfig.Runtime ? { Runtime: sandbox.HostConfig.Runtime } : {}),
    ...(binds.length ? { Binds: binds } : {}),
    // the pod's DNS config: its containers read the resolv.conf of its sandbox in containerd (and in
    // Docker, a container: network shares its target's); the same settings write the same file
    ...podDns(sandbox),
    ...(sc.privileged ? { Privileged: true } : {}),
    ...(sc.readonly_rootfs ? { ReadonlyRootfs: true } : {}),
    // exactly the paths given, as containerd: none given masks nothing (the kubelet sends the defaults
    // for procMount Default and none for Unmasked); privileged clears them (runtime/spec.ts)
    MaskedPaths: [...(sc.masked_paths ?? [])],
    ReadonlyPaths: [...(sc.readonly_paths ?? [])],
    ...(sc.capabilities?.add_capabilities?.length ? { CapAdd: sc.capabilities.add_capabilities } : {}),
    ...(sc.capabilities?.drop_capabilities?.length ? { CapDrop: sc.capabilities.drop_capabilities } : {}),
    ...(sc.supplemental_groups?.length ? { GroupAdd: sc.supplemental_groups.map(String) } : {}),
    ...(securityOpt.length ? { SecurityOpt: securityOpt } : {}),
    ...(config.devices?.length ? { Devices: config.devices.map((d: Msg) => ({ PathOnHost: d.host_path, PathInContainer: d.container_path, CgroupPermissions: d.permissions || 'rwm' })) } : {}),
    ...resources(res, oom),
  };
  const name = containerName(meta, pod);
  return {
    name,
    request: {
      name,
      ...(logPath ? { logPath } : {}),
      config: {
        Image: imageId,
        // the pod's hostname (the containers of a pod share its UTS identity)
        ...(sandbox.Config.Hostname ? { Hostname: sandbox.Config.Hostname } : {}),
        ...(config.command?.length ? { Entrypoint: config.command } : {}),
        ...(config.args?.length ? { Cmd: config.args } : config.command?.length ? { Cmd: [] } : {}),
        ...(config.working_dir ? { WorkingDir: config.working_dir } : {}),
        // KeyValue.value is bytes in this .proto (a string on the wire all the same)
        Env: (config.envs ?? []).map((e: Msg) => `${e.key}=${Buffer.isBuffer(e.value) ? e.value.toString('utf8') : String(e.value ?? '')}`),
        ...(user !== undefined ? { User: user } : {}),
        Tty: !!config.tty,
        OpenStdin: !!config.stdin,
        StdinOnce: !!config.stdin_once,
        AttachStdin: !!config.stdin,
        ...(stopSignal ? { StopSignal: stopSignal } : {}),
        Labels: {
          ...labels,
          [L.type]: 'container',
          [L.metadata]: JSON.stringify(meta),
          [L.labels]: JSON.stringify(labels),
          [L.annotations]: JSON.stringify(annotations),
          [L.sandboxId]: sandbox.Id,
          [L.imageRef]: String(config.image?.image ?? ''),
          [L.logPath]: logPath ?? '',
        },
        HostConfig: hostConfig,
      },
    },
  };
}

function podDns(sandbox: ContainerRecord): Record<string, string[]> {
  const hc = sandbox.HostConfig;
  return { ...(hc.Dns?.length ? { Dns: hc.Dns } : {}), ...(hc.DnsSearch?.length ? { DnsSearch: hc.DnsSearch } : {}), ...(hc.DnsOptions?.length ? { DnsOptions: hc.DnsOptions } : {}) };
}

/** SELinux is on where its filesystem is mounted (go-selinux's test, less the label check). */
function selinuxEnabled(): boolean {
  return fs.existsSync('/sys/fs/selinux/enforce');
}

/** LinuxContainerResources as Docker's HostConfig resource fields (also for UpdateContainerResources). */
export function resources(res: Msg, oom?: number): Record<string, unknown> {
  const n = (v: unknown) => Number(v ?? 0);
  // a memory limit beyond what a double holds exactly (the int64 maximum the kubelet sends for
  // none) is the kernel's "no limit" all the same; as a JSON number it would not fit runc's int64
  const bytes = (v: unknown) => (n(v) > Number.MAX_SAFE_INTEGER ? -1 : n(v));
  return {
    ...(n(res.cpu_period) ? { CpuPeriod: n(res.cpu_period) } : {}),
    ...(n(res.cpu_quota) ? { CpuQuota: n(res.cpu_quota) } : {}),
    ...(n(res.cpu_shares) ? { CpuShares: n(res.cpu_shares) } : {}),
    // -1 (as runc reads it) and the int64 maximum are no limit, as none is
    ...(n(res.memory_limit_in_bytes) && bytes(res.memory_limit_in_bytes) !== -1 ? { Memory: bytes(res.memory_limit_in_bytes) } : {}),
    ...(n(res.memory_swap_limit_in_bytes) ? { MemorySwap: bytes(res.memory_swap_limit_in_bytes) } : {}),
    ...(res.cpuset_cpus ? { CpusetCpus: res.cpuset_cpus } : {}),
    ...(res.cpuset_mems ? { CpusetMems: res.cpuset_mems } : {}),
    ...(oom !== undefined ? { OomScoreAdj: oom } : {}),
  };
}

export function refuseUnsupportedResources(res: Msg): void {
  if (res.hugepage_limits?.some((h: Msg) => Number(h.limit) > 0)) throw invalidParameter('berthd does not support hugepage limits yet');
  if (res.unified && Object.keys(res.unified).length) throw invalidParameter('berthd does not support unified cgroup v2 settings yet');
}

function refuseUnsupported(config: Msg, sc: Msg, res: Msg): void {
  const no = (what: string) => {
    throw invalidParameter(`berthd does not support ${what} for CRI containers yet`);
  };
  if (config.windows) no('windows settings');
  if (config.CDI_devices?.length) no('CDI devices');
  refuseUnsupportedResources(res);
  const ns = sc.namespace_options;
  if (ns?.userns_options?.mode && ns.userns_options.mode !== 'NODE') no('user namespaces');
  if (sc.selinux_options && Object.values(sc.selinux_options).some(Boolean)) no('selinux_options');
  if (sc.capabilities?.add_ambient_capabilities?.length) no('ambient capabilities');
  for (const p of [...(sc.masked_paths ?? []), ...(sc.readonly_paths ?? [])]) if (typeof p !== 'string' || !p.startsWith('/')) throw invalidParameter(`masked_paths/readonly_paths: ${JSON.stringify(p)} is not an absolute path`);
  if (sc.apparmor?.profile_type && sc.apparmor.profile_type !== 'Unconfined') no('apparmor profiles');
  if (sc.apparmor_profile) no('apparmor profiles');
  if (sc.supplemental_groups_policy && sc.supplemental_groups_policy !== 'Merge') no(`supplemental_groups_policy ${sc.supplemental_groups_policy}`);
}
