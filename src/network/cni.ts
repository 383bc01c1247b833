// Running a chain of CNI plugins (the CNI spec's network configuration list) against a container's
// network namespace: ADD in order, each plugin getting the previous one's result; DEL in reverse.
// The plugins are Debian's containernetworking-plugins (bridge, host-local, portmap, ...).
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';
import { systemError } from '../errdefs.ts';

export const CNI_VERSION = '1.0.0';
const PLUGIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'];

export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [k: string]: unknown;
}

export interface CniConfList {
  name: string;
  plugins: CniPluginConf[];
}

export interface CniResult {
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { interface?: number; address: string; gateway?: string }[];
  [k: string]: unknown;
}

export interface CniRuntime {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs (e.g. IP for host-local) */
  args?: Record<string, string>;
  /** capability arguments (portMappings, ...) given to the plugins that declare them */
  runtimeConfig?: Record<string, unknown>;
}

let pluginDir: string | undefined;
function findPluginDir(): string {
  pluginDir ??= PLUGIN_DIRS.find((d) => fs.existsSync(path.join(d, 'bridge')));
  if (!pluginDir) throw systemError('the CNI plugins are not installed (Debian package containernetworking-plugins)');
  return pluginDir;
}

async function invoke(command: 'ADD' | 'DEL' | 'CHECK', list: CniConfList, plugin: CniPluginConf, rt: CniRuntime, prevResult?: CniResult): Promise<CniResult | undefined> {
  const dir = findPluginDir();
  const { capabilities, ...conf } = plugin;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(capabilities ?? {})) if (on && rt.runtimeConfig?.[cap] !== undefined) runtimeConfig[cap] = rt.runtimeConfig[cap];
  const stdin = { cniVersion: CNI_VERSION, name: list.name, ...conf, ...(Object.keys(runtimeConfig).length ? { runtimeConfig } : {}), ...(prevResult ? { prevResult } : {}) };
  const args = Object.entries({ IgnoreUnknown: '1', ...(rt.args ?? {}) }).map(([k, v]) => `${k}=${v}`).join(';');
  const res = await run(path.join(dir, plugin.type), [], {
    input: JSON.stringify(stdin),
    allowFailure: true,
    timeoutMs: 30_000,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: rt.containerId, CNI_NETNS: rt.netns, CNI_IFNAME: rt.ifName, CNI_PATH: dir, CNI_ARGS: args },
  });
  if (res.code !== 0) {
    let msg = (res.stderr || res.stdout).trim();
    try {
      const e = JSON.parse(res.stdout) as { msg?: string; details?: string };
      msg = [e.msg, e.details].filter(Boolean).join(': ') || msg;
    } catch {
      // stdout is not JSON: the plugin's raw output is the message
    }
    throw systemError(`failed to set up the network (${plugin.type} ${command}): ${msg}`);
  }
  if (command !== 'ADD' || !res.stdout.trim()) return prevResult;
  return JSON.parse(res.stdout) as CniResult;
}

export async function cniAdd(list: CniConfList, rt: CniRuntime): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const p of list.plugins) result = await invoke('ADD', list, p, rt, result);
  return result ?? {};
}

/** DEL every plugin, last first; goes on past failures (DEL must be best effort) and reports the first. */
export async function cniDel(list: CniConfList, rt: CniRuntime): Promise<void> {
  let first: Error | undefined;
  for (const p of [...list.plugins].reverse()) {
    await invoke('DEL', list, p, rt).catch((e: Error) => (first ??= e));
  }
  if (first) throw first;
}
