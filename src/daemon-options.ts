// berthd's options: dockerd's flags, merged with a daemon.json as dockerd reads it (the same keys;
// a setting given both as a flag and in the file is an error, as in dockerd).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { DEFAULTS, type DaemonConfig, type RuntimeConfig } from './config.ts';
import { parseCidr6, cidr6String } from './network/ipam6.ts';
import { DEFAULT_TLS_HOST, ListenerError, parseDaemonHost } from './api/listeners.ts';
import { parseGoDuration } from './util/units.ts';

export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

export const USAGE = `Usage:	berthd [OPTIONS]

A self-sufficient runtime for containers.

Options:
      --add-runtime runtime     Register an additional OCI compatible runtime (NAME=PATH)
      --config-file string      Daemon configuration file (default "${DEFAULT_CONFIG_FILE}")
  -D, --debug                   Enable debug mode
  -G, --group string            Group for the unix socket (default "docker")
      --cri-socket string       Kubernetes CRI socket, "" for none (default unix://${path.join(path.dirname(DEFAULTS.socketPath), 'cri.sock')})
      --cri-stream-idle-timeout string
                                Close CRI exec/attach/port-forward connections idle this long, 0 for never (default "4h0m0s")
      --data-root string        Root directory of persistent Berth state (default "${DEFAULTS.dataRoot}")
      --default-runtime string  Default OCI runtime for containers (default "runc")
      --exec-root string        Root directory for execution state files (default "${DEFAULTS.execRoot}")
  -H, --host list               Daemon socket(s) to connect to (default unix://${DEFAULTS.socketPath})
      --init                    Run an init in the container to forward signals and reap processes
      --init-path string        Path to the docker-init binary
      --insecure-registry list  Enable insecure registry communication
      --ipv6                    Enable IPv6 networking on the default bridge
      --fixed-cidr-v6 string    IPv6 subnet of the default bridge (default: a /64 of the daemon's ULA prefix)
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -p, --pidfile string          Path to use for daemon PID file
      --tls                     Use TLS; implied by --tlsverify
      --tlscacert string        Trust certs signed only by this CA (default "~/.docker/ca.pem")
      --tlscert string          Path to TLS certificate file (default "~/.docker/cert.pem")
      --tlskey string           Path to TLS key file (default "~/.docker/key.pem")
      --tlsverify               Use TLS and verify the remote
      --userns-remap string     User/Group setting for user namespaces ("default" or USER[:GROUP])
  -v, --version                 Print version information and quit
`;

export type DaemonOptions = DaemonConfig & { pidfile?: string; help?: boolean; version?: boolean };

/** A bad command line or configuration file: one line for stderr, and the exit code. */
export class OptionsError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

interface FileConfig {
  'data-root'?: string;
  'exec-root'?: string;
  'log-level'?: string;
  debug?: boolean;
  hosts?: string[];
  pidfile?: string;
  'insecure-registries'?: string[];
  runtimes?: Record<string, { path?: string; runtimeArgs?: string[] }>;
  'default-runtime'?: string;
  'userns-remap'?: string;
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  group?: string;
  'cri-socket'?: string;
  'cri-stream-idle-timeout'?: string;
  init?: boolean;
  'init-path'?: string;
  ipv6?: boolean;
  'fixed-cidr-v6'?: string;
}
const FILE_KEYS = ['data-root', 'exec-root', 'log-level', 'debug', 'hosts', 'pidfile', 'insecure-registries', 'runtimes', 'default-runtime', 'userns-remap', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey', 'group', 'cri-socket', 'cri-stream-idle-timeout', 'init', 'init-path', 'ipv6', 'fixed-cidr-v6'];
/** daemon.json key → the flag that sets the same thing */
const FLAG_OF: Record<string, string> = {
  'data-root': 'data-root',
  'exec-root': 'exec-root',
  'log-level': 'log-level',
  debug: 'debug',
  hosts: 'host',
  pidfile: 'pidfile',
  'default-runtime': 'default-runtime',
  'userns-remap': 'userns-remap',
  tls: 'tls',
  tlsverify: 'tlsverify',
  tlscacert: 'tlscacert',
  tlscert: 'tlscert',
  tlskey: 'tlskey',
  group: 'group',
  'cri-socket': 'cri-socket',
  'cri-stream-idle-timeout': 'cri-stream-idle-timeout',
  init: 'init',
  'init-path': 'init-path',
  ipv6: 'ipv6',
  'fixed-cidr-v6': 'fixed-cidr-v6',
};
/** Boolean flags that, as Go's pflag, also take `--flag=true|false`. */
const BOOL_FLAGS = ['tls', 'tlsverify', 'debug', 'init', 'ipv6'];

/** `--tls=false` and friends: taken out of argv (node's parseArgs has no value for booleans). */
function explicitBools(argv: string[]): { rest: string[]; bools: Record<string, boolean> } {
  const bools: Record<string, boolean> = {};
  const rest: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)=(.*)$/.exec(a);
    if (!m || !BOOL_FLAGS.includes(m[1]!)) {
      rest.push(a);
      continue;
    }
    const v = m[2]!;
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) bools[m[1]!] = true;
    else if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) bools[m[1]!] = false;
    else throw new OptionsError(`invalid argument "${v}" for "--${m[1]}" flag: strconv.ParseBool: parsing "${v}": invalid syntax\nSee 'berthd --help'.`, 125);
  }
  return { rest, bools };
}

