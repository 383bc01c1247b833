// Version and Status: what the kubelet asks first, and keeps asking to decide whether the node is ready.
import net from 'node:net';
import type { Handlers } from './server.ts';
import { invalidParameter } from '../errdefs.ts';
import { BERTH_VERSION } from '../api/routes/system.ts';

export const CRI_API_VERSION = 'v1';

export interface NetworkReadiness {
  ready: boolean;
  /** why not, in the CRI's words (a CamelCase reason and a message) */
  reason?: string;
  message?: string;
}

export interface RuntimeInfoDeps {
  runtimeHandlers: () => string[];
  network: () => NetworkReadiness;
  /** what Status(verbose) reports as info["config"] */
  config: () => Record<string, unknown>;
}

/** "10.244.1.0/24" or "10.244.1.0/24,fd00::/64" (dual stack): each an address and a prefix length. */
export function parsePodCidrs(value: string): string[] {
  const cidrs = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const cidr of cidrs) {
    const [addr, bits, ...rest] = cidr.split('/');
    const family = net.isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    if (!family || rest.length || !/^\d{1,3}$/.test(bits ?? '') || Number(bits) > max) throw invalidParameter(`invalid pod CIDR ${JSON.stringify(cidr)}`);
  }
  return cidrs;
}

export function runtimeInfoHandlers(d: RuntimeInfoDeps): Handlers {
  // the node's pod CIDRs as the kubelet last sent them (it sends them again after every restart)
  let podCidrs: string[] = [];
  return {
    UpdateRuntimeConfig(req) {
      const cidr = req.runtime_config?.network_config?.pod_cidr ?? '';
      // an empty CIDR leaves the configuration as it is, as containerd does
      if (cidr) podCidrs = parsePodCidrs(String(cidr));
      return {};
    },

    RuntimeConfig() {
      // berthd manages cgroups itself as cgroupfs paths (no systemd slices), so the kubelet must use
      // --cgroup-driver=cgroupfs; a kubelet that asks (KubeletCgroupDriverFromCRI) is told so
      return { linux: { cgroup_driver: 'CGROUPFS' } };
    },

    Version() {
      // "version" is the CRI's own API version, which kubelet does not negotiate
      return { version: '0.1.0', runtime_name: 'berth', runtime_version: BERTH_VERSION, runtime_api_version: CRI_API_VERSION };
    },

    Status(req) {
      const net = d.network();
      const conditions = [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        { type: 'NetworkReady', status: net.ready, reason: net.ready ? '' : (net.reason ?? 'NetworkPluginNotReady'), message: net.ready ? '' : (net.message ?? '') },
      ];
      const info: Record<string, string> = {};
      // Berth's pods take their addresses from its default bridge network; the pod CIDR is reported, not
      // used for addressing (containerd also only uses it through a CNI config template)
      if (req.verbose) info.config = JSON.stringify({ ...d.config(), podCIDRs: podCidrs });
      return {
        status: { conditions },
        info,
        runtime_handlers: d.runtimeHandlers().map((name) => ({ name, features: { recursive_read_only_mounts: false, user_namespaces: false } })),
        features: { supplemental_groups_policy: false, user_namespaces_host_network: false },
      };
    },
  };
}
