// Test images made without a registry: a busybox root filesystem, as a directory, as a flat tar
// for `docker import`, and as a `docker save` archive for `docker load` (berthd and real dockerd).
//
// Everything is deterministic (fixed mtimes, sorted entries), so the same archive gets the same
// image ID in every daemon, and outputs are cached in one temporary directory per process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export const BUSYBOX = process.env.BERTH_TEST_BUSYBOX ?? '/bin/busybox';
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The fixed time stamped on every entry and in image configs. */
export const EPOCH = new Date('2024-01-01T00:00:00Z');

/** One entry of a tar archive, described in memory. */
export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';
  mode?: number;
  uid?: number;
  gid?: number;
  /** file content */
  content?: Buffer | string;
  /** symlink target, or hard link target (an entry name) */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  mtime?: Date;
}

const PASSWD = ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/home:/bin/false', ''].join('\n');
const GROUP = ['root:x:0:', 'nogroup:x:65534:', ''].join('\n');

let appletCache: string[] | undefined;
/** The applets of the host's busybox, without `busybox` itself. */
export function busyboxApplets(): string[] {
  appletCache ??= execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => a && a !== 'busybox' && !a.includes('/'));
  return appletCache;
}

/** The busybox root filesystem as a list of tar entries (directories first, sorted). */
export function busyboxEntries(): TarEntry[] {
  const dirs: TarEntry[] = ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sys', 'usr', 'usr/bin', 'var', 'var/tmp'].map((d) => ({
    name: d,
    type: 'directory',
    mode: 0o755,
  }));
  dirs.push({ name: 'tmp', type: 'directory', mode: 0o1777 });
  dirs.find((d) => d.name === 'root')!.mode = 0o700;
  dirs.find((d) => d.name === 'var/tmp')!.mode = 0o1777;
  const files: TarEntry[] = [
    { name: 'bin/busybox', type: 'file', mode: 0o755, content: fs.readFileSync(BUSYBOX) },
    { name: 'etc/passwd', type: 'file', mode: 0o644, content: PASSWD },
    { name: 'etc/group', type: 'file', mode: 0o644, content: GROUP },
  ];
  const links: TarEntry[] = busyboxApplets().map((a) => ({ name: `bin/${a}`, type: 'symlink', mode: 0o777, linkname: 'busybox' }));
  return [...dirs, ...files, ...links];
}

/** Writes the busybox root filesystem into `dir` (created if needed). Returns `dir`. */
export function busyboxRootfs(dir: string): string {
  writeEntries(dir, busyboxEntries());
  return dir;
}

/** Materialises tar entries on disk below `dir` (for well-behaved entries only). */
export function writeEntries(dir: string, entries: TarEntry[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (!p.startsWith(path.resolve(dir) + path.sep)) throw new Error(`entry escapes ${dir}: ${e.name}`);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    switch (e.type ?? 'file') {
      case 'directory':
        fs.mkdirSync(p, { recursive: true });
        fs.chmodSync(p, e.mode ?? 0o755);
        break;
      case 'symlink':
        fs.rmSync(p, { force: true });
        fs.symlinkSync(e.linkname!, p);
        break;
      case 'link':
        fs.rmSync(p, { force: true });
        fs.linkSync(path.join(dir, e.linkname!), p);
        break;
      case 'file':
        fs.writeFileSync(p, e.content ?? '');
        fs.chmodSync(p, e.mode ?? 0o644);
        break;
      default:
        throw new Error(`writeEntries: unsupported type ${e.type}`);
    }
  }
}

/** Serialises entries into an uncompressed tar (in memory). Names are written verbatim, so
 * hostile archives (`../x`, `/abs`, absolute symlinks) can be made on purpose. */
