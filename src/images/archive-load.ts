// `docker load`: docker-archive tars from old and new Docker (manifest.json with <id>/layer.tar
// or blobs/sha256/... paths) and plain OCI image layouts (index.json).
//
// Two passes, nothing extracted to a scratch directory: the archive streams once, small files
// (configs, manifests, index) are kept in memory and everything else goes straight into the
// content store (verified when its name is a digest); then the manifests are read and each
// missing layer is unpacked from its blob, its diffID checked against the image config.
import { humanSize } from '../util/units.ts';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { invalidParameter, systemError } from '../errdefs.ts';
import type { ImageStoreService } from './image-service.ts';
import { parseConfig, goArch } from './image-config.ts';
import { chainIdOf } from './layer-store.ts';
import { familiarString, parseNormalizedNamed, tagNameOnly, type Reference } from './reference.ts';
import { patchTarStream, type TarHeader } from './tar-pax.ts';
import { decompress } from './compression.ts';
import { parseJson } from '../util/go-json.ts';

patchTarStream();

/** A JSON stream message as dockerd writes it ({"stream": ...} or progress). */
export type LoadMessage = Record<string, unknown>;

const SMALL_FILE = 1 << 20;
const MAX_BUFFERED = 128 << 20;

interface ArchiveFile {
  size: number;
  data?: Buffer;
  digest?: string;
}

interface ImageToLoad {
  config: Buffer;
  /** Where each layer's bytes are (archive paths or digests), bottom to top. */
  layers: ArchiveFile[];
  repoTags: string[];
  parent?: string;
}

export async function loadArchive(svc: ImageStoreService, src: Readable, opts: { quiet: boolean }, emit: (m: LoadMessage) => void): Promise<void> {
  const archive = new ArchiveContents(svc);
  try {
    // `docker load` also takes a compressed archive (docker save | gzip).
    const { stream } = await decompress(src);
    await archive.read(stream);
    const images = archive.has('manifest.json') ? archive.dockerImages() : archive.has('index.json') ? archive.ociImages() : undefined;
    if (!images) throw invalidParameter('invalid archive: does not contain a manifest.json');
    await loadImages(svc, archive, images, opts, emit);
  } finally {
    archive.cleanup();
  }
}

async function loadImages(svc: ImageStoreService, archive: ArchiveContents, images: ImageToLoad[], opts: { quiet: boolean }, emit: (m: LoadMessage) => void): Promise<void> {
  const pinned: string[] = [];
  const loaded: { id: string; parent?: string; history: number }[] = [];
  let ids = '';
  let refCount = 0;
  let done = false;
  try {
    for (const img of images) {
      let cfg;
      try {
        cfg = parseConfig(img.config);
      } catch (e) {
        throw invalidParameter((e as Error).message);
      }
      if ((cfg.os || 'linux') !== 'linux') throw invalidParameter(`cannot load ${cfg.os} image on linux`);
      const diffs = cfg.rootfs.diff_ids;
      if (img.layers.length !== diffs.length) throw invalidParameter(`invalid manifest, layers length mismatch: expected ${img.layers.length}, got ${diffs.length}`);
      let parent: string | undefined;
      for (let i = 0; i < diffs.length; i++) {
        const chain = chainIdOf(parent, diffs[i]!);
        let rec = svc.layers.get(chain);
        if (rec) svc.layers.pin(chain);
        else {
          const blob = archive.blobOf(img.layers[i]!);
          try {
            rec = await svc.layers.registerBlob(blob, parent, diffs[i]);
          } catch (e) {
            const m = /invalid diffID: expected (.*), got (.*)$/.exec((e as Error).message);
            if (m) throw systemError(`invalid diffID for layer ${i}: expected ${m[1]}, got ${m[2]}`);
            throw e;
          }
          if (!opts.quiet) emit(progressMessage(diffs[i]!, rec.tarSize));
        }
        pinned.push(chain);
        parent = chain;
      }
      const rec = svc.createImage(img.config);
      ids += `Loaded image ID: ${rec.id}\n`;
      refCount = 0;
      for (const tag of img.repoTags) {
        let ref: Reference;
        ref = parseNormalizedNamed(tag);
        if (!ref.tag || ref.digest) throw invalidParameter(`invalid tag ${JSON.stringify(tag)}`);
        ref = tagNameOnly(ref);
        const prev = svc.images.lookupRef(ref);
        if (prev && prev !== rec.id)
          emit({ stream: `The image ${familiarString(ref)} already exists, renaming the old one with ID ${prev} to empty string\n` });
        svc.images.setRef(ref, rec.id);
        emit({ stream: `Loaded image: ${familiarString(ref)}\n` });
        refCount++;
      }
      loaded.push({ id: rec.id, parent: img.parent, history: cfg.history?.length ?? 0 });
      svc.imageEvent('load', rec.id, rec.id);
    }
    // Parent links only between images of this archive, and only when the histories agree.
    for (const l of loaded) {
      if (!l.parent || l.parent === l.id || !loaded.some((o) => o.id === l.parent)) continue;
      const child = svc.images.get(l.id);
      const parent = svc.images.get(l.parent);
      if (child && parent && validParent(child.config.history ?? [], parent.config.history ?? [])) {
        child.parent = l.parent;
        svc.images.put(child);
      }
    }
    if (refCount === 0) emit({ stream: ids });
    done = true;
  } finally {
    for (const c of pinned) svc.layers.unpin(c);
    // a load that fails gives back the layers it landed for no image (they would wait for a restart)
    if (!done) svc.releaseLayers(pinned);
  }
}

