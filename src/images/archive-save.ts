// `docker save`: images as one tar, in the layout Docker 25+ writes — OCI image layout
// (oci-layout, index.json, blobs/sha256/...) plus the docker-archive manifest.json and
// repositories — which both old (20.10) and new dockerd load, as do OCI tools.
// Everything is known before the first byte (layer tar sizes are recorded at registration), so
// the archive streams straight from the content store, entries in sorted order as Docker's.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pack } from 'tar-stream';
import { goPack } from './tar-pack.ts';
import { createHash } from 'node:crypto';
import { notFound, systemError } from '../errdefs.ts';
import type { ImageStoreService } from './image-service.ts';
import type { ImageRecord } from './types.ts';
import { chainIds } from './layer-store.ts';
import {
  familiarName,
  familiarString,
  fullName,
  isNamed,
  parseAnyReference,
  parseStored,
  refString,
  tagNameOnly,
  type Reference,
} from './reference.ts';

const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MT_INDEX = 'application/vnd.oci.image.index.v1+json';
const MT_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MT_LAYER = 'application/vnd.oci.image.layer.v1.tar';

export interface SaveSelection {
  image: ImageRecord;
  /** Tagged references to record for it. */
  refs: Reference[];
}

/** Docker's parseNames: which images (and which of their tags) the names select. Throws before anything is written. */
export function selectImages(svc: ImageStoreService, names: string[]): SaveSelection[] {
  const out = new Map<string, SaveSelection>();
  const add = (id: string, ref?: Reference) => {
    const image = svc.images.get(id);
    if (!image) throw notFound(`No such image: ${id}`);
    let sel = out.get(id);
    if (!sel) out.set(id, (sel = { image, refs: [] }));
    if (!ref || (ref.digest && !ref.tag)) return;
    const tagged = tagNameOnly({ domain: ref.domain, path: ref.path, tag: ref.tag });
    if (!sel.refs.some((r) => refString(r) === refString(tagged))) sel.refs.push(tagged);
  };
  for (const name of names) {
    const ref = parseAnyReference(name);
    if (!isNamed(ref)) {
      add(ref.digest!);
      continue;
    }
    if (familiarName(ref) === 'sha256') {
      const id = svc.images.search(name);
      if (!id) throw notFound(`No such image: ${name}`);
      add(id);
      continue;
    }
    if (!ref.tag && !ref.digest) {
      // A bare repository name: every tag of it.
      const assocs = svc.db
        .allRefs()
        .map((r) => ({ ref: parseStored(r.name), id: r.imageId }))
        .filter((a) => fullName(a.ref) === fullName(ref) && a.ref.tag && !a.ref.digest)
        .sort((a, b) => refString(a.ref).localeCompare(refString(b.ref)));
      if (assocs.length) {
        for (const a of assocs) add(a.id, a.ref);
        continue;
      }
      const id = svc.images.search(name);
      // dockerd's image store search names the term as given ("No such image: nosuch")
      if (!id) throw notFound(`No such image: ${name}`);
      add(id);
      continue;
    }
    const id = svc.images.lookupRef(ref);
    if (!id) throw notFound(`No such image: ${familiarString(ref)}`);
    add(id, ref);
  }
  for (const sel of out.values()) {
    if (sel.image.config.rootfs.diff_ids.length === 0) throw systemError('empty export - not implemented');
    if (!svc.hasConfigBlob(sel.image.id)) throw systemError(`image ${sel.image.id} has no stored config`);
    for (const c of svc.images.chain(sel.image)) {
      const l = svc.layers.get(c);
      if (!l?.blob) throw systemError(`layer ${c} has no stored content`);
    }
  }
  return [...out.values()];
}

type Blob = { hex: string; size: number; mtime: Date } & ({ kind: 'bytes'; data: Buffer } | { kind: 'layer'; chainId: string });

