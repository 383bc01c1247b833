// docker pull: manifest (through a list/index to the platform's), config, then each layer that is not
// here yet, streamed from the registry through digest verification and decompression into the layer
// store; dockerd's progress messages on the way.
import { shortId } from '../util/ids.ts';
import { Readable, Transform } from 'node:stream';
import crypto from 'node:crypto';
import type { ImageStoreService } from '../images/image-service.ts';
import { chainIds } from '../images/layer-store.ts';
import { parseConfig } from '../images/image-config.ts';
import { familiarName, familiarString, tagNameOnly, type Reference } from '../images/reference.ts';
import { invalidParameter, systemError } from '../errdefs.ts';
import { RegistryClient, registryError, RegistryError } from './client.ts';
import { ACCEPT, isList, selectManifest, platformString, type Manifest, type Platform, type Descriptor } from './manifests.ts';
import type { Progress } from './progress.ts';
import type { BlobSources } from './blob-sources.ts';
import { readAtMost, MAX_MANIFEST_BYTES, MAX_CONFIG_BYTES } from './bounded-body.ts';

export async function fetchManifest(client: RegistryClient, repo: string, ref: string): Promise<{ manifest: Manifest; digest: string; bytes: Buffer; mediaType: string }> {
  const res = await client.fetch('GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: ACCEPT } });
  if (!res.ok) {
    const e = await registryError(res, `manifest for ${repo}:${ref}`);
    if (res.status === 404) throw new RegistryError('not-found', `manifest for ${client.host}/${repo}:${ref} not found: manifest unknown: manifest unknown`, 404);
    if (res.status === 401) throw new RegistryError('not-found', `pull access denied for ${client.host}/${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`, 401);
    throw e;
  }
  const bytes = await readAtMost(res.body, MAX_MANIFEST_BYTES).catch(() => {
    throw systemError(`manifest for ${client.host}/${repo}:${ref} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  });
  const digest = `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
  if (ref.startsWith('sha256:') && ref !== digest) throw systemError(`manifest verification failed for digest ${ref}`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw systemError(`error parsing manifest of ${repo}:${ref}: not JSON`);
  }
  if (!manifest || typeof manifest !== 'object') throw systemError(`error parsing manifest of ${repo}:${ref}`);
  const mediaType = manifest.mediaType ?? res.headers.get('content-type') ?? '';
  return { manifest, digest, bytes, mediaType };
}

/** A blob as a stream that fails unless its bytes hash to the digest (and has the size), and the
 * outcome of that check: the layer store commits only after it, and when unpacking fails first (a
 * corrupt blob is usually not a valid gzip or tar either) the rest is drained and the digest decides
 * which error the user sees. The one sha256 pass over the download is this one. */
async function fetchBlob(client: RegistryClient, repo: string, d: Descriptor, onBytes: (n: number) => void): Promise<{ stream: Readable; verified: Promise<Error | null> }> {
  const got = await client.getStream(`/v2/${repo}/blobs/${d.digest}`);
  if (got.res) throw await registryError(got.res, `blob ${d.digest}`);
  const hash = crypto.createHash('sha256');
  let n = 0;
  const verify = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      n += chunk.length;
      onBytes(n);
      cb(null, chunk);
    },
    flush(cb) {
      const got = `sha256:${hash.digest('hex')}`;
      if (d.size && n !== d.size) return cb(systemError(`unexpected EOF: ${d.digest} is ${n} bytes of ${d.size}`));
      if (got !== d.digest) return cb(systemError(`filesystem layer verification failed for digest ${d.digest}`));
      cb();
    },
  });
  const body = got.body;
  body.on('error', (e) => verify.destroy(systemError(`error pulling ${d.digest}: unexpected EOF (${e.message})`)));
  // (null only once every byte passed the check: the layer store commits nothing before)
  const verified = new Promise<Error | null>((resolve) => {
    verify.once('error', resolve);
    verify.once('end', () => resolve(null));
    verify.once('close', () => resolve(systemError(`error pulling ${d.digest}: the download stopped before its end`)));
  });
  return { stream: body.pipe(verify), verified };
}

/** Docker's default: three layers download at once. */
const PARALLEL_DOWNLOADS = 3;

export async function pull(o: { images: ImageStoreService; client: RegistryClient; ref: Reference; platform: Platform; progress: Progress; sources: BlobSources }): Promise<string> {
  const { images, client, ref, progress } = o;
  const repo = ref.path;
  const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
  // (a Windows image can be listed in an index, but cannot run on this platform)
  if (o.platform.os !== 'linux') throw invalidParameter(`image operating system "${o.platform.os}" cannot be used on this platform: operating system is not supported`);
  // As dockerd: the registry is reached (GET /v2/, which also meets its auth challenge) and the
  // manifest resolved before the first progress message, so that an unreachable registry or a
  // missing tag is the HTTP status of the answer, not an error inside a 200 stream.
  await client.reach();
  let { manifest, digest, mediaType } = await fetchManifest(client, repo, tagOrDigest);
  // (dockerd names the repository path: "library/busybox", "app1" for localhost:5000/app1)
  progress.status(`Pulling from ${ref.path}`, ref.digest ?? tagOrDigest);
  const topDigest = digest;
  if (isList(mediaType) || manifest.manifests) {
    const d = selectManifest(manifest, o.platform);
    ({ manifest, mediaType } = await fetchManifest(client, repo, d.digest));
  }
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw systemError(`unsupported manifest of ${repo}:${tagOrDigest} (${mediaType || 'no media type'})`);
  // The config: verified by digest.
  const cres = await client.fetch('GET', `/v2/${repo}/blobs/${manifest.config.digest}`);
  if (!cres.ok) throw await registryError(cres, `config ${manifest.config.digest}`);
  const configBytes = await readAtMost(cres.body, MAX_CONFIG_BYTES).catch(() => {
    throw systemError(`image config ${manifest.config!.digest} is larger than ${MAX_CONFIG_BYTES} bytes`);
  });
  if (`sha256:${crypto.createHash('sha256').update(configBytes).digest('hex')}` !== manifest.config.digest) throw systemError(`image config verification failed for digest ${manifest.config.digest}`);
  const config = parseConfig(configBytes);
  if ((config.os || 'linux') !== 'linux') throw invalidParameter(`image operating system "${config.os}" cannot be used on this platform: operating system is not supported`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) throw systemError(`the manifest of ${repo}:${tagOrDigest} has ${manifest.layers.length} layers, its config ${diffIds.length}`);
  const chain = chainIds(diffIds);
  const configDigest = `sha256:${crypto.createHash('sha256').update(configBytes).digest('hex')}`;
  const existing = images.images.get(configDigest);
  const missing = manifest.layers.map((_l, i) => !images.layers.get(chain[i]!));
  // The layers that land before the image is recorded are held by a lease, written first: a
  // daemon killed in the middle keeps them for the retried pull, which finds them "Already
  // exists" (as dockerd's); a pull that fails gives them back at once.
  const leaseId = `pull:${configDigest}`;
  let done = false;
  for (const [i, l] of manifest.layers.entries()) progress.layer(shortId(l.digest), missing[i] ? 'Pulling fs layer' : 'Already exists');
  const pinned: string[] = [];
  // Layers download and unpack in parallel (each streamed straight into its own directory), but
  // each is recorded only after its parent: committed[i] settles once layer i is in the store.
  const committed = manifest.layers.map(() => {
    let settle!: (ok: boolean) => void;
    const p = new Promise<boolean>((r) => (settle = r));
    return { p, settle };
  });
  const aborts: Array<() => void> = [];
  let failed: Error | undefined;
  const fetchLayer = async (i: number): Promise<void> => {
    const l = manifest.layers[i]!;
    const id = shortId(l.digest);
    const parent = i > 0 ? chain[i - 1] : undefined;
    if (!missing[i]) {
      if (i > 0 && !(await committed[i - 1]!.p)) throw failed!;
      images.layers.pin(chain[i]!);
      pinned.push(chain[i]!);
      o.sources.remember(diffIds[i]!, l, `${client.host}/${repo}`);
      return;
    }
    if (l.urls?.length) throw invalidParameter(`foreign layers are not supported: ${l.digest}`);
    if (failed) throw failed;
    const blob = await fetchBlob(client, repo, l, (n) => progress.layer(id, 'Downloading', { current: n, total: l.size }));
    aborts.push(() => blob.stream.destroy(failed));
    let rec;
    try {
      rec = await images.layers.register(blob.stream, parent, {
        storeBlob: true,
        blob: { digest: l.digest, size: l.size, mediaType: l.mediaType },
        expectedDiffId: diffIds[i],
        verified: blob.verified,
        beforeCommit: async () => {
          if (i > 0 && !(await committed[i - 1]!.p)) throw failed!;
        },
      });
    } catch (e) {
      const bad = await Promise.race([blob.verified, new Promise<null>((r) => setTimeout(() => r(null), 5000).unref())]);
      throw bad ?? e;
    }
    pinned.push(rec.chainId);
    progress.layer(id, 'Verifying Checksum');
    progress.layer(id, 'Download complete');
    progress.layer(id, 'Extracting', { current: l.size, total: l.size });
    progress.layer(id, 'Pull complete');
    o.sources.remember(diffIds[i]!, l, `${client.host}/${repo}`);
  };
  if (missing.some(Boolean)) images.lease(leaseId, chain, { image: configDigest });
  try {
    let next = 0;
    const worker = async () => {
      while (next < manifest.layers.length) {
        const i = next++;
        try {
          await fetchLayer(i);
          committed[i]!.settle(true);
        } catch (e) {
          failed ??= e as Error;
          committed[i]!.settle(false);
          for (const a of aborts) a();
          return;
        }
      }
    };
    // waiting layers say so, as dockerd's do
    manifest.layers.forEach((l, i) => missing[i] && i >= PARALLEL_DOWNLOADS && progress.layer(shortId(l.digest), 'Waiting'));
    await Promise.all(Array.from({ length: Math.min(PARALLEL_DOWNLOADS, manifest.layers.length) }, worker));
    if (failed) throw failed;
    const named = { domain: ref.domain, path: ref.path };
    // as dockerd: "up to date" only when nothing was downloaded and the name already meant this image
    const before = images.images.lookupRef(ref.digest ? { ...named, digest: ref.digest } : tagNameOnly({ ...named, tag: ref.tag }));
    const rec = images.createImage(configBytes);
    images.images.setRef({ ...named, digest: topDigest }, rec.id);
    if (!ref.digest) images.tag(rec.id, tagNameOnly({ ...named, tag: ref.tag }));
    progress.status(`Digest: ${topDigest}`);
    const name = familiarString(ref.digest ? { ...named, digest: ref.digest } : tagNameOnly(ref));
    progress.status(existing && before === rec.id && !missing.some(Boolean) ? `Status: Image is up to date for ${name}` : `Status: Downloaded newer image for ${name}`);
    void platformString;
    done = true;
    return rec.id;
  } finally {
    for (const c of pinned) images.layers.unpin(c);
    if (missing.some(Boolean)) {
      images.endLease(leaseId);
      if (!done) images.releaseLayers(chain);
    }
  }
}
