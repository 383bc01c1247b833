// Checks of a create request that need no state: the config's shape, the restart policy, the log driver.
import fs from 'node:fs';
import type { ContainerConfig } from '../../images/types.ts';
import { invalidParameter } from '../../errdefs.ts';
import { validatePolicy } from './restart-policy.ts';
import { CAPABILITY_NAMES } from '../../platform/linux/capabilities.ts';
import type { HostConfig } from './record.ts';

export function validateConfig(cfg: ContainerConfig, hc: HostConfig): void {
  const arr = (v: unknown, field: string) => {
    if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((x) => typeof x !== 'string')))
      throw invalidParameter(`json: cannot unmarshal ${typeof v} into Go struct field ${field} of type []string`);
  };
  arr(cfg.Env, 'Config.Env');
  arr(cfg.Cmd, 'Config.Cmd');
  arr(cfg.Entrypoint, 'Config.Entrypoint');
  arr(hc.Binds, 'HostConfig.Binds');
  if (cfg.WorkingDir && !cfg.WorkingDir.startsWith('/')) throw invalidParameter(`the working directory '${cfg.WorkingDir}' is invalid, it needs to be an absolute path`);
  const policyError = validatePolicy(hc.RestartPolicy, !!hc.AutoRemove);
  if (policyError) throw invalidParameter(policyError);
  for (const e of cfg.Env ?? []) if (e.startsWith('=')) throw invalidParameter(`invalid environment variable: ${e}`);
  // dockerd's validateNetMode: the host's UTS namespace has the host's name
  if (hc.UTSMode === 'host' && cfg.Hostname) throw invalidParameter('conflicting options: hostname and the UTS mode');
  // dockerd's validateCapabilities, at create (whether the kernel has them is checked at start)
  checkCapabilityNames(hc.CapAdd, 'CapAdd');
  checkCapabilityNames(hc.CapDrop, 'CapDrop');
  checkPortSpecs(hc.PortBindings);
}

/** dockerd's verifyContainerSettings on PortBindings (go-connections/nat): each container port a
 * 16-bit number, each HostPort empty, a 16-bit number or a rising range; else a 400 at create (a
 * HostPort of 99999 or -1 had been taken, to fail only at start). */
function checkPortSpecs(bindings: HostConfig['PortBindings']): void {
  const u16 = (s: string) => /^\d+$/.test(s) && Number(s) <= 65535;
  const portOf = (raw: string) => (raw.split('/')[0] ?? '');
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const port = portOf(key);
    if (port !== '' && !u16(port)) throw invalidParameter(`invalid port specification: ${JSON.stringify(port)}`);
    for (const b of list ?? []) {
      const host = portOf(b?.HostPort ?? '');
      if (host === '') continue;
      // (as Go's nat.ParsePortRange: what follows a second '-' is not looked at)
      const [lo = '', hi] = host.split('-');
      const ok = hi === undefined ? u16(lo) : u16(lo) && u16(hi) && Number(hi) >= Number(lo);
      if (!ok) throw invalidParameter(`invalid port specification: ${JSON.stringify(b.HostPort)}`);
    }
  }
}

/** Docker's NormalizeLegacyCapabilities without the host check: known names, any case, CAP_ optional. */
function checkCapabilityNames(caps: unknown, field: string): void {
  if (!Array.isArray(caps)) return;
  for (const c0 of caps) {
    if (typeof c0 !== 'string') continue;
    const c = c0.toUpperCase() === 'ALL' ? 'ALL' : c0.toUpperCase().startsWith('CAP_') ? c0.toUpperCase() : 'CAP_' + c0.toUpperCase();
    if (c !== 'ALL' && !CAPABILITY_NAMES.includes(c)) throw invalidParameter(`invalid ${field}: unknown capability: "${c}"`);
  }
}

/** The log drivers Berth has (conmon writes json-file; `local` is accepted as its alias). */
export const LOG_DRIVERS = ['json-file', 'local', 'none'];
const DOCKER_ONLY_LOG_DRIVERS = ['syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];

/** Every container logs to a file docker logs reads; Docker's default driver name is what clients expect. */
export function checkLogConfig(hc: HostConfig): void {
  if (!hc.LogConfig?.Type) hc.LogConfig = { Type: 'json-file', Config: hc.LogConfig?.Config ?? {} };
  if (!LOG_DRIVERS.includes(hc.LogConfig.Type)) {
    const t = hc.LogConfig.Type;
    // Docker's own drivers that ship logs elsewhere: name them as unsupported rather than unknown
    if (DOCKER_ONLY_LOG_DRIVERS.includes(t)) throw invalidParameter(`logger: the ${t} log driver is not supported by Berth; use one of: ${LOG_DRIVERS.join(', ')}`);
    throw invalidParameter(`error looking up logging plugin ${t}: plugin "${t}" not found`);
  }
}

export function readHostname(): string {
  try {
    return fs.readFileSync('/etc/hostname', 'utf8').trim();
  } catch {
    // a host without /etc/hostname: the name every Linux falls back to
    return 'localhost';
  }
}
