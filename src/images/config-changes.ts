// Dockerfile instructions applied to an image config: `docker commit --change` and
// `docker import --change`. Mirrors Docker's BuildFromConfig: only CMD, ENTRYPOINT, ENV, EXPOSE,
// HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME and WORKDIR are allowed; variables from
// the config's Env are substituted where a Dockerfile substitutes them.
import { constants } from 'node:os';
import path from 'node:path';
import { invalidParameter } from '../errdefs.ts';
import { parseGoDuration } from '../util/units.ts';
import type { ContainerConfig } from './types.ts';

const VALID = new Set(['cmd', 'entrypoint', 'healthcheck', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);
const DEFAULT_SHELL = ['/bin/sh', '-c'];

const bad = (msg: string) => invalidParameter(msg);

/** Apply the instructions to a copy of config. */
export function applyChanges(config: ContainerConfig, changes: string[] | undefined): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(config ?? {});
  if (!changes || changes.length === 0) return cfg;
  const lines = logicalLines(changes.join('\n'));
  let cmdSet = false;
  for (const line of lines) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const instr = m[1]!.toLowerCase();
    const rest = m[2]!.trim();
    if (!VALID.has(instr)) throw bad(`${instr} is not a valid change command`);
    const env = () => envMap(cfg.Env);
    switch (instr) {
      case 'env':
        for (const [k, v] of nameValues(rest, 'ENV', env)) setEnv(cfg, k, v);
        break;
      case 'label':
        cfg.Labels ??= {};
        for (const [k, v] of nameValues(rest, 'LABEL', env)) cfg.Labels[k] = v;
        break;
      case 'cmd':
        cfg.Cmd = commandLine(rest, cfg);
        cfg.ArgsEscaped = undefined;
        if (rest !== '') cmdSet = true;
        break;
      case 'entrypoint':
        cfg.Entrypoint = commandLine(rest, cfg);
        cfg.ArgsEscaped = undefined;
        // Docker: a new ENTRYPOINT resets CMD unless CMD was given in the same changes.
        if (!cmdSet) cfg.Cmd = null;
        break;
      case 'expose': {
        const ports = splitWords(rest).flatMap((w) => expandWords(w, env()));
        if (ports.length === 0) throw bad('EXPOSE requires at least one argument');
        cfg.ExposedPorts ??= {};
        for (const p of ports) for (const k of portSpecs(p)) cfg.ExposedPorts[k] = {};
        break;
      }
      case 'user':
        cfg.User = expandWord(exactlyOne(rest, 'USER'), env());
        break;
      case 'workdir': {
        const dir = expandWord(exactlyOne(rest, 'WORKDIR'), env());
        cfg.WorkingDir = dir.startsWith('/') ? path.posix.normalize(dir) : path.posix.join('/', cfg.WorkingDir ?? '', dir);
        break;
      }
      case 'volume': {
        const vols = (jsonArray(rest) ?? splitWords(rest)).map((v) => expandWord(v, env()));
        if (vols.length === 0) throw bad('VOLUME requires at least one argument');
        cfg.Volumes ??= {};
        for (const v of vols) {
          if (v.trim() === '') throw bad('VOLUME specified can not be an empty string');
          cfg.Volumes[v] = {};
        }
        break;
      }
      case 'stopsignal': {
        const sig = expandWord(exactlyOne(rest, 'STOPSIGNAL'), env());
        checkSignal(sig);
        cfg.StopSignal = sig;
        break;
      }
      case 'onbuild': {
        if (rest === '') throw bad('ONBUILD requires at least one argument');
        const trigger = rest.split(/\s+/)[0]!.toUpperCase();
        if (trigger === 'ONBUILD') throw bad('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
        if (trigger === 'MAINTAINER' || trigger === 'FROM') throw bad(`${trigger} isn't allowed as an ONBUILD trigger`);
        cfg.OnBuild = [...(cfg.OnBuild ?? []), rest];
        break;
      }
      case 'healthcheck':
        cfg.Healthcheck = healthcheck(rest);
        break;
    }
  }
  return cfg;
}

