// docker build (the classic builder's POST /build): the context tar is unpacked into a scratch directory,
// the Dockerfile runs through the Builder, and the result is tagged. Also the build cache's prune.
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import type { MetaDB, Collection } from '../store/db.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerService } from './containers/service.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import { layout } from '../config.ts';
import { extractTar } from '../images/tar-extract.ts';
import { decompress } from '../images/compression.ts';
import { parseNormalizedNamed } from '../images/reference.ts';
import { Builder, tagResult, type BuildOptions, type BuildDeps } from '../build/builder.ts';
import { newId } from '../util/ids.ts';

export class BuildService {
  private readonly cache: Collection<{ imageId: string }>;
  private readonly tmp: string;
  private readonly containers: ContainerService;
  private readonly images: ImageStoreService;

  private readonly pull?: BuildDeps['pull'];

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; containers: ContainerService; images: ImageStoreService; pull?: BuildDeps['pull'] }) {
    this.pull = deps.pull;
    this.cache = deps.db.collection('buildcache');
    this.tmp = layout(deps.cfg).tmp;
    this.containers = deps.containers;
    this.images = deps.images;
  }

  /** Checks that must fail before any output (Docker answers them with a plain 400). */
  validate(opts: BuildOptions): void {
    for (const t of opts.tags) parseNormalizedNamed(t);
  }

  async build(context: Readable, opts: BuildOptions, out: (text: string) => void, progress: (m: unknown) => void = () => {}): Promise<string> {
    const dir = path.join(this.tmp, `build-${newId().slice(0, 16)}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      const { stream } = await decompress(context);
      // The docker CLI appends a Dockerfile from outside the context to the tar and may leave out the
      // end-of-archive blocks (Go's reader does not need them); end the archive ourselves.
      let n = 0;
      const ended = stream.pipe(
        new Transform({
          transform: (c: Buffer, _e, cb) => {
            n += c.length;
            cb(null, c);
          },
          flush: (cb) => cb(null, Buffer.alloc(((512 - (n % 512)) % 512) + 1024)),
        }),
      );
      await extractTar(ended, { dest: dir });
      const id = await new Builder({ containers: this.containers, images: this.images, cache: this.cache, pull: this.pull, progress }, dir, opts, out).build();
      tagResult(this.images, id, opts.tags, out);
      return id;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** POST /build/prune: forget the cache (the cached images stay as dangling images until pruned). */
  prune(): { CachesDeleted: string[] | null; SpaceReclaimed: number } {
    const ids = this.cache.ids();
    for (const id of ids) this.cache.delete(id);
    return { CachesDeleted: ids.length ? ids : null, SpaceReclaimed: 0 };
  }
}
