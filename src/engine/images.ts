// Image operations behind the Engine API: import, list, inspect, history, tag, remove and prune
// (image-delete.ts), save, load, and the image part of /system/df. Docker's shapes, filters,
// messages and events.
import type { Readable } from 'node:stream';
import type { DaemonConfig } from '../config.ts';
import type { MetaDB } from '../store/db.ts';
import type { EventsService } from '../events/bus.ts';
import { invalidParameter, isKind, notFound } from '../errdefs.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import type { ContainerConfig, ImageConfigFile, ImageRecord } from '../images/types.ts';
import { applyChanges } from '../images/config-changes.ts';
import { goArch, goTime, goTimeString, inspectConfigView, serializeConfig, unixSeconds } from '../images/image-config.ts';
import { getTimestamp } from '../util/timestamp.ts';
import { ImageDeleter } from './image-delete.ts';
import { boolFilter, createdMs, matchLabels, type Filters } from './image-match.ts';
import { selectImages, saveArchive } from '../images/archive-save.ts';
import { chainIdOf } from '../images/layer-store.ts';
import { loadArchive, type LoadMessage } from '../images/archive-load.ts';
import {
  familiarMatch,
  familiarString,
  repoTagReference,
  type Reference,
} from '../images/reference.ts';

export type { Filters } from './image-match.ts';
export { boolFilter } from './image-match.ts';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export type { DeleteResponseItem } from './image-delete.ts';
import type { DeleteResponseItem } from './image-delete.ts';

export interface ImportOptions {
  repo?: string;
  tag?: string;
  message?: string;
  changes?: string[];
  /** "os[/arch[/variant]]" */
  platform?: string;
}

