// The values of single `run`/`create` flags parsed as docker/cli parses them (--mount, -p, --env-file,
// --restart, --ulimit, --device, --gpus ...), for container-opts.ts and the other commands that share
// a flag's syntax.
import fs from 'node:fs';
import path from 'node:path';
import * as UNITS from './units.ts';
import type { Mount, PortBinding } from '../sdk/types.ts';

export class OptsError extends Error {}

// ------------------------------------------------------------------ helpers

/** "k=v" at the first "=" as Go's strings.SplitN(s, "=", 2) (JS's split with a limit drops the rest: o=size=1m). */
function splitKv(s: string): [string, string] {
  const i = s.indexOf('=');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

export function parseUlimit(v: string): { Name: string; Soft: number; Hard: number } {
  const [name, limits] = v.split('=', 2);
  if (limits === undefined) throw new Error(`invalid ulimit argument: ${v}`);
  const [soft, hard = soft] = limits.split(':');
  if (!/^-?\d+$/.test(soft) || !/^-?\d+$/.test(hard)) throw new Error(`invalid ulimit argument: ${v}`);
  if (Number(soft) > Number(hard)) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: Number(soft), Hard: Number(hard) };
}

export function parseMount(v: string): Mount {
  const m: Mount = { Type: 'volume' };
  const fields = v.split(',');
  let volumeOptions: NonNullable<Mount['VolumeOptions']> | undefined;
  const vol = () => (volumeOptions ??= {});
  for (const field of fields) {
    const [rawKey, val] = field.includes('=') ? [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)] : [field, undefined];
    const key = rawKey.trim().toLowerCase();
    const boolVal = () => {
      if (val === undefined) return true;
      if (['1', 'true'].includes(val.toLowerCase())) return true;
      if (['0', 'false'].includes(val.toLowerCase())) return false;
      throw new Error(`invalid value for ${key}: ${val}`);
    };
    switch (key) {
      case 'type':
        m.Type = val as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolVal();
        break;
      case 'consistency':
        m.Consistency = val;
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: val as 'rprivate' };
        break;
      case 'bind-nonrecursive':
        m.BindOptions = { ...m.BindOptions, NonRecursive: boolVal() };
        break;
      case 'bind-create-src':
        m.BindOptions = { ...m.BindOptions, CreateMountpoint: boolVal() };
        break;
      case 'volume-nocopy':
        vol().NoCopy = boolVal();
        break;
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'volume-driver':
        vol().DriverConfig = { ...vol().DriverConfig, Name: val };
        break;
      case 'volume-label': {
        const [k, lv] = splitKv(val ?? '');
        vol().Labels = { ...vol().Labels, [k]: lv };
        break;
      }
      case 'volume-opt': {
        const [k, ov] = splitKv(val ?? '');
        vol().DriverConfig = { ...vol().DriverConfig, Options: { ...vol().DriverConfig?.Options, [k]: ov } };
        break;
      }
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: UNITS.ramInBytes(val ?? '') };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(val ?? '', 8) };
        break;
      case 'image-subpath':
        m.ImageOptions = { Subpath: val };
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  if (volumeOptions) {
    if (m.Type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
    m.VolumeOptions = volumeOptions;
  }
  if (m.BindOptions && m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}

/** `-e K=V`, `-e K` (taken from our environment when set), and --env-file lines. */
export function readEnv(files: string[], vars: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const f of files) out.push(...parseEnvFile(f, env));
  for (const v of vars) {
    if (v.startsWith('=')) throw new OptsError(`invalid environment variable: ${v}`);
    if (!v.includes('=') && env[v] !== undefined) out.push(`${v}=${env[v]}`);
    else out.push(v);
  }
  return out;
}

