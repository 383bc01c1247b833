// The typed Engine API client. Grouped like the API: client.containers, .images, .exec,
// .system, .networks, .volumes. Every call negotiates the API version on first use.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Transport, type Hijacked, type PingResult, type Query, type TransportOptions, readBody } from './transport.ts';
import { hostFromEnv } from './host.ts';
import { jsonMessages } from './jsonstream.ts';
import type * as T from './types.ts';

export interface ClientOptions extends Partial<TransportOptions> {}

/** Filters in the map form every daemon since API 1.22 accepts: {"key": {"value": true}}. */
export function encodeFilters(f: T.Filters | undefined): Record<string, Record<string, boolean>> | undefined {
  if (!f) return undefined;
  const out: Record<string, Record<string, boolean>> = {};
  for (const [k, vals] of Object.entries(f)) {
    if (!vals.length) continue;
    out[k] = {};
    for (const v of vals) out[k][v] = true;
  }
  return Object.keys(out).length ? out : undefined;
}

const enc = encodeURIComponent;
/** Image references go into paths unescaped apart from unsafe bytes (names hold '/' and ':'). */
const img = (name: string) => name.replace(/[^A-Za-z0-9._\-\/:@]/g, (c) => encodeURIComponent(c));

export class Client {
  readonly transport: Transport;
  readonly containers: Containers;
  readonly images: Images;
  readonly exec: Exec;
  readonly system: System;
  readonly networks: Networks;
  readonly volumes: Volumes;

  constructor(opts: ClientOptions = {}) {
    const host = opts.host ?? hostFromEnv().host;
    this.transport = new Transport({ ...opts, host, version: opts.version ?? (process.env.DOCKER_API_VERSION || undefined) });
    this.containers = new Containers(this.transport);
    this.images = new Images(this.transport);
    this.exec = new Exec(this.transport);
    this.system = new System(this.transport);
    this.networks = new Networks(this.transport);
    this.volumes = new Volumes(this.transport);
  }

  /** The endpoint's URL (unix:///run/berth/berth.sock). */
  get url(): string {
    return this.transport.endpoint.url;
  }

  ping(signal?: AbortSignal): Promise<PingResult> {
    return this.transport.ping(signal);
  }

  apiVersion(): Promise<string> {
    return this.transport.version();
  }

  close(): void {
    this.transport.close();
  }
}

class Group {
  protected readonly t: Transport;
  constructor(t: Transport) {
    this.t = t;
  }
}

export class Containers extends Group {
  list(o: T.ContainerListOptions = {}): Promise<T.ContainerSummary[]> {
    return this.t.json({ path: '/containers/json', query: { all: o.all || undefined, limit: o.limit, size: o.size || undefined, filters: encodeFilters(o.filters) } });
  }

  create(body: T.ContainerCreateRequest, o: T.ContainerCreateOptions = {}): Promise<T.ContainerCreateResponse> {
    return this.t.json({ method: 'POST', path: '/containers/create', query: { name: o.name || undefined, platform: o.platform || undefined }, body });
  }

  inspect(id: string, o: { size?: boolean } = {}): Promise<T.ContainerInspectResponse> {
    return this.t.json({ path: `/containers/${enc(id)}/json`, query: { size: o.size || undefined } });
  }

  /** Raw inspect body, for templates and `inspect` output that must keep every field. */
  inspectRaw(id: string, o: { size?: boolean } = {}): Promise<Record<string, unknown>> {
    return this.t.json({ path: `/containers/${enc(id)}/json`, query: { size: o.size || undefined } });
  }

