// The CRI's NamespaceOption as Berth's namespace modes, for the sandbox holder and for each container
// of the pod (pure). containerd decides the network, IPC and UTS namespaces of every container from
// its pod (it always joins the pause container's), so a container may only repeat its pod's mode;
// anything else it would silently ignore is refused here by name.
import { invalidParameter } from '../errdefs.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import type { Msg } from './server.ts';

const MODES = ['POD', 'CONTAINER', 'NODE', 'TARGET'];

function mode(ns: Msg, which: 'network' | 'pid' | 'ipc', dflt: string): string {
  const m = ns?.[which] ?? dflt;
  if (!MODES.includes(m)) throw invalidParameter(`unknown namespace_options.${which} ${m}`);
  return m;
}

export interface SandboxNamespaces {
  hostNetwork: boolean;
  /** the pod's pid mode as PodSandboxStatus reports it */
  pid: 'POD' | 'CONTAINER' | 'NODE';
  hostIpc: boolean;
  hostConfig: Record<string, unknown>;
}

/** The holder's namespaces. `gvisor`: its containers are each their own sandbox (no shared PID namespace). */
export function sandboxNamespaces(ns: Msg, runtimeHandler: string, gvisor: boolean): SandboxNamespaces {
  const network = mode(ns, 'network', 'POD');
  const pid = mode(ns, 'pid', 'CONTAINER');
  const ipc = mode(ns, 'ipc', 'POD');
  const no = (what: string) => {
    throw invalidParameter(`berthd does not support ${what} for pod sandboxes`);
  };
  // a pod has no other container to share with: only its own namespace or the node's
  if (network === 'TARGET' || network === 'CONTAINER') no(`namespace_options.network ${network}`);
  if (ipc === 'TARGET' || ipc === 'CONTAINER') no(`namespace_options.ipc ${ipc}`);
  if (pid === 'TARGET') no('namespace_options.pid TARGET (a sandbox has no target container)');
  if (gvisor && (pid === 'POD' || pid === 'NODE')) throw invalidParameter(`namespace_options.pid ${pid} is not supported by runtime handler ${runtimeHandler}: each of its containers is its own gVisor sandbox`);
  if (gvisor && ipc === 'NODE') throw invalidParameter(`namespace_options.ipc NODE is not supported by runtime handler ${runtimeHandler}: gVisor has its own IPC`);
  return {
    hostNetwork: network === 'NODE',
    pid: pid === 'NODE' || pid === 'POD' ? pid : 'CONTAINER',
    hostIpc: ipc === 'NODE',
    hostConfig: {
      NetworkMode: network === 'NODE' ? 'host' : 'bridge',
      // the host's IPC namespace and /dev/shm (hostIPC), or the pod's own, which its containers join
      // with its /dev/shm (engine/containers/namespaces.ts), as a pause container's
      IpcMode: ipc === 'NODE' ? 'host' : 'shareable',
      // pid POD and CONTAINER alike give the holder its own PID namespace, which POD containers join
      ...(pid === 'NODE' ? { PidMode: 'host' } : {}),
      // in a shared PID namespace the holder is PID 1, the reaper of every orphan of the pod's containers:
      // tini (Berth's --init) does that as the pause container does; `sleep` would leave zombies
      ...(pid === 'POD' ? { Init: true } : {}),
    },
  };
}

/** A container's namespaces: its pod's network and IPC (repeated in its config as the kubelet does),
 * and its PID namespace: CONTAINER its own, POD the holder's, NODE the host's, TARGET the target's. */
export function containerNamespaces(ns: Msg, sandbox: ContainerRecord, targetId: string): Record<string, string> {
  const network = mode(ns, 'network', 'POD');
  const ipc = mode(ns, 'ipc', 'POD');
  const podHostNet = sandbox.HostConfig.NetworkMode === 'host';
  const podHostIpc = sandbox.HostConfig.IpcMode === 'host';
  // containerd puts every container in its pod's network and IPC namespaces whatever the container
  // asks; the kubelet always sends the pod's own modes, so any other is a mistake, refused. POD is
  // the proto's zero value, what a container that says nothing sends (critest's in a host-network
  // pod): it means "the pod's", whichever that is
  if (network !== 'POD' && network !== (podHostNet ? 'NODE' : 'POD')) throw invalidParameter(`namespace_options.network ${network} in a pod whose network is ${podHostNet ? 'NODE' : 'POD'}: a container shares its pod's network namespace`);
  if (ipc !== 'POD' && ipc !== 'NODE') throw invalidParameter(`namespace_options.ipc ${ipc}: a container shares its pod's IPC namespace`);
  if (ipc === 'NODE' && !podHostIpc) throw invalidParameter('namespace_options.ipc NODE in a pod that does not use the host IPC namespace');
  return {
    NetworkMode: `container:${sandbox.Id}`,
    // the host's IPC namespace and /dev/shm, or the holder's (with its /dev/shm)
    IpcMode: podHostIpc ? 'host' : `container:${sandbox.Id}`,
    ...pidMode(mode(ns, 'pid', 'CONTAINER'), sandbox, targetId),
  };
}

function pidMode(pid: string, sandbox: ContainerRecord, targetId: string): Record<string, string> {
  switch (pid) {
    case 'CONTAINER':
      return {};
    case 'POD':
      // the holder's namespace: its own, or the host's in a pod with pid NODE
      return { PidMode: `container:${sandbox.Id}` };
    case 'NODE':
      // containerd would put such a container in the pod's namespace; the kubelet sends NODE only for a hostPID pod
      if (sandbox.HostConfig.PidMode !== 'host') throw invalidParameter('namespace_options.pid NODE in a pod that does not use the host PID namespace');
      return { PidMode: 'host' };
    default:
      // TARGET
      if (!targetId) throw invalidParameter('namespace_options.pid TARGET needs a target_id');
      return { PidMode: `container:${targetId}` };
  }
}
