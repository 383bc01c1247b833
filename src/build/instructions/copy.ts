// COPY and ADD: sources from the context, another stage or image (--from), heredocs, or (ADD) http(s)
// URLs, written into a container from the stage's image and committed as a layer. --parents keeps the
// sources' paths, --exclude leaves files out, --chown/--chmod set owner and mode, --link is accepted as
// BuildKit does (the same files; Berth does not rebase layers). ADD unpacks local tar archives.
import fs from 'node:fs';
import path from 'node:path';
import type { Builder, StageState } from '../builder.ts';
import { BuildError } from '../builder.ts';
import type { Instruction } from '../dockerfile.ts';
import { heredocBody } from '../heredoc.ts';
import { substitute, words, jsonArgs } from '../vars.ts';
import { resolveSources, checksum } from '../context.ts';
import { run } from '../../util/exec.ts';
import { secureJoin } from '../../platform/linux/securejoin.ts';
import { invalidParameter } from '../../errdefs.ts';
import { log } from '../../util/log.ts';
import { newContainer } from './run.ts';
import { fetchUrl, isGitSource, isUrl } from './add-url.ts';
import { excluder } from './exclude.ts';
import { spawn } from 'node:child_process';
import { extractTar } from '../../images/tar-extract.ts';
import { decompress, detectCompression } from '../../images/compression.ts';

/**
 * ADD of a local tar: unpacked as dockerd's chrootarchive does, into `target` as if it were the
 * root (`../` entries land inside it, symlinks in the archive resolve inside it), owners kept.
 * GNU tar refused such archives with its own error text and wrote every file as root.
 */
async function extractLocalTar(file: string, target: string): Promise<void> {
  const head = Buffer.alloc(6);
  const fd = fs.openSync(file, 'r');
  const n = fs.readSync(fd, head, 0, 6, 0);
  fs.closeSync(fd);
  const kind = detectCompression(head.subarray(0, n));
  // (bzip2 and xz, which layers never use, through the system's tools)
  const raw = kind === 'bzip2' || kind === 'xz' ? spawn(kind, ['-dc', file], { stdio: ['ignore', 'pipe', 'ignore'] }).stdout! : fs.createReadStream(file);
  const { stream } = await decompress(raw);
  try {
    await extractTar(stream, { dest: target, root: target, chrooted: true });
  } catch (e) {
    throw new BuildError(`failed to extract ${path.basename(file)}: ${(e as Error).message}`);
  }
}

interface Source {
  /** the file or directory on this machine */
  abs: string;
  /** its path under the destination with --parents (else just the base name) */
  rel: string;
  /** a URL download: never unpacked, mode 0600 */
  url?: boolean;
}