function validParent(child: { created?: string }[], parent: { created?: string }[]): boolean {
  if (child.length === 0 && parent.length === 0) return true;
  if (child.length - parent.length !== 1) return false;
  return parent.every((h, i) => JSON.stringify(h) === JSON.stringify(child[i]));
}

function progressMessage(diffId: string, size: number): LoadMessage {
  const human = humanSize(size, 4); // dockerd's progress: go-units HumanSize, "%.4g"
  return {
    status: 'Loading layer',
    progressDetail: { current: size, total: size },
    progress: `[${'='.repeat(49)}>]  ${human}/${human}`,
    id: diffId.slice(7, 19),
  };
}


/** The files of the archive: small ones in memory, large ones in the content store. */
class ArchiveContents {
  private readonly svc: ImageStoreService;
  private files = new Map<string, ArchiveFile>();
  private links = new Map<string, string>();
  /** Blobs this load added to the content store; unreferenced ones are removed at the end. */
  private written = new Set<string>();
  private buffered = 0;

  constructor(svc: ImageStoreService) {
    this.svc = svc;
  }

  async read(src: Readable): Promise<void> {
    const ex = tar.extract({ allowUnknownFormat: true } as object);
    ex.on('entry', (h, stream, next) => {
      this.entry(h as unknown as TarHeader, stream as unknown as Readable).then(
        () => next(),
        (e) => {
          stream.resume();
          next(e);
        },
      );
    });
    try {
      await pipeline(src, ex as unknown as NodeJS.WritableStream);
    } catch (e) {
      const msg = (e as Error).message;
      if (/Unexpected end of data/.test(msg)) throw invalidParameter('unexpected EOF');
      if (/Invalid tar header/.test(msg)) throw invalidParameter(`invalid archive: ${msg}`);
      throw e;
    }
  }

