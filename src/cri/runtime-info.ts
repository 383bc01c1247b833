// Version and Status: what the kubelet asks first, and keeps asking to decide whether the node is ready.
import type { Handlers } from './server.ts';
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

export function runtimeInfoHandlers(d: RuntimeInfoDeps): Handlers {
  return {
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
      if (req.verbose) info.config = JSON.stringify(d.config());
      return {
        status: { conditions },
        info,
        runtime_handlers: d.runtimeHandlers().map((name) => ({ name, features: { recursive_read_only_mounts: false, user_namespaces: false } })),
        features: { supplemental_groups_policy: false, user_namespaces_host_network: false },
      };
    },
  };
}
