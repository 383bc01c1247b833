// The attributes a container's log lines carry (--log-opt labels=, labels-regex=, env=, env-regex=, tag=),
// which docker logs --details prints before each line, as moby's logger.Info.ExtraAttributes and
// loggerutils.ParseLogTag compute them.
import { invalidParameter } from '../../errdefs.ts';
import type { ContainerRecord } from './record.ts';

/** The placeholders of a log tag template Berth knows (moby loggerutils/log_tag.go's fields). */
const TAG_FIELDS: Record<string, (c: ContainerRecord) => string> = {
  ID: (c) => c.Id.slice(0, 12),
  FullID: (c) => c.Id,
  Name: (c) => c.Name.replace(/^\//, ''),
  ImageID: (c) => c.Image.replace(/^sha256:/, '').slice(0, 12),
  ImageFullID: (c) => c.Image,
  ImageName: (c) => c.Config.Image ?? '',
  DaemonName: () => 'docker',
  Hostname: (c) => c.Config.Hostname ?? '',
  Command: (c) => [c.Path, ...c.Args].join(' '),
};

const PLACEHOLDER = /\{\{\s*\.(\w+)\s*\}\}/g;

/** Refuses a tag template with anything but the known placeholders (checked at create). */
export function checkLogTag(tag: string): void {
  const rest = tag.replace(PLACEHOLDER, (m, f: string) => (f in TAG_FIELDS ? '' : m));
  if (rest.includes('{{')) throw invalidParameter(`log tag template "${tag}" is not supported by Berth: use ${Object.keys(TAG_FIELDS).map((f) => `{{.${f}}}`).join(', ')}`);
}

export function logAttributes(c: ContainerRecord): [string, string][] {
  const cfg = c.HostConfig.LogConfig?.Config ?? {};
  const labels = c.Config.Labels ?? {};
  const env = new Map<string, string>();
  for (const e of c.Config.Env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
  }
  const out = new Map<string, string>();
  for (const l of (cfg.labels ?? '').split(',').filter(Boolean)) if (l in labels) out.set(l, labels[l]!);
  if (cfg['labels-regex']) {
    const re = new RegExp(cfg['labels-regex']);
    for (const [k, v] of Object.entries(labels)) if (re.test(k)) out.set(k, v);
  }
  for (const k of (cfg.env ?? '').split(',').filter(Boolean)) if (env.has(k)) out.set(k, env.get(k)!);
  if (cfg['env-regex']) {
    const re = new RegExp(cfg['env-regex']);
    for (const [k, v] of env) if (re.test(k)) out.set(k, v);
  }
  if (cfg.tag) out.set('tag', cfg.tag.replace(PLACEHOLDER, (_, f: string) => TAG_FIELDS[f]?.(c) ?? ''));
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : '%' + b.toString(16).toUpperCase().padStart(2, '0'))).join('');
}

/** What docker logs --details prints before a line: "k=v,k2=v2 " (a lone space when there are none). */
export function detailsPrefix(attrs: [string, string][]): string {
  return attrs.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join(',') + ' ';
}