/** dockerd's default certificate directory: $DOCKER_CERT_PATH, else $DOCKER_CONFIG, else ~/.docker. */
function defaultCertDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CERT_PATH || env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

export function parseDaemonOptions(argv: string[], readFile: (p: string) => string = (p) => fs.readFileSync(p, 'utf8'), env: NodeJS.ProcessEnv = process.env): DaemonOptions {
  let values;
  const { rest, bools } = explicitBools(argv);
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string', short: 'H', multiple: true },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        'log-level': { type: 'string', short: 'l' },
        debug: { type: 'boolean', short: 'D' },
        pidfile: { type: 'string', short: 'p' },
        'insecure-registry': { type: 'string', multiple: true },
        'add-runtime': { type: 'string', multiple: true },
        'default-runtime': { type: 'string' },
        'config-file': { type: 'string' },
        'userns-remap': { type: 'string' },
        tls: { type: 'boolean' },
        tlsverify: { type: 'boolean' },
        tlscacert: { type: 'string' },
        tlscert: { type: 'string' },
        tlskey: { type: 'string' },
        group: { type: 'string', short: 'G' },
        'cri-socket': { type: 'string' },
        'cri-stream-idle-timeout': { type: 'string' },
        init: { type: 'boolean' },
        'init-path': { type: 'string' },
        ipv6: { type: 'boolean' },
        'fixed-cidr-v6': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new OptionsError(`berthd: ${(e as Error).message}\nSee 'berthd --help'.`, 125);
  }
  Object.assign(values, bools);
  if (values.help || values.version) return { ...DEFAULTS, help: values.help, version: values.version };

  const file = readConfigFile(values['config-file'], readFile);
  const both = Object.keys(file).filter((k) => FLAG_OF[k] && (values as Record<string, unknown>)[FLAG_OF[k]!] !== undefined);
  if (both.length) {
    const list = both.map((k) => `${k}: (from flag: ${String((values as Record<string, unknown>)[FLAG_OF[k]!])}, from file: ${JSON.stringify(file[k as keyof FileConfig])})`);
    throw new OptionsError(`unable to configure the Berth daemon with file ${values['config-file'] ?? DEFAULT_CONFIG_FILE}: the following directives are specified both as a flag and in the configuration file: ${list.join(', ')}`);
  }

  const criSocket = values['cri-socket'] ?? file['cri-socket'];
  if (criSocket && !/^unix:\/\/\//.test(criSocket)) throw new OptionsError(`berthd: --cri-socket: only unix:// addresses with an absolute path are supported: ${criSocket}`);
  const idleText = values['cri-stream-idle-timeout'] ?? file['cri-stream-idle-timeout'];
  const criStreamIdleTimeoutMs = idleText === undefined ? undefined : streamIdleTimeout(idleText);


  const ipv6 = values.ipv6 ?? file.ipv6 ?? false;
  const fixedCidrV6 = values['fixed-cidr-v6'] ?? file['fixed-cidr-v6'];
  if (fixedCidrV6 !== undefined) {
    const c = parseCidr6(fixedCidrV6);
    if (!c) throw new OptionsError(`berthd: --fixed-cidr-v6: invalid CIDR address: ${fixedCidrV6}`);
    // (dockerd keeps it unused without --ipv6; Berth says so rather than ignore it)
    if (!ipv6) throw new OptionsError('berthd: --fixed-cidr-v6 is only used with --ipv6');
  }
  // (--ipv6 alone: the default bridge takes a /64 of the default IPv6 pool, a ULA prefix, as current dockerd)

  // dockerd's rules: --tlsverify (either value) turns TLS on; verification follows TLS unless set
  let tlsOn: boolean | undefined = values.tls ?? file.tls;
  const verifySet: boolean | undefined = values.tlsverify ?? file.tlsverify;
  if (verifySet !== undefined) tlsOn = true;
  const verify = verifySet ?? tlsOn ?? false;
  const certDir = defaultCertDir(env);
  const tls = tlsOn
    ? {
        ca: values.tlscacert ?? file.tlscacert ?? path.join(certDir, 'ca.pem'),
        cert: values.tlscert ?? file.tlscert ?? path.join(certDir, 'cert.pem'),
        key: values.tlskey ?? file.tlskey ?? path.join(certDir, 'key.pem'),
        verify,
      }
    : undefined;

  const given = (values.host ?? file.hosts ?? []).filter((h) => h.trim() !== '');
  if (file.hosts !== undefined && !Array.isArray(file.hosts)) throw new OptionsError(`unable to configure the Berth daemon with file ${values['config-file'] ?? DEFAULT_CONFIG_FILE}: hosts: not a list`);
  let hosts = given.map((h) => {
    try {
      return parseDaemonHost(h);
    } catch (e) {
      if (!(e instanceof ListenerError)) throw e;
      if (values.host) throw new OptionsError(`invalid argument "${h}" for "-H, --host" flag: ${e.message}\nSee 'berthd --help'.`, 125);
      throw new OptionsError(`unable to configure the Berth daemon with file ${values['config-file'] ?? DEFAULT_CONFIG_FILE}: ${e.message}`);
    }
  });
  // no host: the default socket, or with TLS on dockerd's default TLS port on localhost
  if (!hosts.length) hosts = [tls ? DEFAULT_TLS_HOST : `unix://${DEFAULTS.socketPath}`];
  hosts = [...new Set(hosts)].sort();
  const firstUnix = hosts.find((h) => h.startsWith('unix://'));

  const runtimes: RuntimeConfig[] = [];
  for (const [name, r] of Object.entries(file.runtimes ?? {})) {
    if (!r?.path) throw new OptionsError(`runtime ${name}: no path given in the configuration file`);
    runtimes.push({ name, path: r.path, args: r.runtimeArgs ?? [] });
  }
  for (const spec of values['add-runtime'] ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new OptionsError(`invalid argument "${spec}" for "--add-runtime" flag: invalid runtime argument: ${spec}`);
    const name = spec.slice(0, eq);
    if (runtimes.some((r) => r.name === name)) throw new OptionsError(`runtime name '${name}' is already registered`);
    runtimes.push({ name, path: spec.slice(eq + 1), args: [] });
  }
  if (runtimes.some((r) => r.name === 'runc' || r.name === 'io.containerd.runc.v2')) throw new OptionsError(`runtime name 'runc' is reserved`);
  const fileProblem = (m: string) => new OptionsError(`unable to configure the Berth daemon with file ${values['config-file'] ?? DEFAULT_CONFIG_FILE}: ${m}`);
  // Go's json decoder's words for a value of the wrong type
  const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v);
  if (file.init !== undefined && typeof file.init !== 'boolean') throw fileProblem(`json: cannot unmarshal ${jsonType(file.init)} into Go struct field Config.init of type bool`);
  if (file['init-path'] !== undefined && typeof file['init-path'] !== 'string') throw fileProblem(`json: cannot unmarshal ${jsonType(file['init-path'])} into Go struct field Config.init-path of type string`);
  const init = values.init ?? file.init;
  const initPath = values['init-path'] ?? file['init-path'];

  return {
    socketPath: firstUnix ? firstUnix.slice('unix://'.length) : '',
    hosts,
    socketGroup: values.group ?? file.group,
    tls,
    tlsChosen: tlsOn !== undefined,
    dataRoot: values['data-root'] ?? file['data-root'] ?? DEFAULTS.dataRoot,
    execRoot: values['exec-root'] ?? file['exec-root'] ?? DEFAULTS.execRoot,
    logLevel: (values.debug ?? file.debug) ? 'debug' : (values['log-level'] ?? file['log-level'] ?? 'info'),
    pidfile: values.pidfile ?? file.pidfile,
    insecureRegistries: [...(values['insecure-registry'] ?? []), ...(file['insecure-registries'] ?? [])],
    runtimes,
    defaultRuntime: values['default-runtime'] ?? file['default-runtime'],
    usernsRemap: values['userns-remap'] ?? file['userns-remap'],
    ...(criSocket !== undefined ? { criSocket } : {}),
    ...(criStreamIdleTimeoutMs !== undefined ? { criStreamIdleTimeoutMs } : {}),
    ...(init !== undefined ? { init } : {}),
    ...(initPath ? { initPath } : {}),
    ...(ipv6 ? { ipv6, ...(fixedCidrV6 !== undefined ? { fixedCidrV6: cidr6String(parseCidr6(fixedCidrV6)!) } : {}) } : {}),
  };
}

