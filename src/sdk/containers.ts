// client.containers and client.exec: the container and exec endpoints.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { type Hijacked, readBody } from './transport.ts';
import { jsonMessages } from './jsonstream.ts';
import { Group, enc, encodeFilters } from './group.ts';
import type * as T from './types.ts';

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
