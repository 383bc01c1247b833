// docker build (the classic builder's POST /build): the context tar is unpacked into a scratch directory,
// the Dockerfile runs through the Builder, and the result is tagged. Also the build cache's prune.
import type { Readable } from 'node:stream';
import type { MetaDB, Collection } from '../store/db.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerService } from './containers/service.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import { layout } from '../config.ts';
import { decompress } from '../images/compression.ts';
import { parseNormalizedNamed } from '../images/reference.ts';
import { Builder, tagResult, type BuildOptions, type BuildDeps } from '../build/builder.ts';
import { ContextStore } from '../build/context-store.ts';

export class BuildService {
  private readonly cache: Collection<{ imageId: string; usedAt?: string }>;
  private readonly tmp: string;
  private readonly containers: ContainerService;
  private readonly images: ImageStoreService;

  private readonly pull?: BuildDeps['pull'];
  private readonly contexts: ContextStore;

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; containers: ContainerService; images: ImageStoreService; pull?: BuildDeps['pull'] }) {
    this.pull = deps.pull;
    this.cache = deps.db.collection('buildcache');
    this.tmp = layout(deps.cfg).tmp;
    this.contexts = new ContextStore(deps.cfg.dataRoot);
    this.containers = deps.containers;
    this.images = deps.images;
  }

  /** Checks that must fail before any output (Docker answers them with a plain 400). */
  validate(opts: BuildOptions): void {
    for (const t of opts.tags) parseNormalizedNamed(t);
  }

  async build(context: Readable, opts: BuildOptions, out: (text: string) => void, progress: (m: unknown) => void = () => {}): Promise<string> {
    const { stream } = await decompress(context);
    const ctx = await this.contexts.unpack(stream, this.tmp);
    const dir = ctx.dir;
    try {
      const id = await new Builder({ containers: this.containers, images: this.images, cache: this.cache, pull: this.pull, progress }, dir, opts, out).build();
      tagResult(this.images, id, opts.tags, out);
      return id;
    } finally {
      ctx.release();
    }
  }

  /** Daemon shutdown: the kept contexts go. */
  close(): void {
    this.contexts.close();
  }

  /**
   * POST /build/prune: forget the cache entries not used since `unusedSince` (Unix seconds; all
   * when absent). The cached images stay as dangling images until an image prune.
   */
  prune(unusedSince?: number): { CachesDeleted: string[] | null; SpaceReclaimed: number } {
    const ids = this.cache.ids().filter((id) => {
      if (unusedSince === undefined) return true;
      const used = Date.parse(this.cache.get(id)?.usedAt ?? '');
      // entries from before usedAt was recorded count as unused since forever
      return !(used / 1000 > unusedSince);
    });
    for (const id of ids) this.cache.delete(id);
    return { CachesDeleted: ids.length ? ids : null, SpaceReclaimed: 0 };
  }
}
