// docker build (the classic builder's POST /build): the context tar is unpacked into a scratch directory,
// the Dockerfile runs through the Builder, and the result is tagged. Also the build cache's prune.
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough, Readable, Transform } from 'node:stream';
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

/** Contexts up to this size are unpacked in memory (see build). */
const SMALL_CONTEXT = 32 * 1024 * 1024;
const TMPFS_MAGIC = 0x01021994;
let memDir: string | null | undefined;

/** Berth's directory on /dev/shm when that is a tmpfs; old leftovers (a crash mid-build) go. */
function memoryDir(): string | null {
  if (memDir !== undefined) return memDir;
  memDir = null;
  try {
    if (Number(fs.statfsSync('/dev/shm').type) !== TMPFS_MAGIC) return memDir;
    const dir = '/dev/shm/berth-build';
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const e of fs.readdirSync(dir)) {
      const p = path.join(dir, e);
      // another daemon may be building now: only what is clearly abandoned
      if (Date.now() - fs.statSync(p).mtimeMs > 3600_000) fs.rmSync(p, { recursive: true, force: true });
    }
    memDir = dir;
  } catch {
    memDir = null;
  }
  return memDir;
}

/**
 * Unpacks a build context into a new directory and returns it. A small context (the usual case)
 * goes to a memory filesystem while it arrives: it is many small files, and creating them on disk
 * costs more than a whole cached build. The bytes are held meanwhile, so that a context that turns
 * out big starts over on disk instead of filling memory.
 */
async function unpackContext(stream: Readable, diskBase: string): Promise<string> {
  const name = `build-${newId().slice(0, 16)}`;
  const mem = memoryDir();
  if (!mem) return extractTo(stream, path.join(diskBase, name));
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const held: Buffer[] = [];
  let size = 0;
  const memIn = new PassThrough();
  const memDir = path.join(mem, name);
  const memDone = extractTo(memIn, memDir);
  memDone.catch(() => {});
  try {
    for (let r = await it.next(); !r.done; r = await it.next()) {
      held.push(r.value);
      size += r.value.length;
      if (size > SMALL_CONTEXT) {
        memIn.destroy();
        await memDone.catch(() => {});
        void fs.promises.rm(memDir, { recursive: true, force: true }).catch(() => {});
        const rest = Readable.from(
          (async function* () {
            yield* held;
            for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
          })(),
        );
        return await extractTo(rest, path.join(diskBase, name));
      }
      // a bad archive ends the extraction early: its error, not a wait for a drain that never comes
      if (!memIn.write(r.value)) await Promise.race([once(memIn, 'drain'), memDone]);
    }
    memIn.end();
    return await memDone;
  } catch (e) {
    memIn.destroy();
    void fs.promises.rm(memDir, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

/** Unpack a context tar into `dir` (made here). The docker CLI appends a Dockerfile from outside
 * the context to the tar and may leave out the end-of-archive blocks (Go's reader does not need
 * them): the archive is ended here. */
async function extractTo(tarStream: Readable, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let n = 0;
  const complete = tarStream.pipe(
    new Transform({
      transform: (c: Buffer, _e, cb) => {
        n += c.length;
        cb(null, c);
      },
      flush: (cb) => cb(null, Buffer.alloc(((512 - (n % 512)) % 512) + 1024)),
    }),
  );
  tarStream.once('error', (e) => complete.destroy(e));
  await extractTar(complete, { dest: dir });
  return dir;
}

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
    const { stream } = await decompress(context);
    const dir = await unpackContext(stream, this.tmp);
    try {
      const id = await new Builder({ containers: this.containers, images: this.images, cache: this.cache, pull: this.pull, progress }, dir, opts, out).build();
      tagResult(this.images, id, opts.tags, out);
      return id;
    } finally {
      // off the answer's path; a crash leaves it to the sweeps at start
      void fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }

  /** POST /build/prune: forget the cache (the cached images stay as dangling images until pruned). */
  prune(): { CachesDeleted: string[] | null; SpaceReclaimed: number } {
    const ids = this.cache.ids();
    for (const id of ids) this.cache.delete(id);
    return { CachesDeleted: ids.length ? ids : null, SpaceReclaimed: 0 };
  }
}