/** The archive for the selected images. Emits a 'save' event per image. */
export function saveArchive(svc: ImageStoreService, selection: SaveSelection[]): Readable {
  const blobs = new Map<string, Blob>();
  const manifestJson: Record<string, unknown>[] = [];
  const indexManifests: Record<string, unknown>[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const selected = new Set(selection.map((s) => s.image.id));

  for (const { image, refs } of selection) {
    const created = image.config.created ? new Date(image.config.created) : new Date(0);
    const mtime = Number.isFinite(created.getTime()) ? created : new Date(0);
    const config = svc.images.configBytes(image.id);
    const configHex = image.id.slice(7);
    blobs.set(configHex, { hex: configHex, size: config.length, mtime, kind: 'bytes', data: config });
    const diffs = image.config.rootfs.diff_ids;
    const chain = chainIds(diffs);
    const layerDescs = diffs.map((d, i) => {
      const l = svc.layers.get(chain[i]!)!;
      const hex = d.slice(7);
      if (!blobs.has(hex)) blobs.set(hex, { hex, size: l.tarSize, mtime, kind: 'layer', chainId: chain[i]! });
      return { mediaType: MT_LAYER, digest: d, size: l.tarSize };
    });
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MT_MANIFEST, config: { mediaType: MT_CONFIG, digest: image.id, size: config.length }, layers: layerDescs }),
    );
    const mHex = createHash('sha256').update(manifest).digest('hex');
    blobs.set(mHex, { hex: mHex, size: manifest.length, mtime: new Date(0), kind: 'bytes', data: manifest });
    const mDesc = { mediaType: MT_MANIFEST, digest: `sha256:${mHex}`, size: manifest.length };
    const repoTags: string[] = [];
    for (const r of refs) {
      repoTags.push(familiarString(r));
      (repositories[familiarName(r)] ??= {})[r.tag!] = diffs[diffs.length - 1]!.slice(7);
      indexManifests.push({ ...mDesc, annotations: { 'io.containerd.image.name': refString(r), 'org.opencontainers.image.ref.name': r.tag } });
    }
    if (refs.length === 0) indexManifests.push(mDesc);
    const item: Record<string, unknown> = {
      Config: `blobs/sha256/${configHex}`,
      RepoTags: repoTags.length ? repoTags : null,
      Layers: diffs.map((d) => `blobs/sha256/${d.slice(7)}`),
    };
    if (image.parent && selected.has(image.parent)) item.Parent = image.parent;
    manifestJson.push(item);
    svc.imageEvent('save', image.id, image.id);
  }

  const epoch = new Date(0);
  const pack = goPack();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const write = async () => {
    await entry(pack, { name: 'blobs/', type: 'directory', mode: 0o755, mtime: epoch });
    await entry(pack, { name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: epoch });
    for (const b of [...blobs.values()].sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0))) {
      const h = { name: `blobs/sha256/${b.hex}`, type: 'file', mode: 0o644, mtime: b.mtime, size: b.size };
      if (b.kind === 'bytes') await entry(pack, h, b.data);
      else await streamEntry(pack, h, await svc.layers.tarStream(b.chainId));
    }
    const index = { schemaVersion: 2, mediaType: MT_INDEX, manifests: indexManifests };
    await entry(pack, { name: 'index.json', type: 'file', mode: 0o644, mtime: epoch }, Buffer.from(JSON.stringify(index)));
    await entry(pack, { name: 'manifest.json', type: 'file', mode: 0o644, mtime: epoch }, Buffer.from(JSON.stringify(manifestJson) + '\n'));
    await entry(pack, { name: 'oci-layout', type: 'file', mode: 0o644, mtime: epoch }, Buffer.from('{"imageLayoutVersion": "1.0.0"}'));
    if (Object.keys(repositories).length)
      await entry(pack, { name: 'repositories', type: 'file', mode: 0o644, mtime: epoch }, Buffer.from(JSON.stringify(repositories) + '\n'));
  };
  write().then(
    () => pack.finalize(),
    (e) => pack.destroy(e),
  );
  pipeline(pack as unknown as Readable, out).catch((e) => out.destroy(e));
  return out;
}

function entry(pack: Pack, h: Record<string, unknown>, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) pack.entry(h as any, body, cb);
    else pack.entry(h as any, cb);
  });
}

function streamEntry(pack: Pack, h: Record<string, unknown>, src: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(h as any, (err?: Error | null) => (err ? reject(err) : resolve()));
    pipeline(src, sink as unknown as NodeJS.WritableStream).catch(reject);
  });
}
