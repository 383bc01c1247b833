// The image side of the daemon as the container engine sees it (ImageService), and the shared
// plumbing the image API operations (engine/images.ts) build on: the content, layer and image
// stores, container writable layers, image creation, tagging, layer garbage collection.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { DaemonConfig } from '../config.ts';
import { layout } from '../config.ts';
import type { Collection, MetaDB } from '../store/db.ts';
import { accountStore, liveLeases, type Lease, type StoreView } from './store-accounting.ts';
import type { EventsService } from '../events/bus.ts';
import { invalidParameter, notFound, systemError } from '../errdefs.ts';
import { log } from '../util/log.ts';
import { dirSize } from '../util/fs.ts';
import type { Change, CommitOptions, ImageRecord, ImageService, HistoryEntry, ImageConfigFile } from './types.ts';
import { ContentStore } from './content-store.ts';
import { LayerStore, EMPTY_LAYER_DIFF_ID, chainIds, type LayerRecord } from './layer-store.ts';
import { ImageStore } from './image-store.ts';
import { RWLayers } from '../snapshots/rw-layer.ts';
import { overlayChanges, opaqueDirs } from './changes.ts';
import { packDir } from './tar-pack.ts';
import { applyChanges } from './config-changes.ts';
import { goArch, goTime, parseConfig, serializeConfig } from './image-config.ts';
import { DEFAULT_DOMAIN, familiarName, familiarString, parseNormalizedNamed, tagNameOnly, type Reference } from './reference.ts';

export type InUseCheck = (imageId: string) => { running: boolean; containerId?: string } | undefined;
/** Every container's image and state, for container counts (`docker system df`). */
export type ContainerLister = () => { imageId: string; running: boolean }[];

