// Puts an image straight into a registry over the distribution API (blobs, then a schema 2 manifest),
// so that a test can pull it with any client (berthd, containerd's CRI) without another daemon pushing.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { tarBuffer, busyboxEntries, DEFAULT_PATH, EPOCH, type TarEntry } from './images.ts';

const sha256 = (b: Buffer | string) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

export interface PushedImage {
  /** the image id (digest of the config) */
  id: string;
  /** the manifest's digest */
  digest: string;
}

export interface PushOptions {
  layers?: TarEntry[][];
  user?: string;
  cmd?: string[];
  /** basic auth */
  auth?: { username: string; password: string };
  /** varies the config (and so the id) between otherwise equal images */
  marker?: string;
}

export async function pushImage(host: string, repo: string, tag: string, o: PushOptions = {}): Promise<PushedImage> {
  const headers: Record<string, string> = o.auth ? { Authorization: `Basic ${Buffer.from(`${o.auth.username}:${o.auth.password}`).toString('base64')}` } : {};
  const tars = await Promise.all((o.layers ?? [busyboxEntries()]).map((l) => tarBuffer(l)));
  const gz = tars.map((t) => zlib.gzipSync(t));
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      created: EPOCH.toISOString(),
      config: { Env: [DEFAULT_PATH], Cmd: o.cmd ?? ['sh'], ...(o.user ? { User: o.user } : {}), ...(o.marker ? { Labels: { marker: o.marker } } : {}) },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
      history: tars.map(() => ({ created: EPOCH.toISOString(), created_by: 'berth test' })),
    }),
  );
  const put = async (data: Buffer) => {
    const digest = sha256(data);
    const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
    if (start.status !== 202) throw new Error(`blob upload: ${start.status} ${await start.text()}`);
    const loc = new URL(start.headers.get('location')!, `http://${host}`);
    loc.searchParams.set('digest', digest);
    const r = await fetch(loc, { method: 'PUT', body: new Uint8Array(data), headers: { ...headers, 'Content-Type': 'application/octet-stream' } });
    if (r.status !== 201) throw new Error(`blob put: ${r.status} ${await r.text()}`);
    return digest;
  };
  const configDigest = await put(config);
  const layers = [];
  for (const g of gz) layers.push({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: g.length, digest: await put(g) });
  const type = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: type, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest }, layers }));
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: new Uint8Array(manifest), headers: { ...headers, 'Content-Type': type } });
  if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${await r.text()}`);
  return { id: configDigest, digest: sha256(manifest) };
}
