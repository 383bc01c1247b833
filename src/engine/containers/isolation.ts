// Which OCI runtime a new container runs with, from --isolation and --runtime: process isolation
// (namespaces and cgroups, the daemon's default runtime) or hyperv, also spelled sandbox (gVisor's
// runsc, a user-space kernel). Refuses, with the reason, what the sandbox cannot do on this host.
import { invalidParameter } from '../../errdefs.ts';
import { SANDBOX_RUNTIME } from '../../config.ts';
import type { HostConfig } from './record.ts';

const ISOLATIONS = ['', 'default', 'process', 'hyperv', 'sandbox'];

export const isSandbox = (iso: string | undefined): boolean => iso === 'hyperv' || iso === 'sandbox';

export interface RuntimeChoice {
  /** the runtimes the daemon has, by name */
  known: string[];
  defaultRuntime: string;
  /** a network mode the client asked for (not the default) */
  explicitNetwork: boolean;
  tty: boolean;
}

export function chooseRuntime(hc: HostConfig, o: RuntimeChoice): string {
  const iso = hc.Isolation ?? '';
  if (!ISOLATIONS.includes(iso)) throw invalidParameter(`invalid isolation "${iso}": Berth supports 'default', 'process' and 'hyperv' (also spelled 'sandbox')`);
  if (hc.Runtime && !o.known.includes(hc.Runtime)) throw invalidParameter(`unknown or invalid runtime name: ${hc.Runtime}`);
  if (!isSandbox(iso)) return hc.Runtime || o.defaultRuntime;
  if (!o.known.includes(SANDBOX_RUNTIME)) throw invalidParameter(`isolation "${iso}" runs containers in gVisor, and its runtime (${SANDBOX_RUNTIME}) is not installed on this host`);
  if (hc.Runtime && hc.Runtime !== SANDBOX_RUNTIME) throw invalidParameter(`isolation "${iso}" runs containers with the ${SANDBOX_RUNTIME} runtime and cannot be combined with runtime ${hc.Runtime}`);
  if (o.tty) throw invalidParameter(`isolation "${iso}": the sandbox runtime (runsc) cannot give a process a terminal on this host: run it without -t`);
  const nm = hc.NetworkMode ?? '';
  if (o.explicitNetwork && nm !== 'none')
    throw invalidParameter(`isolation "${iso}" does not support network mode "${nm}": the gVisor sandbox has loopback networking only here (use --network none)`);
  return SANDBOX_RUNTIME;
}
