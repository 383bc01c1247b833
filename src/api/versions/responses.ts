// Answers in the shape of the API version the client asked for (moby daemon/server/router/*: the
// version branches of image inspect and list, container inspect and list).
import { compareVersions } from '../version.ts';
import { containerConfigJSON } from '../../images/image-config.ts';
import type { ImageConfigFile } from '../../images/types.ts';

const before = (version: string, v: string) => compareVersions(version, v) < 0;

/** Image config fields API 1.49 and older always returned (moby inspect_response.go legacyConfigFields["v1.49"]). */
const LEGACY_CONFIG_149: Record<string, unknown> = {
  AttachStderr: false, AttachStdin: false, AttachStdout: false, Cmd: null, Domainname: '', Entrypoint: null, Env: null, Hostname: '',
  Image: '', Labels: null, OnBuild: null, OpenStdin: false, StdinOnce: false, Tty: false, User: '', Volumes: null, WorkingDir: '',
};

/** GET /images/{name}/json for the client's version; `file` is the image's config file. */
export function imageInspectFor(version: string, view: Record<string, unknown>, file: ImageConfigFile): Record<string, unknown> {
  let out = { ...view };
  if (before(version, '1.44')) {
    out.VirtualSize = out.Size;
    if (!out.Created) out.Created = '0001-01-01T00:00:00Z';
  }
  if (before(version, '1.45')) {
    // the container the image was committed from, and its config (dropped in 1.45); keys in Docker's order
    const entries = Object.entries(out);
    const at = entries.findIndex(([k]) => k === 'DockerVersion');
    const legacy: [string, unknown][] = [['Container', file.container ?? ''], ['ContainerConfig', containerConfigJSON(file.container_config ?? {})]];
    entries.splice(at < 0 ? entries.length : at, 0, ...legacy);
    out = Object.fromEntries(entries);
  }
  if (before(version, '1.50') && out.Config && typeof out.Config === 'object') out.Config = { ...LEGACY_CONFIG_149, ...(out.Config as object) };
  return out;
}

/** GET /images/json: VirtualSize before 1.44. */
export function imageListFor(version: string, list: Record<string, unknown>[]): Record<string, unknown>[] {
  return before(version, '1.44') ? list.map((i) => ({ ...i, VirtualSize: i.Size })) : list;
}

/** GET /containers/{id}/json: before 1.45, a user-defined network's aliases include the short id and the hostname. */
export function containerInspectFor(version: string, view: Record<string, any>): Record<string, any> {
  if (!before(version, '1.45')) return view;
  const nets = view.NetworkSettings?.Networks as Record<string, { Aliases?: string[] | null }> | undefined;
  if (!nets) return view;
  const short = String(view.Id).slice(0, 12);
  const hostname = view.Config?.Hostname ?? '';
  for (const [name, ep] of Object.entries(nets)) {
    if (['bridge', 'host', 'none', 'default'].includes(name) || !ep) continue;
    ep.Aliases = [...new Set([...(ep.Aliases ?? []), short, hostname].filter(Boolean))];
  }
  return view;
}

/** GET /containers/json: HostConfig.Annotations only from 1.46. */
export function containerListFor(version: string, list: Record<string, any>[]): Record<string, any>[] {
  if (!before(version, '1.46')) return list;
  return list.map((c) => (c.HostConfig?.Annotations !== undefined ? { ...c, HostConfig: { ...c.HostConfig, Annotations: undefined } } : c));
}