export class ImageStoreService implements ImageService {
  readonly cfg: DaemonConfig;
  readonly db: MetaDB;
  readonly events: EventsService;
  readonly content: ContentStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly rw: RWLayers;
  private readonly leases: Collection<Lease>;
  private inUseCheck: InUseCheck = () => undefined;
  private containerLister?: ContainerLister;

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService }) {
    this.cfg = deps.cfg;
    this.db = deps.db;
    this.events = deps.events;
    const dirs = layout(deps.cfg);
    this.content = new ContentStore(dirs.blobs, dirs.tmp);
    this.layers = new LayerStore({ db: deps.db, content: this.content, dir: dirs.layers, tmp: dirs.tmp });
    this.images = new ImageStore({ db: deps.db, content: this.content });
    this.leases = deps.db.collection<Lease>('leases');
    this.rw = new RWLayers({ db: deps.db, layers: this.layers, containersDir: dirs.containers });
    this.recover();
  }

  /**
   * At start nothing is in flight: finish or undo what a crash cut short. Temp files (blob
   * ingests, half-unpacked layers, trash) go; layer directories without a record go; layers and
   * blobs nothing holds go, except what a pull's lease holds, kept for the retried pull to reuse
   * as dockerd's and containerd's are; expired leases go.
   */
  private recover(): void {
    this.content.cleanTemp();
    this.layers.recover();
    const a = accountStore(this.storeView());
    for (const id of a.endedLeases) this.leases.delete(id);
    if (a.orphanLayers.length) {
      log.info(`removing ${a.orphanLayers.length} unreferenced layer(s)`);
      this.layers.release(a.orphanLayers, this.referencedChains());
    }
    const blobs = accountStore(this.storeView()).orphanBlobs;
    if (blobs.length) log.info(`removing ${blobs.length} unreferenced blob(s)`);
    for (const d of blobs) this.content.delete(d);
    for (const m of a.missing) log.warn(`store: missing ${m}`);
  }

  /** The store as the accounting sees it (records and files). */
  storeView(): StoreView {
    return {
      images: this.images.all().map((img) => ({ id: img.id, chain: this.images.chain(img), blobs: img.blobs })),
      layers: this.layers.all().map((l) => ({ chainId: l.chainId, parent: l.parent, blob: l.blob?.digest })),
      rwLayers: this.rw.all(),
      leases: this.leases.all(),
      blobFiles: this.content.list(),
      layerDirs: this.layers.dirs(),
      now: Date.now(),
    };
  }

  /**
   * Hold layers an operation lands before anything references them, past a crash, for `ttlMs`
   * (containerd's pull lease: 24 hours), or until `image` exists (the operation finished, killed
   * before it could end its lease). The same id replaces the lease (a retried pull).
   */
  lease(id: string, chains: string[], o: { image?: string; ttlMs?: number } = {}): void {
    const lease: Lease = { id, expires: new Date(Date.now() + (o.ttlMs ?? 24 * 3600_000)).toISOString(), chains };
    if (o.image) lease.image = o.image;
    this.leases.put(id, lease);
  }

  endLease(id: string): void {
    this.leases.delete(id);
  }

  // --- lookups -----------------------------------------------------------------

  resolve(ref: string): ImageRecord {
    return this.images.resolve(ref);
  }

  setInUseCheck(fn: InUseCheck): void {
    this.inUseCheck = fn;
  }

  inUse(imageId: string): ReturnType<InUseCheck> {
    return this.inUseCheck(imageId);
  }

  /** Optional: lets `docker system df` count containers per image. */
  setContainerLister(fn: ContainerLister): void {
    this.containerLister = fn;
  }

  containerList(): { imageId: string; running: boolean }[] {
    return this.containerLister?.() ?? [];
  }

  /** Chain IDs referenced by images, container layers and live leases. */
  referencedChains(): Set<string> {
    const out = new Set<string>();
    for (const img of this.images.all()) for (const c of this.images.chain(img)) out.add(c);
    for (const rw of this.rw.all()) for (const c of rw.layers) out.add(c);
    const now = Date.now();
    for (const l of liveLeases(this.leases.all(), now)) for (const c of l.chains) out.add(c);
    return out;
  }

  /**
   * Forget an image: record and references (one transaction), then its config and extra blobs,
   * then its layers nobody else uses. Returns the removed layers, top first.
   */
  deleteImage(id: string): LayerRecord[] {
    const img = this.images.get(id);
    if (!img) return [];
    this.images.delete(id);
    for (const b of [id, ...(img.blobs ?? [])]) if (!this.layers.blobInUse(b)) this.content.delete(b);
    return this.releaseLayers(this.images.chain(img));
  }

  /** Remove the image's layers nobody else uses (top first). */
  releaseLayers(chain: string[]): LayerRecord[] {
    return this.layers.release([...chain].reverse(), this.referencedChains());
  }

  // --- image creation and tags ---------------------------------------------------

  /**
   * Record an image from its config bytes (stored as a blob; its digest is the id). All of its
   * layers must be registered. Returns the existing record when the same config is known.
   */
  createImage(configBytes: Buffer, opts: { parent?: string } = {}): ImageRecord {
    const config = parseConfig(configBytes);
    const chain = chainIds(config.rootfs.diff_ids);
    let size = 0;
    for (const c of chain) {
      const l = this.layers.get(c);
      if (!l) throw systemError(`layer ${c} does not exist`);
      size += l.size;
    }
    const id = this.content.put(configBytes);
    const existing = this.images.get(id);
    if (existing) {
      if (opts.parent && existing.parent !== opts.parent) {
        existing.parent = opts.parent;
        this.images.put(existing);
      }
      return existing;
    }
    const rec: ImageRecord = { id, config, size, loaded: new Date().toISOString() };
    if (opts.parent) rec.parent = opts.parent;
    this.images.put(rec);
    return rec;
  }

  /** Docker's TagImage: point ref at the image (moving it from another image), stamp LastTagTime, event. */
  tag(imageId: string, ref: Reference): void {
    if (ref.digest && !ref.tag) throw invalidParameter('refusing to create a tag with a digest reference');
    if (familiarName(ref) === 'sha256' || (ref.domain === DEFAULT_DOMAIN && ref.path === 'library/sha256'))
      throw invalidParameter('refusing to create an ambiguous tag using digest algorithm as name');
    const rec = this.images.get(imageId);
    if (!rec) throw notFound(`No such image: ${imageId}`);
    const tagged = tagNameOnly(ref);
    this.db.tx(() => {
      this.images.setRef(tagged, imageId);
      rec.lastTagTime = goTime();
      this.images.put(rec);
    });
    this.imageEvent('tag', imageId, familiarString(tagged));
  }

  /** Docker's LogImageEvent: the image's labels plus name. */
  imageEvent(action: string, imageId: string, name?: string): void {
    const attrs: Record<string, string> = { ...(this.images.get(imageId)?.config.config?.Labels ?? {}) };
    if (name) attrs.name = name;
    this.events.publish('image', action, imageId, attrs);
  }

  /** GraphDriver data of an image, as overlay2 reports it. */
  imageGraphDriverData(rec: ImageRecord): Record<string, string> | null {
    const chain = this.images.chain(rec);
    if (chain.length === 0) return null;
    const top = chain[chain.length - 1]!;
    const diff = this.layers.diffDir(top);
    const dir = diff.replace(/\/diff$/, '');
    const data: Record<string, string> = {};
    const lowers = chain
      .slice(0, -1)
      .reverse()
      .map((c) => this.layers.diffDir(c));
    if (lowers.length) data.LowerDir = lowers.join(':');
    data.MergedDir = `${dir}/merged`;
    data.UpperDir = diff;
    data.WorkDir = `${dir}/work`;
    return data;
  }

  // --- container layers -----------------------------------------------------------

  createRWLayer(containerId: string, image: string | ImageRecord): void {
    const img = typeof image === 'string' ? this.images.get(image) : image;
    if (!img) throw notFound(`No such image: ${image as string}`);
    const chain = this.images.chain(img);
    for (const c of chain) if (!this.layers.get(c)) throw systemError(`layer ${c} of image ${img.id} is missing`);
    this.rw.create(containerId, img.id, chain);
  }

  mountRWLayer(containerId: string): Promise<string> {
    return this.rw.mount(containerId);
  }

  unmountRWLayer(containerId: string): Promise<void> {
    return this.rw.unmount(containerId);
  }

  rwLayerIds(): string[] {
    return this.rw.all().map((r) => r.id);
  }

  async removeRWLayer(containerId: string): Promise<void> {
    const rec = this.rw.get(containerId);
    await this.rw.remove(containerId);
    // The image may have been removed (rmi -f) while this container kept its layers alive.
    if (rec && !this.images.get(rec.imageId)) this.releaseLayers(rec.layers);
  }

  rwLayerSize(containerId: string): number {
    return dirSize(this.rw.paths(containerId).upper);
  }

  graphDriverData(containerId: string): { LowerDir?: string; UpperDir: string; MergedDir: string; WorkDir: string } {
    const d = this.rw.graphDriverData(containerId);
    if (d) return d;
    const p = this.rw.paths(containerId);
    return { UpperDir: p.upper, MergedDir: p.merged, WorkDir: p.work };
  }

  async changes(containerId: string): Promise<Change[]> {
    if (!this.rw.get(containerId)) throw notFound(`No such container: ${containerId}`);
    const upper = this.rw.paths(containerId).upper;
    return this.rw.withLowerView(containerId, (lower) => overlayChanges(upper, lower));
  }

  async exportRootfs(containerId: string): Promise<Readable> {
    const merged = await this.rw.mount(containerId);
    return packDir(merged);
  }

  async commit(o: CommitOptions): Promise<ImageRecord> {
    const rw = this.rw.get(o.containerId);
    if (!rw) throw notFound(`No such container: ${o.containerId}`);
    let parent: ImageRecord | undefined;
    if (o.parentImageId) {
      parent = this.images.get(o.parentImageId);
      if (!parent) throw notFound(`No such image: ${o.parentImageId}`);
    }
    let newRef: Reference | undefined;
    if (o.reference) {
      newRef = parseNormalizedNamed(o.reference);
      if (newRef.digest) throw invalidParameter('cannot tag digested reference');
      newRef = tagNameOnly(newRef);
    }
    const config = applyChanges(o.config, o.changes);
    const parentDiffs = parent?.config.rootfs.diff_ids ?? [];
    const parentChain = chainIds(parentDiffs);
    const upper = this.rw.paths(o.containerId).upper;
    const tar = packDir(upper, { overlayToOCI: { opaque: await opaqueDirs(upper) } });
    const layer = await this.layers.register(tar, parentChain[parentChain.length - 1], { storeBlob: true, ownFiles: true });
    try {
      const empty = layer.diffId === EMPTY_LAYER_DIFF_ID;
      const created = goTime();
      const containerConfig = o.containerConfig ?? o.config;
      const h: HistoryEntry = { created, created_by: (containerConfig.Cmd ?? []).join(' ') };
      if (o.author) h.author = o.author;
      if (o.comment) h.comment = o.comment;
      if (empty) h.empty_layer = true;
      const file: ImageConfigFile = {
        architecture: parent?.config.architecture ?? goArch(),
        os: parent?.config.os ?? 'linux',
        created,
        container: o.containerId,
        container_config: containerConfig,
        config,
        rootfs: { type: 'layers', diff_ids: empty ? parentDiffs : [...parentDiffs, layer.diffId] },
        history: [...(parent?.config.history ?? []), h],
      };
      if (parent?.config.variant) file.variant = parent.config.variant;
      if (o.author) file.author = o.author;
      const rec = this.createImage(serializeConfig(file), { parent: o.parentImageId || undefined });
      if (newRef) this.tag(rec.id, newRef);
      return rec;
    } finally {
      this.layers.unpin(layer.chainId);
      if (layer.diffId === EMPTY_LAYER_DIFF_ID) this.layers.release([layer.chainId], this.referencedChains());
    }
  }

  /** Images whose config blob went missing cannot be saved; used by `docker save`. */
  hasConfigBlob(id: string): boolean {
    return fs.existsSync(this.content.path(id));
  }
}