  async start(id: string, o: { detachKeys?: string } = {}): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/start`, query: { detachKeys: o.detachKeys } });
  }

  async stop(id: string, o: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/stop`, query: { t: o.timeout, signal: o.signal } });
  }

  async restart(id: string, o: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/restart`, query: { t: o.timeout, signal: o.signal } });
  }

  async kill(id: string, o: { signal?: string } = {}): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/kill`, query: { signal: o.signal } });
  }

  async remove(id: string, o: T.ContainerRemoveOptions = {}): Promise<void> {
    await this.t.empty({ method: 'DELETE', path: `/containers/${enc(id)}`, query: { force: o.force || undefined, v: o.volumes || undefined, link: o.link || undefined } });
  }

  async pause(id: string): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/pause` });
  }

  async unpause(id: string): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/unpause` });
  }

  async rename(id: string, name: string): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/rename`, query: { name } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/resize`, query: { h: height, w: width } });
  }

  update(id: string, body: Partial<T.Resources> & { RestartPolicy?: T.RestartPolicy }): Promise<T.ContainerUpdateResponse> {
    return this.t.json({ method: 'POST', path: `/containers/${enc(id)}/update`, body });
  }

  top(id: string, psArgs?: string): Promise<T.ContainerTopResponse> {
    return this.t.json({ path: `/containers/${enc(id)}/top`, query: { ps_args: psArgs } });
  }

  changes(id: string): Promise<T.FilesystemChange[] | null> {
    return this.t.json({ path: `/containers/${enc(id)}/changes` });
  }

  /**
   * Starts waiting; resolves once the daemon has registered the wait (its headers arrived),
   * with a promise for the result. Used by `run`, which must wait before it starts.
   */
  async beginWait(id: string, condition: T.WaitCondition = 'not-running'): Promise<{ result: Promise<T.ContainerWaitResponse> }> {
    const res = await this.t.request({ method: 'POST', path: `/containers/${enc(id)}/wait`, query: { condition } });
    const result = readBody(res).then((b) => JSON.parse(b.toString() || '{}') as T.ContainerWaitResponse);
    result.catch(() => {}); // observed here so that an unawaited result never goes unhandled; the caller awaits it
    return { result };
  }

  async wait(id: string, condition: T.WaitCondition = 'not-running'): Promise<T.ContainerWaitResponse> {
    return (await this.beginWait(id, condition)).result;
  }

  /** Log stream: multiplexed (demux with stdCopy) unless the container has a TTY. */
  logs(id: string, o: T.ContainerLogsOptions = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.t.request({
      path: `/containers/${enc(id)}/logs`,
      signal,
      query: {
        follow: o.follow || undefined,
        stdout: o.stdout ?? true,
        stderr: o.stderr ?? true,
        since: o.since,
        until: o.until,
        timestamps: o.timestamps || undefined,
        tail: o.tail,
        details: o.details || undefined,
      },
    });
  }

  /** Hijacked attach: write stdin to .socket, read (multiplexed or raw) output from .output. */
  attach(id: string, o: T.ContainerAttachOptions = {}): Promise<Hijacked> {
    return this.t.hijack({
      method: 'POST',
      path: `/containers/${enc(id)}/attach`,
      query: { stream: o.stream ?? true, stdin: o.stdin || undefined, stdout: o.stdout || undefined, stderr: o.stderr || undefined, logs: o.logs || undefined, detachKeys: o.detachKeys },
    });
  }

  /** Stats: one JSON object when stream is false, else a stream of them. */
  async stats(id: string, o: { stream?: boolean; oneShot?: boolean } = {}, signal?: AbortSignal): Promise<AsyncGenerator<T.ContainerStatsResponse>> {
    const res = await this.t.request({ path: `/containers/${enc(id)}/stats`, query: { stream: o.stream ?? true, 'one-shot': o.oneShot || undefined }, signal });
    return jsonMessages<T.ContainerStatsResponse>(res);
  }

  /** A tar stream of the container's filesystem. */
  export(id: string): Promise<IncomingMessage> {
    return this.t.request({ path: `/containers/${enc(id)}/export` });
  }

  /** A tar of `path` in the container, and its stat (from the X-Docker-Container-Path-Stat header). */
  async getArchive(id: string, path: string): Promise<{ stream: IncomingMessage; stat: T.ContainerPathStat | undefined }> {
    const res = await this.t.request({ path: `/containers/${enc(id)}/archive`, query: { path } });
    return { stream: res, stat: decodePathStat(res.headers['x-docker-container-path-stat']) };
  }

  async statPath(id: string, path: string): Promise<T.ContainerPathStat | undefined> {
    const res = await this.t.request({ method: 'HEAD', path: `/containers/${enc(id)}/archive`, query: { path } });
    res.resume();
    return decodePathStat(res.headers['x-docker-container-path-stat']);
  }

  async putArchive(id: string, path: string, tar: Readable | Buffer, o: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    await this.t.empty({
      method: 'PUT',
      path: `/containers/${enc(id)}/archive`,
      query: { path, noOverwriteDirNonDir: o.noOverwriteDirNonDir || undefined, copyUIDGID: o.copyUIDGID || undefined },
      headers: { 'Content-Type': 'application/x-tar' },
      body: tar,
    });
  }

  prune(filters?: T.Filters): Promise<T.ContainerPruneResponse> {
    return this.t.json({ method: 'POST', path: '/containers/prune', query: { filters: encodeFilters(filters) } });
  }

  commit(o: T.CommitOptions, config?: T.ContainerConfig): Promise<T.IDResponse> {
    return this.t.json({
      method: 'POST',
      path: '/commit',
      query: { container: o.container, repo: o.repo, tag: o.tag, comment: o.comment, author: o.author, pause: o.pause ?? true, changes: o.changes },
      body: config ?? {},
    });
  }
}