/** Lines of a Dockerfile: comments dropped, backslash continuations joined. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (cur !== '' && line.startsWith('#')) continue;
    if (/\\\s*$/.test(raw)) {
      cur += raw.replace(/\\\s*$/, '');
      continue;
    }
    cur += raw;
    if (cur.trim()) out.push(cur.trim());
    cur = '';
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function exactlyOne(rest: string, name: string): string {
  const words = splitWords(rest);
  if (words.length !== 1) throw bad(`${name} requires exactly one argument`);
  return words[0]!;
}

/** JSON form ["a","b"] → array; anything not a JSON array → undefined (shell form). */
function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  if (v.some((x) => typeof x !== 'string')) throw bad('when using JSON array syntax, arrays must be comprised of strings only');
  return v as string[];
}

/** CMD / ENTRYPOINT: JSON form as is, shell form wrapped in the shell. */
function commandLine(rest: string, cfg: ContainerConfig): string[] {
  if (rest === '') return [];
  const json = jsonArray(rest);
  if (json) return json;
  return [...(cfg.Shell?.length ? cfg.Shell : DEFAULT_SHELL), rest];
}

/** Words split on whitespace, quotes and escapes kept (they are resolved by expansion). */
function splitWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else if (c === quote) quote = '';
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += c;
    if (c === '\\' && i + 1 < s.length) cur += s[++i];
    else if (c === '"' || c === "'") quote = c;
  }
  if (inWord) words.push(cur);
  return words;
}