export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    const header: Partial<tar.Header> & { name: string } = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      uname: '',
      gname: '',
      mtime: e.mtime ?? EPOCH,
    };
    if (e.linkname !== undefined) header.linkname = e.linkname;
    if (e.devmajor !== undefined) header.devmajor = e.devmajor;
    if (e.devminor !== undefined) header.devminor = e.devminor;
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry({ ...header, size: content?.length ?? 0 }, content ?? Buffer.alloc(0), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Lists the entries of a tar file (names and types; contents of small files). */
export async function readTar(file: string, opts: { contentsUpTo?: number } = {}): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    const bufs: Buffer[] = [];
    stream.on('data', (b: unknown) => {
      if ((opts.contentsUpTo ?? 64 * 1024) >= (h.size ?? 0)) bufs.push(b as Buffer);
    });
    stream.on('end', () => {
      out.push({
        name: h.name,
        type: (h.type ?? 'file') as TarEntry['type'],
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        linkname: h.linkname ?? undefined,
        content: bufs.length ? Buffer.concat(bufs) : undefined,
      });
      next();
    });
    stream.resume();
  });
  await pipeline(fs.createReadStream(file), ex);
  return out;
}

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Cache: one temp dir per process, removed at exit.

let cacheDir: string | undefined;
export function testCacheDir(): string {
  if (!cacheDir) {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-img-'));
    const dir = cacheDir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return cacheDir;
}

const memo = new Map<string, Promise<string>>();
function cached(key: string, make: (file: string) => Promise<void>): Promise<string> {
  let p = memo.get(key);
  if (!p) {
    const file = path.join(testCacheDir(), key);
    p = make(file).then(() => file);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

async function copyOut(src: string, dest?: string): Promise<string> {
  if (!dest) return src;
  await fs.promises.mkdir(path.dirname(path.resolve(dest)), { recursive: true });
  await fs.promises.copyFile(src, dest);
  return dest;
}

/** A flat busybox rootfs tar, for `docker import`. Written to `dest` if given; else the cached
 * copy's path is returned (don't modify it). */
export async function busyboxImportTar(dest?: string): Promise<string> {
  const file = await cached('busybox-rootfs.tar', async (f) => fs.promises.writeFile(f, await tarBuffer(busyboxEntries())));
  return copyOut(file, dest);
}

// ---------------------------------------------------------------------------------------------
// docker save archives

export interface ImageConfigOptions {
  cmd?: string[];
  entrypoint?: string[] | null;
  env?: string[];
  workingDir?: string;
  user?: string;
  labels?: Record<string, string>;
  exposedPorts?: string[];
  architecture?: string;
  os?: string;
  /** history comments, one per layer */
  comments?: string[];
}

export interface DockerArchiveOptions extends ImageConfigOptions {
  /** repo:tag names recorded in manifest.json and repositories; none for an untagged image */
  tags?: string[];
  /** layers, bottom first, each a list of entries (or a ready tar buffer) */
  layers: Array<TarEntry[] | Buffer>;
  /** override manifest.json wholesale (for hostile archives) */
  manifest?: unknown;
  /** extra raw files put into the outer archive */
  extraFiles?: TarEntry[];
}

export interface BuiltArchive {
  file: string;
  /** sha256:… of the config: the image ID */
  id: string;
  /** sha256:… of each uncompressed layer */
  diffIds: string[];
  config: Record<string, unknown>;
}

function imageConfig(o: ImageConfigOptions, diffIds: string[]): Record<string, unknown> {
  const arch = o.architecture ?? (process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch);
  const config: Record<string, unknown> = {
    Env: o.env ?? [DEFAULT_PATH],
    Cmd: o.cmd ?? ['sh'],
  };
  if (o.entrypoint) config.Entrypoint = o.entrypoint;
  if (o.workingDir) config.WorkingDir = o.workingDir;
  if (o.user) config.User = o.user;
  if (o.labels) config.Labels = o.labels;
  if (o.exposedPorts) config.ExposedPorts = Object.fromEntries(o.exposedPorts.map((p) => [p, {}]));
  return {
    architecture: arch,
    os: o.os ?? 'linux',
    created: EPOCH.toISOString(),
    config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({
      created: EPOCH.toISOString(),
      created_by: o.comments?.[i] ?? `berth test layer ${i}`,
      comment: 'berth test image',
    })),
  };
}

/** Builds a `docker save` archive (the classic format both docker 20.10 and 28 load:
 * manifest.json, <config>.json, <layer id>/layer.tar + VERSION + json, repositories). */
export async function dockerArchive(dest: string, o: DockerArchiveOptions): Promise<BuiltArchive> {
  const layerTars = await Promise.all(o.layers.map((l) => (Buffer.isBuffer(l) ? l : tarBuffer(l))));
  const diffIds = layerTars.map((t) => `sha256:${sha256(t)}`);
  const config = imageConfig(o, diffIds);
  const configJson = JSON.stringify(config);
  const configHex = sha256(configJson);
  const entries: TarEntry[] = [];
  const layerPaths: string[] = [];
  let parent = '';
  layerTars.forEach((t, i) => {
    // v1 layer IDs: any stable 64-hex name, chained like docker's.
    const v1 = sha256(`${parent}\n${diffIds[i]}\n${i === layerTars.length - 1 ? configHex : ''}`);
    entries.push({ name: `${v1}/`, type: 'directory' });
    entries.push({ name: `${v1}/VERSION`, content: '1.0' });
    const v1json: Record<string, unknown> = { id: v1, created: EPOCH.toISOString(), os: 'linux', container_config: {} };
    if (parent) v1json.parent = parent;
    entries.push({ name: `${v1}/json`, content: JSON.stringify(v1json) });
    entries.push({ name: `${v1}/layer.tar`, content: t });
    layerPaths.push(`${v1}/layer.tar`);
    parent = v1;
  });
  entries.push({ name: `${configHex}.json`, content: configJson });
  const tags = o.tags ?? [];
  const manifest = o.manifest ?? [{ Config: `${configHex}.json`, RepoTags: tags.length ? tags : null, Layers: layerPaths }];
  entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  if (tags.length && parent) {
    const repos: Record<string, Record<string, string>> = {};
    for (const t of tags) {
      const { repo, tag } = splitTag(t);
      (repos[repo] ??= {})[tag] = parent;
    }
    entries.push({ name: 'repositories', content: JSON.stringify(repos) });
  }
  entries.push(...(o.extraFiles ?? []));
  await fs.promises.mkdir(path.dirname(path.resolve(dest)), { recursive: true });
  await fs.promises.writeFile(dest, await tarBuffer(entries));
  return { file: dest, id: `sha256:${configHex}`, diffIds, config };
}

export function splitTag(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/** The default test image name. Not `busybox:latest`, so a machine's own busybox is never mixed up. */
export const TEST_IMAGE = 'berth-test/busybox:latest';

/** A `docker save` archive of the busybox image, tagged `tag` (default TEST_IMAGE), with
 * Cmd ["sh"] and Env PATH. Written to `dest` if given, else cached; returns the file and the image ID. */
export async function busyboxDockerArchive(dest?: string, tag: string = TEST_IMAGE): Promise<BuiltArchive> {
  let p = archiveMemo.get(tag);
  if (!p) {
    const file = path.join(testCacheDir(), `busybox-${sha256(tag).slice(0, 12)}.docker.tar`);
    p = dockerArchive(file, { tags: [tag], layers: [busyboxEntries()], comments: ['busybox from the host'] });
    archiveMemo.set(tag, p);
    p.catch(() => archiveMemo.delete(tag));
  }
  const built = await p;
  return { ...built, file: await copyOut(built.file, dest) };
}
const archiveMemo = new Map<string, Promise<BuiltArchive>>();

/** Reads back the image ID and diff IDs of a docker-archive made by dockerArchive(). */
export async function describeArchive(file: string): Promise<BuiltArchive> {
  const entries = await readTar(file, { contentsUpTo: 1 << 20 });
  const manifest = JSON.parse(String(entries.find((e) => e.name === 'manifest.json')!.content));
  const cfgName: string = manifest[0].Config;
  const cfg = entries.find((e) => e.name === cfgName)!.content!;
  const config = JSON.parse(String(cfg));
  return { file, id: `sha256:${sha256(cfg)}`, diffIds: config.rootfs.diff_ids, config };
}
