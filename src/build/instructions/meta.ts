// The instructions that change only the image config (ENV, LABEL, CMD, WORKDIR, ...): applied to the
// stage's config, each answering the history line the classic builder writes for it.
import path from 'node:path';
import type { ContainerConfig, ImageConfigFile } from '../../images/types.ts';
import { invalidParameter } from '../../errdefs.ts';
import type { Instruction } from '../dockerfile.ts';
import { words, keyValues, jsonArgs } from '../vars.ts';
import { goQuoteList, goList, goHealthConfig } from '../history-text.ts';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** What a metadata instruction changes: the config, the config file (author), whether CMD was set. */
export interface MetaState {
  file: ImageConfigFile;
  config: ContainerConfig;
  cmdSet: boolean;
}

export function duration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(s);
  if (!m) throw invalidParameter(`time: invalid duration "${s}"`);
  const mult: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  return Math.round(Number(m[1]) * mult[m[2]!]!);
}

/** Apply a metadata instruction to the stage's config; returns the history line. */
export function applyMeta(st: MetaState, ins: Instruction, sub: (s: string) => string, escape: string): string {
  const c = st.config;
  const shell = c.Shell?.length ? c.Shell : DEFAULT_SHELL;
  // dockerd's comment commands: the current SHELL (after a SHELL instruction, its new value), then
  // "#(nop) " and the text as two words (one word, so one space, for WORKDIR)
  const nop = (s: string) => [...(c.Shell?.length ? c.Shell : DEFAULT_SHELL), '#(nop) ', s].join(' ');
  const nop1 = (s: string) => [...(c.Shell?.length ? c.Shell : DEFAULT_SHELL), `#(nop) ${s}`].join(' ');
  const pairs = (kv: [string, string][]) => kv.map(([k2, v]) => ` ${k2}=${v}`).join('');
  switch (ins.keyword) {
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      const kv = keyValues(sub(ins.args), 'ENV', escape);
      for (const [k2, v] of kv) {
        const i = env.findIndex((e) => e.split('=')[0] === k2);
        if (i >= 0) env[i] = `${k2}=${v}`;
        else env.push(`${k2}=${v}`);
      }
      c.Env = env;
      return nop(`ENV${pairs(kv)}`);
    }
    case 'LABEL': {
      const kv = keyValues(sub(ins.args), 'LABEL', escape);
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(kv) };
      return nop(`LABEL${pairs(kv)}`);
    }
    case 'MAINTAINER':
      st.file.author = sub(ins.args);
      return nop(`MAINTAINER ${ins.args}`);
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      const given = words(sub(ins.args), escape);
      for (const p of given) {
        const [range, proto = 'tcp'] = p.split('/');
        const [lo, hi = lo] = range!.split('-').map(Number);
        if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw invalidParameter(`invalid containerPort: ${p}`);
        for (let n = lo!; n <= hi!; n++) ports[`${n}/${proto.toLowerCase()}`] = {};
      }
      c.ExposedPorts = ports;
      return nop(`EXPOSE ${given.join(' ')}`);
    }
    case 'CMD':
      c.Cmd = jsonArgs(ins.args) ?? [...shell, ins.args];
      st.cmdSet = true;
      return nop(`CMD ${goQuoteList(c.Cmd)}`);
    case 'ENTRYPOINT':
      c.Entrypoint = jsonArgs(ins.args) ?? (ins.args.trim() ? [...shell, ins.args] : null);
      // An ENTRYPOINT resets a CMD inherited from the base image (not one set in this stage).
      if (!st.cmdSet) c.Cmd = null;
      return nop(`ENTRYPOINT ${goQuoteList(c.Entrypoint)}`);
    case 'VOLUME': {
      const vols = { ...(c.Volumes ?? {}) };
      const given = jsonArgs(ins.args) ?? words(sub(ins.args), escape);
      for (const v of given) {
        if (!v) throw invalidParameter('VOLUME specified can not be an empty string');
        vols[v] = {};
      }
      c.Volumes = vols;
      return nop(`VOLUME ${goList(given)}`);
    }
    case 'USER':
      c.User = sub(ins.args.trim());
      return nop(`USER ${c.User}`);
    case 'WORKDIR': {
      const w = sub(ins.args.trim());
      c.WorkingDir = path.posix.resolve(c.WorkingDir || '/', w);
      return nop1(`WORKDIR ${c.WorkingDir}`);
    }
    case 'STOPSIGNAL':
      c.StopSignal = sub(ins.args.trim());
      return nop(`STOPSIGNAL ${c.StopSignal}`);
    case 'SHELL': {
      const j = jsonArgs(ins.args);
      if (!j) throw invalidParameter('SHELL requires the arguments to be in JSON form');
      c.Shell = j;
      return nop(`SHELL ${goList(j)}`);
    }
    case 'ONBUILD': {
      const t = ins.args.trim();
      const kw = t.split(/\s+/)[0]!.toUpperCase();
      if (kw === 'ONBUILD') throw invalidParameter('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (kw === 'FROM' || kw === 'MAINTAINER') throw invalidParameter(`${kw} isn't allowed as an ONBUILD trigger`);
      c.OnBuild = [...(c.OnBuild ?? []), t];
      return nop(`ONBUILD ${t}`);
    }
    case 'HEALTHCHECK': {
      const a = ins.args.trim();
      const kw = a.split(/\s+/)[0]!.toUpperCase();
      if (kw === 'NONE') c.Healthcheck = { Test: ['NONE'] };
      else if (kw === 'CMD') {
        const rest = a.slice(3).trim();
        const j = jsonArgs(rest);
        const hc: Record<string, unknown> = { Test: j ? ['CMD', ...j] : ['CMD-SHELL', rest] };
        const f = ins.flags;
        if (f.interval) hc.Interval = duration(f.interval);
        if (f.timeout) hc.Timeout = duration(f.timeout);
        if (f['start-period']) hc.StartPeriod = duration(f['start-period']);
        if (f['start-interval']) hc.StartInterval = duration(f['start-interval']);
        if (f.retries) hc.Retries = Number(f.retries);
        c.Healthcheck = hc;
      } else throw invalidParameter(`Unknown type "${kw}" in HEALTHCHECK (try CMD)`);
      return nop(`HEALTHCHECK ${goHealthConfig(c.Healthcheck as Parameters<typeof goHealthConfig>[0])}`);
    }
    default:
      throw invalidParameter(`unknown instruction: ${ins.keyword}`);
  }
}