function decodePathStat(h: string | string[] | undefined): T.ContainerPathStat | undefined {
  if (typeof h !== 'string' || !h) return undefined;
  try {
    return JSON.parse(Buffer.from(h, 'base64').toString()) as T.ContainerPathStat;
  } catch {
    return undefined;
  }
}

export class Exec extends Group {
  create(container: string, body: T.ExecCreateRequest): Promise<T.IDResponse> {
    return this.t.json({ method: 'POST', path: `/containers/${enc(container)}/exec`, body });
  }

  /** Hijacked exec start (not detached). */
  start(id: string, body: T.ExecStartRequest = {}): Promise<Hijacked> {
    return this.t.hijack({ method: 'POST', path: `/exec/${enc(id)}/start`, body: { Detach: false, ...body } });
  }

  async startDetached(id: string, body: T.ExecStartRequest = {}): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/exec/${enc(id)}/start`, body: { ...body, Detach: true } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/exec/${enc(id)}/resize`, query: { h: height, w: width } });
  }

  inspect(id: string): Promise<T.ExecInspectResponse> {
    return this.t.json({ path: `/exec/${enc(id)}/json` });
  }
}

export class Images extends Group {
  list(o: T.ImageListOptions = {}): Promise<T.ImageSummary[]> {
    return this.t.json({
      path: '/images/json',
      query: { all: o.all || undefined, digests: o.digests || undefined, 'shared-size': o.sharedSize || undefined, manifests: o.manifests || undefined, filters: encodeFilters(o.filters) },
    });
  }

  inspect(name: string): Promise<T.ImageInspect> {
    return this.t.json({ path: `/images/${img(name)}/json` });
  }

  inspectRaw(name: string): Promise<Record<string, unknown>> {
    return this.t.json({ path: `/images/${img(name)}/json` });
  }

  history(name: string): Promise<T.HistoryResponseItem[]> {
    return this.t.json({ path: `/images/${img(name)}/history` });
  }