export async function copyStep(b: Builder, st: StageState, ins: Instruction, sub: (s: string) => string, escape: string): Promise<void> {
  const isAdd = ins.keyword === 'ADD';
  const parts = jsonArgs(ins.args) ?? words(sub(ins.args), escape);
  if (parts.length < 2) throw invalidParameter(`${ins.keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  const dest = parts[parts.length - 1]!;
  const srcs = parts.slice(0, -1);
  // --chown/--chmod/--from take variables, as BuildKit expands them
  const flags: Record<string, string> = { ...ins.flags };
  for (const k of ['chown', 'chmod', 'from'] as const) if (flags[k] !== undefined) flags[k] = sub(flags[k]);
  const parents = flags.parents === 'true';
  const excluded = excluder(ins.lists.exclude ?? []);
  if (flags.checksum && !(isAdd && srcs.every(isUrl))) throw new BuildError(`checksum can't be specified for non-HTTP(S) sources`);
  if (flags.checksum && !/^sha256:[0-9a-f]{64}$/.test(flags.checksum)) throw new BuildError(`invalid checksum digest format: ${flags.checksum}`);
  const cleanups: (() => Promise<unknown> | void)[] = [];
  let scratch: string | undefined;
  const tmp = () => {
    if (!scratch) {
      fs.mkdirSync(b.deps.tmp, { recursive: true });
      const d = (scratch = fs.mkdtempSync(path.join(b.deps.tmp, 'copy-')));
      cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
    }
    return fs.mkdtempSync(path.join(scratch, 's-'));
  };
  try {
    let root = b.contextDir;
    const from = flags.from;
    if (from) {
      const img = await b.resolveFrom(from);
      const id = await newContainer(b, { ...st, image: img }, ['true']);
      cleanups.push(() => b.deps.containers.remove(id, { force: true }).catch((e) => log.warn(`build: removing intermediate container ${id}: ${e.message}`)));
      root = await b.deps.containers.rootfs(id);
    }
    const what = from ? 'source image' : 'build context';
    const hidden = from ? new Set<string>() : b.hidden;
    const exclude = (rel: string) => excluded(rel) || hidden.has(rel);
    const filtering = !!ins.lists.exclude?.length || hidden.size > 0;
    const sources: Source[] = [];
    let heredocIndex = 0;
    let lastModified: Date | undefined;
    for (const s of srcs) {
      const hd = /^\d*<<-?(.+)$/.exec(s);
      if (hd && ins.heredocs[heredocIndex]?.name === hd[1]) {
        const h = ins.heredocs[heredocIndex++]!;
        const body = heredocBody(h);
        const file = path.join(tmp(), h.name);
        fs.writeFileSync(file, h.expand ? substitute(body, b.vars(st), escape) : body, { mode: 0o644 });
        fs.chmodSync(file, 0o644);
        sources.push({ abs: file, rel: h.name });
        continue;
      }
      if (isAdd && isGitSource(s)) throw new BuildError(`ADD of a git repository (${s}) is not supported by this daemon: it has no git client`);
      if (isAdd && isUrl(s)) {
        const got = await fetchUrl(s, tmp(), flags.checksum);
        lastModified = got.lastModified;
        sources.push({ abs: got.file, rel: path.basename(got.file), url: true });
        continue;
      }
      if (!isAdd && isUrl(s)) throw new BuildError('source can\'t be a URL for COPY');
      // --parents: the path after a "/./" pivot (or the whole path) is kept under the destination
      const pivot = s.indexOf('/./');
      const keepFrom = pivot >= 0 ? s.slice(0, pivot + 1).replace(/^\/+/, '') : '';
      for (const abs of resolveSources(root, s, what)) {
        const relToRoot = path.relative(fs.realpathSync(root), abs);
        if (exclude(relToRoot)) continue;
        sources.push({ abs, rel: parents ? path.relative(keepFrom, relToRoot) || path.basename(abs) : path.basename(abs) });
      }
    }
    if (!sources.length) throw new BuildError(`${ins.keyword} failed: no source files were specified`);
    const sum = checksum(sources.map((s) => s.abs));
    const kind = sources.length === 1 && fs.statSync(sources[0]!.abs).isDirectory() ? 'dir' : 'file';
    const key = b.cacheKey(st, [ins.keyword, flags, ins.lists, dest, sum, st.config.WorkingDir, parents ? sources.map((s) => s.rel) : undefined, lastModified?.getTime()]);
    const hit = b.cached(key);
    if (hit) return b.useImage(st, hit, key, true);
    const id = await newContainer(b, st, ['true']);
    try {
      const rootfs = await b.deps.containers.rootfs(id);
      const destPath = path.posix.resolve(st.config.WorkingDir || '/', dest);
      const target = secureJoin(rootfs, destPath);
      const isDir = fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() ?? false;
      const toDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.') || isDir || sources.length > 1 || srcs.some((s) => /[*?[]/.test(s)) || parents;
      for (const src of sources) {
        const stat = fs.statSync(src.abs);
        if (isAdd && !src.url && stat.isFile() && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/.test(src.abs)) {
          fs.mkdirSync(target, { recursive: true });
          await extractLocalTar(src.abs, target);
          continue;
        }
        if (stat.isDirectory()) {
          const to = parents ? secureJoin(target, src.rel) : target;
          fs.mkdirSync(to, { recursive: true });
          if (filtering) copyFiltered(src.abs, to, (rel) => exclude(path.join(path.relative(fs.realpathSync(root), src.abs), rel)));
          else await run('cp', ['-a', '--no-preserve=ownership', '--', `${src.abs}/.`, `${to}/`]);
          if (flags.chown || flags.chmod) await own(rootfs, to, flags, true);
        } else {
          const to = toDir ? secureJoin(target, parents ? src.rel : path.basename(src.abs)) : target;
          fs.mkdirSync(path.dirname(to), { recursive: true });
          await run('cp', ['-a', '--no-preserve=ownership', '--', src.abs, to]);
          await own(rootfs, to, flags, false);
        }
      }
      const img = await b.deps.images.commit({ config: st.config, containerId: id, parentImageId: st.image.id, containerConfig: { ...st.config, Cmd: ['/bin/sh', '-c', `#(nop) ${ins.keyword} ${kind}:${sum} in ${dest} `] } });
      b.useImage(st, img, key, false);
    } finally {
      await b.deps.containers.remove(id, { force: true }).catch((e) => log.warn(`build: removing intermediate container ${id}: ${e.message}`));
    }
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

/** Copy a directory's contents, leaving out what `skip` names (paths relative to `from`). */
function copyFiltered(from: string, to: string, skip: (rel: string) => boolean): void {
  fs.cpSync(from, to, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true, filter: (s) => s === from || !skip(path.relative(from, s)) });
}

/** --chown / --chmod (numeric ids, or names from the image's passwd/group). */
async function own(rootfs: string, p: string, flags: Record<string, string>, recursive: boolean): Promise<void> {
  const r = recursive ? ['-R'] : [];
  if (flags.chown) {
    const [u, g] = flags.chown.split(':');
    const uid = lookupId(rootfs, '/etc/passwd', u!);
    const gid = g ? lookupId(rootfs, '/etc/group', g) : uid;
    await run('chown', [...r, '-h', `${uid}:${gid}`, p]);
  }
  if (flags.chmod) {
    if (!/^[0-7]{3,4}$/.test(flags.chmod)) throw invalidParameter(`invalid chmod parameter: ${flags.chmod}`);
    await run('chmod', [...r, flags.chmod, p]);
  }
}

function lookupId(rootfs: string, file: string, name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  let text = '';
  try {
    text = fs.readFileSync(secureJoin(rootfs, file), 'utf8');
  } catch {
    // no such file in the image: the name is not found, reported below
  }
  const line = text.split('\n').find((l) => l.split(':')[0] === name);
  if (!line) throw invalidParameter(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${name}`);
  return Number(line.split(':')[2]);
}
