// docker rmi and docker image prune: Docker's ImageDelete with its conflict rules, reference by
// reference, then untagged parents quietly; prune over what the filters select.
import type { EventsService } from '../events/bus.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import type { ImageRecord } from '../images/types.ts';
import { conflict, invalidParameter, isKind } from '../errdefs.ts';
import { shortId } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { getTimestamp } from '../util/timestamp.ts';
import { familiarString, fullName, parseNormalizedNamed, tagNameOnly, type Reference } from '../images/reference.ts';
import { boolFilter, createdMs, matchLabels, type Filters } from './image-match.ts';

export interface DeleteResponseItem {
  Untagged?: string;
  Deleted?: string;
}

export class ImageDeleter {
  private readonly deps: { store: ImageStoreService; events: EventsService; resolve: (name: string) => ImageRecord };
  private pruneRunning = false;

  constructor(deps: { store: ImageStoreService; events: EventsService; resolve: (name: string) => ImageRecord }) {
    this.deps = deps;
  }

  /** `docker rmi`: Docker's ImageDelete, reference by reference, with its conflict rules. */
  remove(name: string, o: { force?: boolean; noprune?: boolean } = {}): DeleteResponseItem[] {
    if (name.trim() === '') throw invalidParameter('image name cannot be blank');
    const img = this.deps.resolve(name);
    const force = !!o.force;
    const prune = !o.noprune;
    const records: DeleteResponseItem[] = [];
    const images = this.deps.store.images;
    let repoRefs = images.refs(img.id);
    let removedRepositoryRef = false;
    if (!isImageIdPrefix(img.id, name)) {
      const using = this.deps.store.inUse(img.id);
      if (!force && isSingleReference(repoRefs) && using?.containerId) {
        throw conflict(`conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(using.containerId)} is using its referenced image ${shortId(img.id)}`);
      }
      const parsed = tagNameOnly(parseNormalizedNamed(name));
      images.deleteRef(parsed);
      this.deps.store.imageEvent('untag', img.id, img.id);
      records.push({ Untagged: familiarString(parsed) });
      repoRefs = images.refs(img.id);
      if (!parsed.digest) {
        // Untagging the last tag of a repository drops that repository's digests too.
        const sameRepoTag = repoRefs.some((r) => !r.digest && fullName(r) === fullName(parsed));
        if (!sameRepoTag) {
          for (const r of repoRefs.filter((r) => r.digest && fullName(r) === fullName(parsed))) {
            images.deleteRef(r);
            records.push({ Untagged: familiarString(r) });
          }
          repoRefs = images.refs(img.id);
        }
      }
      if (repoRefs.length > 0) return records;
      removedRepositoryRef = true;
    } else if (isSingleReference(repoRefs)) {
      const c = this.conflictFor(img.id, { hard: true, soft: !force, activeRef: false });
      if (c) throw conflict(c);
      for (const r of repoRefs) {
        images.deleteRef(r);
        this.deps.store.imageEvent('untag', img.id, img.id);
        records.push({ Untagged: familiarString(tagNameOnly(r)) });
      }
    }
    this.deleteHelper(img.id, records, force, prune, removedRepositoryRef);
    return records;
  }

  /** Docker's imageDeleteHelper: delete the image unless conflicts; then maybe its untagged parents, quietly. */
  private deleteHelper(id: string, records: DeleteResponseItem[], force: boolean, prune: boolean, quiet: boolean): void {
    const c = this.conflictFor(id, { hard: true, soft: !force, activeRef: !force });
    if (c) {
      const dangling = this.deps.store.images.refs(id).length === 0 && this.deps.store.images.children(id).length === 0;
      const used = /being used by/.test(c);
      if (quiet && (!dangling || used)) return;
      throw conflict(c);
    }
    const img = this.deps.store.images.get(id)!;
    for (const r of this.deps.store.images.refs(id)) {
      this.deps.store.images.deleteRef(r);
      this.deps.store.imageEvent('untag', id, id);
      records.push({ Untagged: familiarString(tagNameOnly(r)) });
    }
    const removedLayers = this.deps.store.deleteImage(id);
    this.deps.events.publish('image', 'delete', id, { name: id });
    records.push({ Deleted: id });
    for (const l of removedLayers) records.push({ Deleted: l.chainId });
    if (prune && img.parent && this.deps.store.images.get(img.parent)) this.deleteHelper(img.parent, records, false, true, true);
  }