  private async entry(h: TarHeader, stream: Readable): Promise<void> {
    const name = clean(h.name);
    if (!name) return drain(stream);
    if (h.type === 'symlink' || h.type === 'link') {
      const target = h.type === 'symlink' && !(h.linkname ?? '').startsWith('/') ? path.posix.join(path.posix.dirname(name), h.linkname ?? '') : (h.linkname ?? '');
      const t = clean(target);
      if (t) this.links.set(name, t);
      return drain(stream);
    }
    if (h.type !== 'file' && h.type !== 'contiguous-file') return drain(stream);
    const size = h.size ?? 0;
    const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
    const expected = named ? `sha256:${named[1]}` : undefined;
    if (expected && this.svc.content.has(expected)) {
      // Already have these bytes (a layer shared with a loaded image, or a reload): skip them.
      this.files.set(name, { size, digest: expected });
      return drain(stream);
    }
    if (size <= SMALL_FILE && this.buffered + size <= MAX_BUFFERED) {
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      this.buffered += size;
      this.files.set(name, { size, data: Buffer.concat(chunks) });
      return;
    }
    const r = await this.svc.content.putStream(stream, expected).catch((e) => {
      throw invalidParameter(`invalid archive: ${name}: ${(e as Error).message}`);
    });
    if (!r.existed) this.written.add(r.digest);
    this.files.set(name, { size, digest: r.digest });
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  lookup(name: string): ArchiveFile | undefined {
    let n = clean(name);
    for (let hops = 0; n && hops < 16; hops++) {
      const f = this.files.get(n);
      if (f) return f;
      n = this.links.get(n);
    }
    return undefined;
  }

  must(name: string): ArchiveFile {
    const f = this.lookup(name);
    if (!f) throw invalidParameter(`invalid archive: ${name}: no such file in the archive`);
    return f;
  }

  bytes(f: ArchiveFile): Buffer {
    return f.data ?? this.svc.content.read(f.digest!);
  }

  json(name: string): any {
    return this.parse(this.bytes(this.must(name)));
  }

  /** JSON as Go decodes it: bounded nesting, Go's wording for syntax errors. */
  parse(bytes: Buffer): any {
    return parseJson(bytes.toString('utf8'));
  }

  /** The blob holding a layer file (small in-memory ones are stored now). */
  blobOf(f: ArchiveFile): { digest: string; size: number } {
    if (!f.digest) {
      const w = this.svc.content.writer();
      w.write(f.data!);
      f.digest = w.commit();
      if (!w.existed) this.written.add(f.digest);
    }
    return { digest: f.digest, size: f.size };
  }

  /** Images of a docker-archive (manifest.json). */
  dockerImages(): ImageToLoad[] {
    const manifest = this.json('manifest.json');
    if (manifest === null) throw invalidParameter('invalid manifest, manifest cannot be null (but can be [])');
    if (!Array.isArray(manifest)) throw invalidParameter(`json: cannot unmarshal ${jsonKind(manifest)} into Go value of type []tarexport.manifestItem`);
    for (const m of manifest) checkManifestItem(m);
    return manifest.map((item: { Config?: string; RepoTags?: string[] | null; Layers?: string[] | null; Parent?: string } | null) => {
      const m = caseFolded(item ?? {}, ['Config', 'RepoTags', 'Layers', 'Parent']);
      return {
        config: this.bytes(this.must(m.Config ?? '')),
        layers: (m.Layers ?? []).map((l) => this.must(l)),
        repoTags: m.RepoTags ?? [],
        parent: m.Parent || undefined,
      };
    });
  }

  /** Images of an OCI image layout (index.json → manifests, following nested indexes, for this platform). */
  ociImages(): ImageToLoad[] {
    const out: ImageToLoad[] = [];
    const blob = (desc: unknown) => {
      const digest = (desc as { digest?: unknown } | null)?.digest;
      const m = typeof digest === 'string' ? /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest) : null;
      if (!m) throw invalidParameter(`invalid archive: invalid descriptor digest ${JSON.stringify(digest ?? null)}`);
      return this.must(`blobs/${m[1]}/${m[2]}`);
    };
    const list = (v: unknown, what: string): any[] => {
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) throw invalidParameter(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${what} of type []v1.Descriptor`);
      return v;
    };
    const visit = (desc: any, names: string[], depth: number): void => {
      if (depth > 4) return;
      const mt = desc.mediaType;
      const doc = this.parse(this.bytes(blob(desc)));
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidParameter(`json: cannot unmarshal ${jsonKind(doc)} into Go value of type v1.Manifest`);
      const isIndex = mt === 'application/vnd.oci.image.index.v1+json' || mt === 'application/vnd.docker.distribution.manifest.list.v2+json' || (!mt && Array.isArray(doc.manifests));
      if (isIndex) {
        const candidates = list(doc.manifests, 'Index.manifests').filter((m: any) => !isAttestation(m));
        const pick = candidates.find((m: any) => m.platform?.os === 'linux' && m.platform?.architecture === goArch()) ?? (candidates.length === 1 ? candidates[0] : undefined);
        if (!pick) throw invalidParameter(`no image for platform linux/${goArch()} in the archive`);
        visit(pick, names, depth + 1);
        return;
      }
      out.push({
        config: this.bytes(blob(doc.config)),
        layers: list(doc.layers, 'Manifest.layers').map((l: any) => blob(l)),
        repoTags: names,
      });
    };
    const index = this.json('index.json');
    if (typeof index !== 'object' || index === null || Array.isArray(index)) throw invalidParameter(`json: cannot unmarshal ${jsonKind(index)} into Go value of type v1.Index`);
    for (const m of list(index.manifests, 'Index.manifests')) {
      if (typeof m !== 'object' || m === null) throw invalidParameter(`json: cannot unmarshal ${jsonKind(m)} into Go struct field Index.manifests of type v1.Descriptor`);
      if (isAttestation(m)) continue;
      visit(m, ociNames(typeof m.annotations === 'object' && m.annotations ? m.annotations : {}), 0);
    }
    // Several index entries (one per tag) may point at the same image.
    const merged = new Map<string, ImageToLoad>();
    for (const img of out) {
      const key = img.config.toString('base64');
      const prev = merged.get(key);
      if (prev) prev.repoTags.push(...img.repoTags.filter((t) => !prev.repoTags.includes(t)));
      else merged.set(key, { ...img, repoTags: [...img.repoTags] });
    }
    return [...merged.values()];
  }

  /** Remove blobs this load wrote that nothing ended up referencing. */
  cleanup(): void {
    if (this.written.size === 0) return;
    const keep = new Set<string>();
    for (const l of this.svc.layers.all()) if (l.blob) keep.add(l.blob.digest);
    for (const img of this.svc.images.all()) keep.add(img.id);
    for (const d of this.written) if (!keep.has(d)) this.svc.content.delete(d);
  }
}

/** Go's field matching: a key names a field ignoring case (the exact spelling first). */
function caseFolded<T extends object>(v: T, fields: (keyof T & string)[]): T {
  const out = { ...v };
  for (const f of fields) {
    if (out[f] !== undefined) continue;
    const k = Object.keys(v).find((key) => key.toLowerCase() === f.toLowerCase());
    if (k) out[f] = (v as Record<string, unknown>)[k] as T[typeof f];
  }
  return out;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** dockerd decodes manifest.json into []manifestItem: the same type errors, before any field is used. */
function checkManifestItem(m: unknown): void {
  if (m === null) return;
  if (typeof m !== 'object' || Array.isArray(m)) throw invalidParameter(`json: cannot unmarshal ${jsonKind(m)} into Go value of type tarexport.manifestItem`);
  const fail = (field: string, v: unknown, type: string) => {
    throw invalidParameter(`json: cannot unmarshal ${jsonKind(v)} into Go struct field manifestItem.${field} of type ${type}`);
  };
  for (const [k, v] of Object.entries(m)) {
    if (v === null) continue;
    const field = ['Config', 'RepoTags', 'Layers', 'Parent'].find((f) => f.toLowerCase() === k.toLowerCase());
    if (field === 'Config' || field === 'Parent') {
      if (typeof v !== 'string') fail(field, v, field === 'Parent' ? 'image.ID' : 'string');
    } else if (field) {
      if (!Array.isArray(v)) fail(field, v, '[]string');
      for (const x of v as unknown[]) if (typeof x !== 'string') fail(field, x, 'string');
    }
  }
}

function isAttestation(m: any): boolean {
  return m?.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || (m?.platform?.os === 'unknown' && m?.platform?.architecture === 'unknown');
}

/** Names of an OCI index entry: containerd's full name, or a ref.name that is itself a full reference. */
function ociNames(a: Record<string, unknown>): string[] {
  const full = a['io.containerd.image.name'];
  if (full && typeof full === 'string') return [full];
  const ref = a['org.opencontainers.image.ref.name'];
  if (ref && typeof ref === 'string' && /[:/]/.test(ref)) {
    try {
      const r = parseNormalizedNamed(ref);
      if (r.tag && !r.digest) return [ref];
    } catch {
      // not a valid reference: no tag is taken from it
    }
  }
  return [];
}

function clean(name: string): string | undefined {
  const n = path.posix.normalize(name.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (!n || n === '.' || n === '..' || n.startsWith('../')) return undefined;
  return n;
}

function drain(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('error', reject);
    stream.resume();
  });
}
