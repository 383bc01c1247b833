// Image config JSON as dockerd writes it (field order and omitempty rules of Go's structs), so
// images made here look like Docker's; and the views of it the API shows.
import type { ContainerConfig, HistoryEntry, ImageConfigFile } from './types.ts';
import { parseJson } from '../util/go-json.ts';
import { checkImageConfig } from './config-check.ts';

/** Go's time.Time in RFC3339Nano (trailing zeros of the fraction dropped), UTC. */
export function goTime(d: Date = new Date()): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.678Z
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

/** An RFC3339 time as Go prints it back (RFC3339Nano: no trailing zeros in the fraction). */
export function goTimeString(s: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return s;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${frac ? '.' + frac : ''}${m[3]}`;
}

/** Unix seconds of an RFC3339 time (0 when missing or unparsable). */
export function unixSeconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * container.Config with Go's field order: fields without omitempty are always present
 * (null / "" / false), the others only when set.
 */
export function containerConfigJSON(c: ContainerConfig = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const always = (k: keyof ContainerConfig, dflt: unknown) => (out[k] = c[k] ?? dflt);
  const omit = (k: keyof ContainerConfig) => {
    if (!isEmpty(c[k])) out[k] = c[k];
  };
  always('Hostname', '');
  always('Domainname', '');
  always('User', '');
  always('AttachStdin', false);
  always('AttachStdout', false);
  always('AttachStderr', false);
  omit('ExposedPorts');
  always('Tty', false);
  always('OpenStdin', false);
  always('StdinOnce', false);
  always('Env', null);
  always('Cmd', null);
  omit('Healthcheck');
  omit('ArgsEscaped');
  always('Image', '');
  always('Volumes', null);
  always('WorkingDir', '');
  always('Entrypoint', null);
  omit('NetworkDisabled');
  omit('MacAddress');
  always('OnBuild', null);
  always('Labels', null);
  omit('StopSignal');
  omit('StopTimeout');
  omit('Shell');
  return out;
}

function historyJSON(h: HistoryEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (h.created) out.created = h.created;
  if (h.created_by) out.created_by = h.created_by;
  if (h.author) out.author = h.author;
  if (h.comment) out.comment = h.comment;
  if (h.empty_layer) out.empty_layer = true;
  return out;
}

/**
 * The config bytes for an image made here (import, commit). Their sha256 is the image ID.
 * Docker marshals the image through a map, so top-level keys come out sorted.
 */
export function serializeConfig(cfg: ImageConfigFile & { parent?: string }): Buffer {
  const out: Record<string, unknown> = {};
  if (cfg.comment) out.comment = cfg.comment;
  out.created = cfg.created;
  if (cfg.container) out.container = cfg.container;
  out.container_config = containerConfigJSON(cfg.container_config);
  if (cfg.docker_version) out.docker_version = cfg.docker_version;
  if (cfg.author) out.author = cfg.author;
  out.config = containerConfigJSON(cfg.config);
  if (cfg.architecture) out.architecture = cfg.architecture;
  if (cfg.variant) out.variant = cfg.variant;
  if (cfg.os) out.os = cfg.os;
  if (cfg.parent) out.parent = cfg.parent;
  out.rootfs = { type: 'layers', diff_ids: cfg.rootfs.diff_ids };
  if (cfg.history?.length) out.history = cfg.history.map(historyJSON);
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k];
  return Buffer.from(JSON.stringify(sorted));
}

/** Parse and sanity-check image config bytes (from a load or a pull). */
export function parseConfig(bytes: Buffer): ImageConfigFile {
  // Go's decoding: its syntax and nesting errors, then its type errors (config-check.ts)
  const cfg = parseJson(bytes.toString('utf8')) as ImageConfigFile;
  checkImageConfig(cfg);
  if (!cfg?.rootfs) throw new Error('invalid image JSON, no RootFS key');
  if (cfg.rootfs.type !== 'layers') throw new Error(`invalid image JSON, unknown rootfs type ${JSON.stringify(cfg.rootfs.type)}`);
  cfg.rootfs.diff_ids ??= [];
  cfg.config ??= {};
  return cfg;
}

/**
 * The image Config as API v1.50 shows it (DockerOCIImageConfig): only image-relevant fields;
 * Cmd, Entrypoint, Env, Labels, OnBuild, User, Volumes, WorkingDir always present (v1.50/1.51 rule).
 */
export function inspectConfigView(c: ContainerConfig = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.User = c.User ?? '';
  if (!isEmpty(c.ExposedPorts)) out.ExposedPorts = c.ExposedPorts;
  out.Env = c.Env?.length ? c.Env : null;
  out.Entrypoint = c.Entrypoint?.length ? c.Entrypoint : null;
  out.Cmd = c.Cmd?.length ? c.Cmd : null;
  out.Volumes = !isEmpty(c.Volumes) ? c.Volumes : null;
  out.WorkingDir = c.WorkingDir ?? '';
  out.Labels = !isEmpty(c.Labels) ? c.Labels : null;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.ArgsEscaped) out.ArgsEscaped = true;
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  out.OnBuild = c.OnBuild?.length ? c.OnBuild : null;
  if (c.Shell?.length) out.Shell = c.Shell;
  return out;
}

/** Host architecture as Go names it (the one definition is util/platform.ts; image code imports it from here). */
export { goArch } from '../util/platform.ts';