export function parseEnvFile(file: string, env: NodeJS.ProcessEnv = process.env, isLabel = false): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new OptsError(`${isLabel ? '--label-file' : '--env-file'}: open ${file}: no such file or directory`);
  }
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    if (/\s/.test(name)) throw new OptsError(`variable '${name}' contains whitespaces`);
    if (!name) throw new OptsError(`no variable name on line '${line}'`);
    void i;
    if (eq >= 0) out.push(line);
    else if (isLabel) out.push(line);
    else if (env[name] !== undefined) out.push(`${name}=${env[name]}`);
  });
  return out;
}

export function kvToMap(list: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 0) m[kv] = '';
    else m[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return m;
}

export function parseRestartPolicy(policy: string): { Name: 'no' | 'always' | 'unless-stopped' | 'on-failure' | ''; MaximumRetryCount: number } {
  if (!policy) return { Name: 'no', MaximumRetryCount: 0 };
  const [name, count, extra] = policy.split(':');
  if (extra !== undefined) throw new OptsError(`invalid restart policy format: maximum retry count must be an integer`);
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (count !== undefined) throw new OptsError(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`);
      return { Name: name, MaximumRetryCount: 0 };
    case 'on-failure': {
      if (count !== undefined && !/^\d+$/.test(count)) throw new OptsError('invalid restart policy format: maximum retry count must be an integer');
      return { Name: name, MaximumRetryCount: count ? Number(count) : 0 };
    }
    default:
      throw new OptsError(`invalid restart policy format: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
}

interface PortSpec {
  exposed: string[];
  bindings: Record<string, PortBinding[]>;
}

export function parseRange(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new OptsError(`invalid ${what}: ${s}`);
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  if (a > 65535 || b > 65535 || b < a) throw new OptsError(`invalid ${what}: ${s}`);
  return [a, b];
}

/** nat.ParsePortSpecs: "[ip:][hostPort:]containerPort[/proto]" with ranges. */
export function parsePortSpecs(specs: string[]): PortSpec {
  const out: PortSpec = { exposed: [], bindings: {} };
  for (const raw of specs) {
    let spec = raw;
    let proto = 'tcp';
    const slash = spec.lastIndexOf('/');
    if (slash >= 0) {
      proto = spec.slice(slash + 1).toLowerCase();
      spec = spec.slice(0, slash);
      if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new OptsError(`invalid proto: ${proto}`);
    }
    let ip = '';
    let hostPort = '';
    let containerPort: string;
    const v6 = /^\[([^\]]+)\]:(.*)$/.exec(spec);
    if (v6) {
      ip = v6[1];
      const rest = v6[2].split(':');
      if (rest.length !== 2) throw new OptsError(`invalid port format: ${raw}`);
      [hostPort, containerPort] = rest;
    } else {
      const parts = spec.split(':');
      if (parts.length === 1) containerPort = parts[0];
      else if (parts.length === 2) [hostPort, containerPort] = parts;
      else if (parts.length === 3) [ip, hostPort, containerPort] = parts;
      else {
        containerPort = parts.pop()!;
        hostPort = parts.pop()!;
        ip = parts.join(':');
      }
    }
    if (ip && !/^[0-9.]+$/.test(ip) && !ip.includes(':')) throw new OptsError(`invalid IP address: ${ip}`);
    if (!containerPort) throw new OptsError(`no port specified: ${raw}<empty>`);
    const [cs, ce] = parseRange(containerPort, 'containerPort');
    let hs = 0;
    let he = 0;
    if (hostPort) [hs, he] = parseRange(hostPort, 'hostPort');
    if (hostPort && ce - cs !== he - hs && he - hs > 0 && ce !== cs) throw new OptsError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    for (let p = cs; p <= ce; p++) {
      const key = `${p}/${proto}`;
      if (!out.exposed.includes(key)) out.exposed.push(key);
      let hp = '';
      if (hostPort) {
        if (ce === cs && he !== hs) hp = `${hs}-${he}`;
        else hp = String(hs + (p - cs));
      }
      (out.bindings[key] ??= []).push({ HostIp: ip, HostPort: hp });
    }
  }
  return out;
}