  async tag(name: string, repo: string, tag?: string): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/images/${img(name)}/tag`, query: { repo, tag } });
  }

  remove(name: string, o: T.ImageRemoveOptions = {}): Promise<T.ImageDeleteResponseItem[]> {
    return this.t.json({ method: 'DELETE', path: `/images/${img(name)}`, query: { force: o.force || undefined, noprune: o.noprune || undefined } });
  }

  prune(filters?: T.Filters): Promise<T.ImagePruneResponse> {
    return this.t.json({ method: 'POST', path: '/images/prune', query: { filters: encodeFilters(filters) } });
  }

  /** Pull: a progress stream. Iterate with jsonMessages(). */
  pull(image: string, o: { tag?: string; platform?: string; registryAuth?: string } = {}, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.t.request({
      method: 'POST',
      path: '/images/create',
      query: { fromImage: image, tag: o.tag, platform: o.platform },
      headers: o.registryAuth ? { 'X-Registry-Auth': o.registryAuth } : { 'X-Registry-Auth': 'e30=' },
      signal,
    });
  }

  push(name: string, o: { tag?: string; registryAuth?: string } = {}): Promise<IncomingMessage> {
    return this.t.request({ method: 'POST', path: `/images/${img(name)}/push`, query: { tag: o.tag }, headers: { 'X-Registry-Auth': o.registryAuth ?? 'e30=' } });
  }

  /** Import a rootfs tarball (body) or a URL: a progress stream. */
  import(source: Readable | null, o: T.ImageImportOptions = {}): Promise<IncomingMessage> {
    return this.t.request({
      method: 'POST',
      path: '/images/create',
      query: { fromSrc: o.fromSrc ?? '-', repo: o.repo, tag: o.tag, message: o.message, changes: o.changes, platform: o.platform },
      headers: { 'Content-Type': 'application/x-tar' },
      body: source ?? undefined,
    });
  }

  /** docker-archive tar of one or more images. */
  save(names: string[], o: { platform?: string } = {}): Promise<IncomingMessage> {
    return this.t.request({ path: '/images/get', query: { names, platform: o.platform } });
  }

  /** Load a docker-archive: a progress stream (JSON when the daemon sends application/json). */
  load(tar: Readable, o: { quiet?: boolean; platform?: string } = {}): Promise<IncomingMessage> {
    return this.t.request({ method: 'POST', path: '/images/load', query: { quiet: o.quiet, platform: o.platform }, headers: { 'Content-Type': 'application/x-tar' }, body: tar });
  }

  /** Build from a tar context: a progress stream. */
  build(context: Readable, query: Query, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return this.t.request({ method: 'POST', path: '/build', query, headers: { 'Content-Type': 'application/x-tar', ...headers }, body: context });
  }
}

export class System extends Group {
  version(): Promise<T.SystemVersion> {
    return this.t.json({ path: '/version' });
  }

  info(): Promise<T.SystemInfo> {
    return this.t.json({ path: '/info' });
  }

  df(o: { type?: string[] } = {}): Promise<T.SystemDataUsageResponse> {
    return this.t.json({ path: '/system/df', query: { type: o.type } });
  }

  /** The event stream; ends when `until` passes or the signal aborts. */
  async events(o: T.EventsOptions = {}, signal?: AbortSignal): Promise<AsyncGenerator<T.EventMessage>> {
    const res = await this.t.request({ path: '/events', query: { since: o.since, until: o.until, filters: encodeFilters(o.filters) }, signal });
    return jsonMessages<T.EventMessage>(res);
  }

  auth(body: T.AuthConfig): Promise<{ Status: string; IdentityToken?: string }> {
    return this.t.json({ method: 'POST', path: '/auth', body });
  }
}

export class Networks extends Group {
  list(o: T.NetworkListOptions = {}): Promise<T.Network[]> {
    return this.t.json({ path: '/networks', query: { filters: encodeFilters(o.filters) } });
  }

  inspect(id: string, o: { verbose?: boolean; scope?: string } = {}): Promise<T.Network> {
    return this.t.json({ path: `/networks/${enc(id)}`, query: { verbose: o.verbose || undefined, scope: o.scope } });
  }

  create(body: { Name: string; Driver?: string; Internal?: boolean; Attachable?: boolean; EnableIPv6?: boolean; IPAM?: T.IPAM; Options?: Record<string, string>; Labels?: Record<string, string> }): Promise<T.NetworkCreateResponse> {
    return this.t.json({ method: 'POST', path: '/networks/create', body });
  }

  async remove(id: string): Promise<void> {
    await this.t.empty({ method: 'DELETE', path: `/networks/${enc(id)}` });
  }

  async connect(id: string, container: string, endpoint?: T.EndpointSettings): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/networks/${enc(id)}/connect`, body: { Container: container, EndpointConfig: endpoint } });
  }

  async disconnect(id: string, container: string, force = false): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/networks/${enc(id)}/disconnect`, body: { Container: container, Force: force } });
  }

  prune(filters?: T.Filters): Promise<{ NetworksDeleted?: string[] | null }> {
    return this.t.json({ method: 'POST', path: '/networks/prune', query: { filters: encodeFilters(filters) } });
  }
}

export class Volumes extends Group {
  list(o: T.VolumeListOptions = {}): Promise<T.VolumeListResponse> {
    return this.t.json({ path: '/volumes', query: { filters: encodeFilters(o.filters) } });
  }

  inspect(name: string): Promise<T.Volume> {
    return this.t.json({ path: `/volumes/${enc(name)}` });
  }

  create(body: T.VolumeCreateOptions): Promise<T.Volume> {
    return this.t.json({ method: 'POST', path: '/volumes/create', body });
  }

  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    await this.t.empty({ method: 'DELETE', path: `/volumes/${enc(name)}`, query: { force: o.force || undefined } });
  }

  prune(filters?: T.Filters): Promise<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }> {
    return this.t.json({ method: 'POST', path: '/volumes/prune', query: { filters: encodeFilters(filters) } });
  }
}
