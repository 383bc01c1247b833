// docker push: each layer blob the registry lacks is mounted from another repository of the same registry
// when one is known to hold it, else uploaded (HEAD first: nothing is sent twice); then the config and an
// OCI manifest, whose digest is reported as dockerd does.
import { shortId } from '../util/ids.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ImageStoreService } from '../images/image-service.ts';
import type { LayerRecord } from '../images/layer-store.ts';
import { familiarName, fullName, tagNameOnly, type Reference } from '../images/reference.ts';
import { notFound, systemError } from '../errdefs.ts';
import { RegistryClient, registryError } from './client.ts';
import { MT, type Descriptor } from './manifests.ts';
import type { Progress } from './progress.ts';
import type { BlobSources } from './blob-sources.ts';

async function blobExists(client: RegistryClient, repo: string, digest: string): Promise<boolean> {
  const res = await client.fetch('HEAD', `/v2/${repo}/blobs/${digest}`);
  return res.status === 200;
}

function withDigest(location: string, digest: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/** Blobs up to this size go in one PUT (monolithic); bigger ones in PATCH chunks of this size, each
 * acknowledged before the next, so a failed push never resends what the registry already took. */
export const CHUNK_SIZE = 16 * 1024 * 1024;

type Body = (range?: { start: number; end: number }) => NodeJS.ReadableStream | Buffer;

async function startUpload(client: RegistryClient, repo: string, d: Descriptor): Promise<string> {
  const start = await client.fetch('POST', `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) throw await registryError(start, `upload of ${d.digest}`);
  await start.arrayBuffer().catch(() => {}); // drained only to free the connection; the status said what happened
  return start.headers.get('location') ?? '';
}

async function upload(client: RegistryClient, repo: string, d: Descriptor, body: Body, location?: string): Promise<void> {
  location ??= await startUpload(client, repo, d);
  if (d.size > CHUNK_SIZE) {
    for (let start = 0; start < d.size; start += CHUNK_SIZE) {
      const end = Math.min(d.size, start + CHUNK_SIZE) - 1;
      const res = await client.fetch('PATCH', location, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - start + 1), 'Content-Range': `${start}-${end}` },
        body: body({ start, end }) as never,
      });
      if (res.status !== 202) throw await registryError(res, `upload of ${d.digest} (bytes ${start}-${end})`);
      await res.arrayBuffer().catch(() => {}); // drained only to free the connection; the status said what happened
      location = res.headers.get('location') ?? location;
    }
    const done = await client.fetch('PUT', withDigest(location, d.digest), { headers: { 'Content-Length': '0' } });
    if (done.status !== 201) throw await registryError(done, `upload of ${d.digest}`);
    await done.arrayBuffer().catch(() => {}); // drained only to free the connection; the status said what happened
    return;
  }
  const res = await client.fetch('PUT', withDigest(location, d.digest), {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(d.size) },
    body: body() as never,
  });
  if (res.status !== 201) throw await registryError(res, `upload of ${d.digest}`);
  await res.arrayBuffer().catch(() => {}); // drained only to free the connection; the status said what happened
}

export async function push(o: { images: ImageStoreService; client: RegistryClient; ref: Reference; progress: Progress; sources: BlobSources }): Promise<{ digest: string; size: number }> {
  const { images, client, progress } = o;
  const ref = tagNameOnly(o.ref);
  const id = images.images.lookupRef(ref);
  if (!id) throw notFound(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  const rec = images.images.get(id)!;
  const configBytes = images.images.configBytes(id);
  const repo = ref.path;
  const host = client.host;
  progress.status(`The push refers to repository [${fullName(ref).replace(/^docker\.io\//, 'docker.io/')}]`);
  const layers: LayerRecord[] = images.images.chain(rec).map((c) => images.layers.get(c)!);
  for (const l of [...layers].reverse()) progress.layer(shortId(l.diffId), 'Preparing');
  await client.ping();
  const descs: Descriptor[] = [];
  for (const l of layers) {
    const pid = shortId(l.diffId);
    if (!l.blob) throw systemError(`layer ${l.diffId} has no stored blob to push`);
    const d: Descriptor = { mediaType: l.blob.mediaType, digest: l.blob.digest, size: l.blob.size };
    descs.push(d);
    if (await blobExists(client, repo, d.digest)) {
      progress.layer(pid, 'Layer already exists');
    } else {
      const from = o.sources.get(l.diffId)?.repos.filter((r) => r.startsWith(`${host}/`) && r !== `${host}/${repo}`)[0];
      let location: string | undefined;
      if (from) {
        const fromRepo = from.slice(host.length + 1);
        const m = await client.fetch('POST', `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(fromRepo)}`);
        await m.arrayBuffer().catch(() => {}); // drained only to free the connection; the status says what happened
        if (m.status === 201) {
          progress.layer(pid, `Mounted from ${fromRepo.replace(/^library\//, '')}`);
          o.sources.remember(l.diffId, d, `${host}/${repo}`);
          continue;
        }
        if (m.status === 202) location = m.headers.get('location') ?? undefined;
      }
      let sent = 0;
      await upload(client, repo, d, (range) => {
        const s = range ? fs.createReadStream(images.content.path(d.digest), range) : images.content.readStream(d.digest);
        s.on('data', (c: Buffer) => {
          sent += c.length;
          progress.layer(pid, 'Pushing', { current: sent, total: d.size });
        });
        return s;
      }, location);
      progress.layer(pid, 'Pushed');
    }
    o.sources.remember(l.diffId, d, `${host}/${repo}`);
  }
  const config: Descriptor = { mediaType: MT.ociConfig, digest: rec.id, size: configBytes.length };
  if (!(await blobExists(client, repo, config.digest))) await upload(client, repo, config, () => configBytes);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers: descs }));
  const digest = `sha256:${crypto.createHash('sha256').update(manifest).digest('hex')}`;
  const res = await client.fetch('PUT', `/v2/${repo}/manifests/${ref.tag}`, { headers: { 'Content-Type': MT.ociManifest }, body: manifest });
  if (res.status !== 201) throw await registryError(res, `manifest of ${repo}:${ref.tag}`);
  await res.arrayBuffer().catch(() => {}); // drained only to free the connection; the status said what happened
  images.images.setRef({ domain: ref.domain, path: ref.path, digest }, id);
  progress.status(`${ref.tag}: digest: ${digest} size: ${manifest.length}`);
  progress.aux({ Tag: ref.tag, Digest: digest, Size: manifest.length });
  return { digest, size: manifest.length };
}