export function parseDevice(spec: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = spec.split(':');
  let src = parts[0];
  let dst = src;
  let perms = 'rwm';
  if (parts.length === 2) {
    if (/^[rwm]+$/.test(parts[1])) perms = parts[1];
    else dst = parts[1];
  } else if (parts.length === 3) {
    dst = parts[1];
    perms = parts[2];
    if (!/^[rwm]+$/.test(perms)) throw new OptsError(`invalid device mode: ${perms}`);
  } else if (parts.length > 3) throw new OptsError(`invalid device specification: ${spec}`);
  if (!dst.startsWith('/')) throw new OptsError(`${spec} is not an absolute path`);
  if (!src.startsWith('/')) src = path.resolve(src);
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}

export function throttle(list: string[], bytes: boolean, flag: string): { Path: string; Rate: number }[] {
  return list.map((s) => {
    const i = s.lastIndexOf(':');
    if (i < 0 || !s.startsWith('/dev/')) throw new OptsError(`invalid argument "${s}" for "--${flag}" flag: bad format: ${s}`);
    const rate = s.slice(i + 1);
    const n = bytes ? UNITS.ramInBytes(rate) : Number(rate);
    if (!Number.isFinite(n)) throw new OptsError(`invalid rate for device: ${s}. The correct format is <device-path>:<number>`);
    return { Path: s.slice(0, i), Rate: n };
  });
}

export function securityOpts(list: string[]): string[] {
  return list.map((opt) => {
    if (opt === 'systempaths=unconfined') return opt;
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) {
      if (opt === 'no-new-privileges') return opt;
      throw new OptsError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    }
    const [k, v] = [opt.slice(0, opt.indexOf(sep)), opt.slice(opt.indexOf(sep) + 1)];
    if (k === 'seccomp' && v !== 'unconfined' && v !== 'builtin') {
      let text: string;
      try {
        text = fs.readFileSync(v, 'utf8');
      } catch (e) {
        throw new OptsError(`opening seccomp profile (${v}) failed: ${(e as Error).message}`);
      }
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    }
    return `${k}=${v}`;
  });
}

/**
 * --gpus as the docker CLI parses it (opts.GpuOpts): "all" or a count first, or count=, device=,
 * driver=, capabilities=, options= pairs; capabilities default to [["gpu"]].
 */
export function gpuRequest(value: string): { Driver: string; Count: number; DeviceIDs?: string[]; Capabilities: string[][]; Options: Record<string, string> } {
  const req = { Driver: '', Count: 0, DeviceIDs: undefined as string[] | undefined, Capabilities: [['gpu']], Options: {} as Record<string, string> };
  const fields = value.match(/("[^"]*"|[^,])+/g) ?? [];
  fields.forEach((f, i) => {
    const eq = f.indexOf('=');
    if (eq < 0) {
      if (i !== 0) throw new OptsError(`invalid argument "${value}" for "--gpus" flag: unexpected key '${f}' in '${value}'`);
      if (f === 'all') req.Count = -1;
      else if (/^\d+$/.test(f)) req.Count = Number(f);
      else throw new OptsError(`invalid argument "${value}" for "--gpus" flag: invalid count (${f}): value must be either "all" or an integer`);
      return;
    }
    const key = f.slice(0, eq);
    const val = f.slice(eq + 1).replace(/^"|"$/g, '');
    if (key === 'driver') req.Driver = val;
    else if (key === 'count') req.Count = val === 'all' ? -1 : Number(val);
    else if (key === 'device') req.DeviceIDs = val.split(',');
    else if (key === 'capabilities') req.Capabilities = [val.split(',')];
    else if (key === 'options') for (const kv of val.split(',')) req.Options[kv.split('=')[0]!] = kv.split('=').slice(1).join('=');
    else throw new OptsError(`invalid argument "${value}" for "--gpus" flag: unexpected key '${key}' in '${value}'`);
  });
  return req;
}