/** ENV / LABEL arguments: `k=v k2="v 2"` or the legacy `k some value`. */
function nameValues(rest: string, key: string, env: () => Map<string, string>): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) throw bad(`${key} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) throw bad(`${key} must have two arguments`);
    return [[expandWord(m[1]!, env()), expandWord(m[2]!, env())]];
  }
  const out: [string, string][] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) throw bad(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    const k = expandWord(w.slice(0, eq), env());
    if (k === '') throw bad(`${key} names can not be blank`);
    out.push([k, expandWord(w.slice(eq + 1), env())]);
  }
  return out;
}

function envMap(env: string[] | null | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

function setEnv(cfg: ContainerConfig, k: string, v: string): void {
  const env = [...(cfg.Env ?? [])];
  const i = env.findIndex((e) => e.split('=')[0] === k);
  if (i >= 0) env[i] = `${k}=${v}`;
  else env.push(`${k}=${v}`);
  cfg.Env = env;
}

/**
 * One word after Dockerfile processing: quotes removed, escapes resolved, $VAR / ${VAR} /
 * ${VAR:-x} / ${VAR:+x} substituted (not inside single quotes).
 */
export function expandWord(word: string, env: Map<string, string>): string {
  let out = '';
  let i = 0;
  const n = word.length;
  const sub = (): string => {
    // at word[i] === '$'
    i++;
    if (word[i] === '{') {
      const end = matchBrace(word, i);
      const inner = word.slice(i + 1, end);
      i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(inner);
      if (!m) throw bad(`failed to process "${word}": missing ':' in substitution`);
      const name = m[1]!;
      const op = m[2];
      const arg = m[3] ?? '';
      const set = env.has(name);
      const val = env.get(name) ?? '';
      switch (op) {
        case undefined:
          return val;
        case ':-':
          return set && val !== '' ? val : expandWord(arg, env);
        case '-':
          return set ? val : expandWord(arg, env);
        case ':+':
          return set && val !== '' ? expandWord(arg, env) : '';
        case '+':
          return set ? expandWord(arg, env) : '';
        default:
          if (set && (op === '?' || val !== '')) return val;
          throw bad(`failed to process "${word}": ${name}: ${arg || 'is not allowed to be unset'}`);
      }
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i));
    if (!m) return '$';
    i += m[0].length;
    return env.get(m[0]) ?? '';
  };
  while (i < n) {
    const c = word[i]!;
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) throw bad(`failed to process "${word}": unexpected end of statement while looking for matching single-quote`);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < n && word[i] !== '"') {
        if (word[i] === '\\' && i + 1 < n && (word[i + 1] === '"' || word[i + 1] === '\\' || word[i + 1] === '$')) {
          out += word[i + 1];
          i += 2;
        } else if (word[i] === '$') out += sub();
        else out += word[i++];
      }
      if (i >= n) throw bad(`failed to process "${word}": unexpected end of statement while looking for matching double-quote`);
      i++;
    } else if (c === '\\' && i + 1 < n) {
      out += word[i + 1];
      i += 2;
    } else if (c === '$') {
      out += sub();
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** ProcessWords: expansion, then split on unquoted whitespace (EXPOSE $PORTS). */
function expandWords(word: string, env: Map<string, string>): string[] {
  return splitWords(expandWord(word, env));
}

function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  throw bad(`failed to process "${s}": missing '}'`);
}

/** EXPOSE specs ([ip:][host:]port[-end][/proto]) → "port/proto" keys. */
function portSpecs(raw: string): string[] {
  const parts = raw.split(':');
  const containerPart = parts[parts.length - 1]!;
  let [port, proto] = containerPart.split('/', 2) as [string, string | undefined];
  if (!port) throw bad(`no port specified: ${raw}<empty>`);
  proto = (proto || 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw bad(`invalid proto: ${proto}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  if (!m) throw bad(`invalid containerPort: ${port}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start) throw bad(`invalid containerPort: ${port}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

function checkSignal(sig: string): void {
  if (/^\d+$/.test(sig)) {
    if (Number(sig) === 0) throw bad(`Invalid signal: ${sig}`);
    return;
  }
  const name = 'SIG' + sig.toUpperCase().replace(/^SIG/, '');
  if (/^SIGRTMIN(\+\d+)?$|^SIGRTMAX(-\d+)?$/.test(name)) return;
  if (!(name in constants.signals)) throw bad(`Invalid signal: ${sig}`);
}

/** HEALTHCHECK [--interval=..] [--timeout=..] [--start-period=..] [--start-interval=..] [--retries=..] CMD ... | NONE */
function healthcheck(rest: string): Record<string, unknown> {
  const flags: Record<string, string> = {};
  let s = rest;
  for (;;) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(s);
    if (!m) break;
    flags[m[1]!] = m[2]!;
    s = s.slice(m[0].length);
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(s);
  if (!m) throw bad('HEALTHCHECK requires at least one argument');
  const type = m[1]!.toUpperCase();
  const args = m[2]!;
  if (type === 'NONE') {
    if (args.trim() || Object.keys(flags).length) throw bad('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw bad(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
  const json = jsonArray(args);
  const hc: Record<string, unknown> = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', args] };
  const known: Record<string, string> = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval' };
  for (const [k, v] of Object.entries(flags)) {
    if (known[k]) {
      const ns = parseDuration(v);
      if (ns !== 0 && ns < 1_000_000) throw bad(`${k} cannot be less than 1ms`);
      if (ns) hc[known[k]] = ns;
    } else if (k === 'retries') {
      const n = Number(v);
      if (!Number.isInteger(n)) throw bad(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
      if (n < 0) throw bad('--retries cannot be negative');
      if (n) hc.Retries = n;
    } else throw bad(`Unknown flag: ${k}`);
  }
  return hc;
}

/** Go's time.ParseDuration (the shared one), in whole nanoseconds; empty is zero; a bad one is a 400. */
export function parseDuration(s: string): number {
  if (s === '') return 0;
  try {
    return Math.round(parseGoDuration(s));
  } catch (e) {
    throw bad((e as Error).message);
  }
}
