// A PodSandboxConfig as the create request of its holder container (pure). Each field is honoured
// or refused: what Berth cannot do yet is an INVALID_ARGUMENT naming the field, never ignored.
import net from 'node:net';
import { invalidParameter } from '../errdefs.ts';
import type { CreateRequest } from '../engine/containers/service.ts';
import { L, podMetadata, sandboxName, stringMap, type PodMetadata } from './labels.ts';
import type { Msg } from './server.ts';
import { sandboxNamespaces } from './namespaces.ts';
import { seccompSecurityOpt } from './seccomp.ts';

export interface SandboxPlan {
  name: string;
  meta: PodMetadata;
  hostNetwork: boolean;
  request: CreateRequest;
}

const PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** `gvisor`: the handler runs each container as its own gVisor sandbox, with its own PID namespace. */
export function planSandbox(config: Msg, runtimeHandler: string, image: string, gvisor = false): SandboxPlan {
  const meta = podMetadata(config);
  const linux = config.linux ?? {};
  const sc = linux.security_context ?? {};
  const ns = sc.namespace_options ?? {};
  refuseUnsupported(config, linux, sc, ns);
  const nss = sandboxNamespaces(ns, runtimeHandler, gvisor);
  const hostNetwork = nss.hostNetwork;
  // the kubelet names the pod's cgroup (e.g. /kubepods/besteffort/pod<uid> with the cgroupfs driver):
  // the holder goes under it as <parent>/<id>, as containerd puts its pause container
  const cgroupParent = typeof linux.cgroup_parent === 'string' ? linux.cgroup_parent : '';
  if (cgroupParent && !cgroupParent.startsWith('/')) throw invalidParameter(`linux.cgroup_parent must be an absolute cgroupfs path (berthd uses the cgroupfs driver): ${JSON.stringify(cgroupParent)}`);
  // the host's UTS namespace goes with its network (as the kubelet sends no hostname then)
  if (hostNetwork && config.hostname) throw invalidParameter('a pod on the host network (namespace_options.network NODE) cannot set its hostname');
  const labels = stringMap(config.labels);
  const annotations = stringMap(config.annotations);
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  const exposed: Record<string, object> = {};
  for (const pm of config.port_mappings ?? []) {
    const proto = PROTOCOLS[pm.protocol ?? 'TCP'];
    if (!proto) throw invalidParameter(`unknown port mapping protocol ${pm.protocol}`);
    const cport = Number(pm.container_port);
    if (!(cport > 0 && cport < 65536)) throw invalidParameter(`invalid container port ${pm.container_port}`);
    // a mapping without a host port (0, or below: containerd skips those too) only documents the
    // port, as the kubelet sends for every containerPort
    if (!(Number(pm.host_port) > 0)) continue;
    if (pm.host_ip && net.isIP(pm.host_ip) === 0) throw invalidParameter(`invalid host_ip ${JSON.stringify(pm.host_ip)} in port mapping ${cport}`);
    if (hostNetwork) continue; // the pod is on the host's ports already (containerd skips them too)
    const key = `${cport}/${proto}`;
    exposed[key] = {};
    (portBindings[key] ??= []).push({ HostIp: pm.host_ip ?? '', HostPort: String(pm.host_port) });
  }
  const dns = config.dns_config;
  const seccomp = seccompSecurityOpt(sc);
  const hostConfig: Record<string, unknown> = {
    ...nss.hostConfig,
    ...(cgroupParent ? { CgroupParent: cgroupParent } : {}),
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    ...(runtimeHandler ? { Runtime: runtimeHandler } : {}),
    ...(Object.keys(portBindings).length ? { PortBindings: portBindings } : {}),
    ...(dns ? { Dns: dns.servers ?? [], DnsSearch: dns.searches ?? [], DnsOptions: dns.options ?? [] } : {}),
    ...(sc.privileged ? { Privileged: true } : {}),
    ...(sc.readonly_rootfs ? { ReadonlyRootfs: true } : {}),
    ...(seccomp ? { SecurityOpt: [seccomp] } : {}),
    ...(linux.sysctls && Object.keys(linux.sysctls).length ? { Sysctls: stringMap(linux.sysctls) } : {}),
  };
  const name = sandboxName(meta);
  return {
    name,
    meta,
    hostNetwork,
    request: {
      name,
      config: {
        Image: image,
        ...(config.hostname ? { Hostname: config.hostname } : {}),
        ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
        Labels: {
          ...labels,
          [L.type]: 'sandbox',
          [L.metadata]: JSON.stringify(meta),
          [L.labels]: JSON.stringify(labels),
          [L.annotations]: JSON.stringify(annotations),
          [L.logDirectory]: config.log_directory ?? '',
          [L.runtimeHandler]: runtimeHandler,
          [L.hostNetwork]: String(hostNetwork),
          [L.pidMode]: nss.pid,
        },
        HostConfig: hostConfig,
      },
    },
  };
}

function refuseUnsupported(config: Msg, linux: Msg, sc: Msg, ns: Msg): void {
  const no = (what: string) => {
    throw invalidParameter(`berthd does not support ${what} for pod sandboxes yet`);
  };
  if (config.windows) no('windows settings');
  if (ns.userns_options && ns.userns_options.mode && ns.userns_options.mode !== 'NODE') no('user namespaces (userns_options)');
  if (sc.selinux_options && Object.values(sc.selinux_options).some(Boolean)) no('selinux_options');
  if (sc.run_as_user || sc.run_as_group || sc.supplemental_groups?.length) no('run_as_user/run_as_group/supplemental_groups on the sandbox');
  if (sc.apparmor && sc.apparmor.profile_type && sc.apparmor.profile_type !== 'Unconfined') no('apparmor profiles');
  if (sc.supplemental_groups_policy && sc.supplemental_groups_policy !== 'Merge') no(`supplemental_groups_policy ${sc.supplemental_groups_policy}`);
}
