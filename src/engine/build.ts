// docker build (the classic builder's POST /build): the context tar is unpacked into a scratch directory,
// the Dockerfile runs through the Builder, and the result is tagged. Also the build cache's prune.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { MetaDB, Collection } from '../store/db.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerService } from './containers/service.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import { layout } from '../config.ts';
import { decompressContext } from '../build/context-decompress.ts';
import { parseNormalizedNamed } from '../images/reference.ts';
import { Builder, tagResult, type BuildOptions, type BuildDeps } from '../build/builder.ts';
import { ContextStore } from '../build/context-store.ts';

export class BuildService {
  private readonly cache: Collection<{ imageId: string; usedAt?: string }>;
  private readonly tmp: string;
  /** RUN --mount=type=cache directories, kept between builds until `docker builder prune` */
  private readonly cacheMounts: string;
  private readonly containers: ContainerService;
  private readonly images: ImageStoreService;

  private readonly pull?: BuildDeps['pull'];
  private readonly contexts: ContextStore;

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; containers: ContainerService; images: ImageStoreService; pull?: BuildDeps['pull'] }) {
    this.pull = deps.pull;
    this.cache = deps.db.collection('buildcache');
    this.tmp = layout(deps.cfg).tmp;
    this.contexts = new ContextStore(deps.cfg.dataRoot);
    sweepScratch(this.tmp);
    this.cacheMounts = path.join(deps.cfg.dataRoot, 'build', 'cache-mounts');
    this.containers = deps.containers;
    this.images = deps.images;
  }

  /** Checks that must fail before any output (Docker answers them with a plain 400). */
  validate(opts: BuildOptions): void {
    for (const t of opts.tags) parseNormalizedNamed(t);
  }

  /** Unpack the context and parse its Dockerfile: what fails here fails before the response starts (a
   * 400, as dockerd answers a Dockerfile parse error). Then run() builds, writing to the stream. */
  async prepare(context: Readable, opts: BuildOptions): Promise<{ run(out: (text: string) => void, progress?: (m: unknown) => void): Promise<string>; release(): void }> {
    const stream = await decompressContext(context);
    const ctx = await this.contexts.unpack(stream, this.tmp);
    let out: (text: string) => void = () => {};
    let progress: (m: unknown) => void = () => {};
    const deps: BuildDeps = { containers: this.containers, images: this.images, cache: this.cache, pull: this.pull, progress: (m) => progress(m), cacheMounts: this.cacheMounts, tmp: this.tmp };
    const builder = new Builder(deps, ctx.dir, opts, (t) => out(t));
    try {
      builder.prepare();
    } catch (e) {
      ctx.release();
      throw e;
    }
    return {
      run: async (o, p = () => {}) => {
        out = o;
        progress = p;
        const id = await builder.build();
        // dockerd's classic builder: the aux ID message (no "id": that is for squashed and BuildKit
        // builds), then "Successfully built" and the tags
        progress({ aux: { ID: id } });
        tagResult(this.images, id, opts.tags, out);
        return id;
      },
      release: () => ctx.release(),
    };
  }

  async build(context: Readable, opts: BuildOptions, out: (text: string) => void, progress: (m: unknown) => void = () => {}): Promise<string> {
    const job = await this.prepare(context, opts);
    try {
      return await job.run(out, progress);
    } finally {
      job.release();
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
    // the cache mounts go too when the whole cache goes (BuildKit's prune removes them); a step
    // using one keeps its open files. With `until` they stay: Berth does not know when each was used.
    if (unusedSince === undefined) fs.rmSync(this.cacheMounts, { recursive: true, force: true });
    return { CachesDeleted: ids.length ? ids : null, SpaceReclaimed: 0 };
  }
}

/** The scratch directories of COPY/ADD (copy-*) and RUN --mount (run-*) that a daemon killed in the
 * middle of a step left in the data root's tmp (a step removes its own when it ends); at start no
 * build runs, so every one is a leftover. */
function sweepScratch(tmp: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const n of names) if (n.startsWith('copy-') || n.startsWith('run-')) fs.rmSync(path.join(tmp, n), { recursive: true, force: true });
}