  /** The conflict message, if any, in Docker's order: child images, running container, references, stopped container. */
  private conflictFor(id: string, o: { hard: boolean; soft: boolean; activeRef: boolean }): string | undefined {
    const msg = (hard: boolean, why: string) => `conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${why}`;
    if (o.hard && this.deps.store.images.children(id).length > 0) return msg(true, 'image has dependent child images');
    const using = this.deps.store.inUse(id);
    if (o.hard && using?.running) return msg(true, `image is being used by running container ${shortId(using.containerId ?? '')}`);
    if (o.soft && o.activeRef && this.deps.store.images.refs(id).length > 0) return msg(false, 'image is referenced in multiple repositories');
    if (o.soft && using && !using.running) return msg(false, `image is being used by stopped container ${shortId(using.containerId ?? '')}`);
    return undefined;
  }

  prune(filters: Filters = new Map()): { ImagesDeleted: DeleteResponseItem[] | null; SpaceReclaimed: number } {
    if (this.pruneRunning) throw conflict('a prune operation is already running');
    this.pruneRunning = true;
    try {
      const danglingOnly = boolFilter(filters, 'dangling', true);
      let until: number | undefined;
      const u = filters.get('until') ?? [];
      if (u.length > 1) throw invalidParameter('more than one until filter specified');
      if (u.length === 1) until = getTimestamp(u[0]!) * 1000;
      const layerSizes = new Map(this.deps.store.layers.all().map((l) => [l.chainId, l.size]));
      const deleted: DeleteResponseItem[] = [];
      const candidates = this.deps.store.images.all().filter((img) => {
        const refs = this.deps.store.images.refs(img.id);
        if (danglingOnly && this.deps.store.images.children(img.id).length > 0) return false;
        if (refs.length === 0 && this.deps.store.images.children(img.id).length > 0) return false;
        if (until !== undefined && !(createdMs(img) <= until)) return false;
        const labels = img.config.config?.Labels ?? {};
        if (filters.has('label') && !matchLabels(filters.get('label')!, labels)) return false;
        if (filters.has('label!') && matchLabels(filters.get('label!')!, labels)) return false;
        return true;
      });
      for (const img of candidates) {
        if (!this.deps.store.images.get(img.id)) continue;
        const refs = this.deps.store.images.refs(img.id);
        try {
          if (refs.length > 0) {
            if (danglingOnly && refs.some((r) => r.tag && !r.digest)) continue;
            for (const r of refs) {
              if (!this.deps.store.images.get(img.id)) break;
              deleted.push(...this.remove(familiarString(r), {}));
            }
          } else {
            deleted.push(...this.remove(img.id.slice(7), {}));
          }
        } catch (e) {
          // as dockerd: an image in use is skipped quietly, any other failure is logged and skipped
          // (the report lists only what was removed before it)
          if (!isKind(e, 'conflict')) log.warn(`failed to prune image ${img.id}: ${(e as Error).message}`);
        }
      }
      let reclaimed = 0;
      for (const d of deleted) if (d.Deleted && layerSizes.has(d.Deleted)) reclaimed += layerSizes.get(d.Deleted)!;
      this.deps.events.publish('image', 'prune', '', { reclaimed: String(reclaimed) });
      return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
    } finally {
      this.pruneRunning = false;
    }
  }
}

function isImageIdPrefix(id: string, name: string): boolean {
  return id.startsWith(name) || id.slice(7).startsWith(name);
}

/** Docker's isSingleReference: all references in one repository, at most one tag. False for none. */
function isSingleReference(refs: Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: Reference | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.digest) canonical.add(fullName(r));
    else if (!single) single = r;
    else return false;
  }
  single ??= refs[0]!;
  return canonical.size === 1 && canonical.has(fullName(single));
}