/** containerd's stream_idle_timeout: a Go duration (its words when it is not one); a negative one would close at once. */
function streamIdleTimeout(text: unknown): number {
  let ns: number;
  try {
    if (typeof text !== 'string') throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
    ns = parseGoDuration(text);
  } catch (e) {
    throw new OptionsError(`berthd: --cri-stream-idle-timeout: invalid stream idle timeout: ${(e as Error).message}`);
  }
  if (ns < 0) throw new OptionsError(`berthd: --cri-stream-idle-timeout: invalid stream idle timeout: negative: ${text}`);
  return ns / 1e6;
}

/** The daemon.json: the default path may be absent; a path given with --config-file must exist. */
function readConfigFile(given: string | undefined, readFile: (p: string) => string): FileConfig {
  const p = given ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFile(p);
  } catch (e) {
    if (!given && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new OptionsError(`unable to configure the Berth daemon with file ${p}: ${(e as Error).message}`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new OptionsError(`unable to configure the Berth daemon with file ${p}: ${(e as Error).message}`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new OptionsError(`unable to configure the Berth daemon with file ${p}: not a JSON object`);
  const unknown = Object.keys(obj).filter((k) => !FILE_KEYS.includes(k));
  if (unknown.length) throw new OptionsError(`unable to configure the Berth daemon with file ${p}: the following directives don't match any configuration option: ${unknown.join(', ')}`);
  return obj as FileConfig;
}