export class ImagesEngine {
  readonly cfg: DaemonConfig;
  readonly db: MetaDB;
  readonly events: EventsService;
  readonly store: ImageStoreService;
  private readonly deleter: ImageDeleter;

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService; store: ImageStoreService }) {
    this.cfg = deps.cfg;
    this.db = deps.db;
    this.events = deps.events;
    this.store = deps.store;
    this.deleter = new ImageDeleter({ store: deps.store, events: deps.events, resolve: (name) => this.resolve(name) });
  }

  count(): number {
    return this.store.images.count();
  }

  resolve(name: string): ImageRecord {
    return this.store.images.resolve(name);
  }

  // --- import ------------------------------------------------------------------

  /** `docker import`: one layer from a (possibly compressed) tar, config from `changes`. Returns the image id. */
  async importImage(src: Readable, o: ImportOptions): Promise<string> {
    const newRef = repoTagReference(o.repo, o.tag);
    const { os, architecture, variant } = parsePlatform(o.platform);
    const config = applyChanges({}, o.changes);
    const message = o.message || 'Imported from -';
    const layer = await this.store.layers.register(src, undefined, { storeBlob: true });
    try {
      const created = goTime();
      const file: ImageConfigFile = {
        architecture,
        os,
        comment: message,
        created,
        config,
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
        history: [{ created, comment: message }],
      };
      if (variant) file.variant = variant;
      const rec = this.store.createImage(serializeConfig(file));
      if (newRef) this.store.tag(rec.id, newRef);
      this.store.imageEvent('import', rec.id, rec.id);
      return rec.id;
    } finally {
      this.store.layers.unpin(layer.chainId);
    }
  }

  // --- list / inspect / history --------------------------------------------------

  list(o: { all?: boolean; filters?: Filters; sharedSize?: boolean } = {}): ImageSummary[] {
    const f: Filters = o.filters ?? new Map();
    const danglingOnly = boolFilter(f, 'dangling', false);
    let before: number | undefined;
    let since: number | undefined;
    for (const v of f.get('before') ?? []) {
      const t = createdMs(this.resolve(v));
      if (before === undefined || t < before) before = t;
    }
    for (const v of f.get('until') ?? []) {
      const t = getTimestamp(v) * 1000;
      if (before === undefined || t < before) before = t;
    }
    for (const v of f.get('since') ?? []) {
      const t = createdMs(this.resolve(v));
      if (since === undefined || t > since) since = t;
    }
    const imgs = this.store.images.all();
    const parents = new Set(imgs.map((i) => i.parent).filter(Boolean));
    const out: ImageSummary[] = [];
    for (const img of imgs) {
      const hasChildren = parents.has(img.id);
      if (danglingOnly && hasChildren) continue;
      const created = createdMs(img);
      if (before !== undefined && !(created < before)) continue;
      if (since !== undefined && !(created > since)) continue;
      if (f.has('label') && !matchLabels(f.get('label')!, img.config.config?.Labels ?? {})) continue;
      const refs = this.store.images.refs(img.id);
      const repoTags: string[] = [];
      const repoDigests: string[] = [];
      for (const r of refs) {
        if (f.has('reference') && !f.get('reference')!.some((p) => familiarMatch(p, r))) continue;
        if (r.digest) repoDigests.push(familiarString(r));
        else if (r.tag) repoTags.push(familiarString(r));
      }
      if (repoTags.length === 0 && repoDigests.length === 0) {
        if (!o.all && hasChildren) continue;
        if (f.has('dangling') && !danglingOnly) continue;
        if (f.has('reference')) continue;
      } else if (danglingOnly && repoTags.length > 0) {
        continue;
      }
      out.push(this.summary(img, repoTags, repoDigests));
    }
    if (o.sharedSize) this.fillSharedSize(out);
    return out.sort((a, b) => b.Created - a.Created);
  }

  private summary(img: ImageRecord, repoTags: string[], repoDigests: string[]): ImageSummary {
    return {
      Containers: -1,
      Created: unixSeconds(img.config.created),
      Id: img.id,
      Labels: img.config.config?.Labels ?? null,
      ParentId: img.parent ?? '',
      RepoDigests: repoDigests,
      RepoTags: repoTags,
      SharedSize: -1,
      Size: img.size,
    };
  }

  /** SharedSize: bytes of the image's layers that other images use too. */
  private fillSharedSize(summaries: ImageSummary[]): void {
    const refs = new Map<string, number>();
    for (const img of this.store.images.all()) for (const c of this.store.images.chain(img)) refs.set(c, (refs.get(c) ?? 0) + 1);
    for (const s of summaries) {
      const img = this.store.images.get(s.Id)!;
      s.SharedSize = 0;
      for (const c of this.store.images.chain(img)) if ((refs.get(c) ?? 0) > 1) s.SharedSize += this.store.layers.get(c)?.size ?? 0;
    }
  }

  inspect(name: string): Record<string, unknown> {
    const img = this.resolve(name);
    const c = img.config;
    const comment = c.comment || (c.history?.length ? (c.history[c.history.length - 1]!.comment ?? '') : '');
    const out: Record<string, unknown> = {
      Id: img.id,
      RepoTags: this.store.images.repoTags(img.id),
      RepoDigests: this.store.images.repoDigests(img.id),
      Parent: img.parent ?? '',
      Comment: comment,
    };
    if (c.created) out.Created = goTimeString(c.created);
    out.DockerVersion = c.docker_version ?? '';
    out.Author = c.author ?? '';
    out.Config = inspectConfigView(c.config);
    out.Architecture = c.architecture ?? '';
    if (c.variant) out.Variant = c.variant;
    out.Os = c.os || 'linux';
    if ((c as any)['os.version']) out.OsVersion = (c as any)['os.version'];
    out.Size = img.size;
    out.GraphDriver = { Data: this.store.imageGraphDriverData(img), Name: 'overlay2' };
    const layers = c.rootfs.diff_ids;
    out.RootFS = layers.length ? { Type: c.rootfs.type, Layers: layers } : { Type: c.rootfs.type };
    out.Metadata = { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' };
    return out;
  }

  history(name: string): { Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[] {
    const img = this.resolve(name);
    const diffs = img.config.rootfs.diff_ids;
    const items: { Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[] = [];
    let layer = 0;
    let parent: string | undefined;
    for (const h of img.config.history ?? []) {
      let size = 0;
      if (!h.empty_layer) {
        if (layer >= diffs.length) throw invalidParameter('too many non-empty layers in History section');
        parent = chainIdOf(parent, diffs[layer]!);
        size = this.store.layers.get(parent)?.size ?? 0;
        layer++;
      }
      items.unshift({ Id: '<missing>', Created: unixSeconds(h.created), CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '' });
    }
    // The newest entry is the image itself, the ones below it its parents while they exist locally.
    let cur: ImageRecord | undefined = img;
    for (const item of items) {
      if (!cur) break;
      item.Id = cur.id;
      const tags = this.store.images.repoTags(cur.id);
      item.Tags = tags.length ? tags : null;
      cur = cur.parent ? this.store.images.get(cur.parent) : undefined;
    }
    return items;
  }

  // --- tag / remove / prune ------------------------------------------------------

  tag(name: string, repo: string | undefined, tag: string | undefined): void {
    let ref: Reference | undefined;
    try {
      ref = repoTagReference(repo, tag);
    } catch (e) {
      throw isKind(e, 'invalid-parameter') ? e : invalidParameter((e as Error).message);
    }
    if (!ref) throw invalidParameter('repository name must have at least one component');
    if (familiarString({ domain: ref.domain, path: ref.path }) === 'sha256')
      throw invalidParameter('refusing to create an ambiguous tag using digest algorithm as name');
    let img: ImageRecord;
    try {
      img = this.resolve(name);
    } catch (e) {
      throw isKind(e, 'invalid-parameter') ? notFound((e as Error).message) : e;
    }
    this.store.tag(img.id, ref);
  }

  /** `docker rmi`: Docker's ImageDelete, reference by reference, with its conflict rules. */
  remove(name: string, o: { force?: boolean; noprune?: boolean } = {}): DeleteResponseItem[] {
    return this.deleter.remove(name, o);
  }

  prune(filters: Filters = new Map()): { ImagesDeleted: DeleteResponseItem[] | null; SpaceReclaimed: number } {
    return this.deleter.prune(filters);
  }

  // --- save / load ------------------------------------------------------------------

  /** Resolve all names first (errors before any byte), then stream the archive. */
  save(names: string[]): Readable {
    return saveArchive(this.store, selectImages(this.store, names));
  }

  load(src: Readable, o: { quiet: boolean }, emit: (m: LoadMessage) => void): Promise<void> {
    return loadArchive(this.store, src, o, emit);
  }

  // --- system df -----------------------------------------------------------------------

  async diskUsage(): Promise<{ LayersSize: number; Images: ImageSummary[] }> {
    // top-level images only, as dockerd's disk usage lists them (intermediate build images are not counted)
    const images = this.list({ all: false, sharedSize: true });
    const counts = new Map<string, number>();
    for (const c of this.store.containerList()) counts.set(c.imageId, (counts.get(c.imageId) ?? 0) + 1);
    for (const s of images) s.Containers = counts.get(s.Id) ?? 0;
    const referenced = new Set<string>();
    for (const img of this.store.images.all()) for (const c of this.store.images.chain(img)) referenced.add(c);
    let layersSize = 0;
    for (const l of this.store.layers.all()) if (referenced.has(l.chainId)) layersSize += l.size;
    return { LayersSize: layersSize, Images: images };
  }

  /** For `docker commit` callers that want the parsed config back. */
  applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
    return applyChanges(config, changes);
  }
}

function parsePlatform(p: string | undefined): { os: string; architecture: string; variant?: string } {
  if (!p) return { os: 'linux', architecture: goArch() };
  const [os, arch, variant] = p.split('/');
  if (os && os !== 'linux') throw invalidParameter(`operating system is not supported`);
  return { os: 'linux', architecture: arch || goArch(), variant: variant || undefined };
}
