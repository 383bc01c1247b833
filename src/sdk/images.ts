// client.images: the image endpoints (list, inspect, pull, push, import, save, load, build).
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Query } from './transport.ts';
import { jsonMessages } from './jsonstream.ts';
import { Group, encodeFilters, img } from './group.ts';
import type * as T from './types.ts';

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
