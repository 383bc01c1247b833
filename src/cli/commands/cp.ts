// docker cp: between a container and the local filesystem (or stdin/stdout as a tar stream)
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StatusError, type CommandDef } from '../cli.ts';
import { humanSize } from '../units.ts';

function splitCpArg(arg: string): { container: string; path: string } {
  if (path.isAbsolute(arg) || arg.startsWith('.')) return { container: '', path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { container: '', path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** Go's os.ModeSymlink in a path stat's mode. */
const GO_MODE_SYMLINK = 1 << 27;

/** Extract a tar stream into dst following docker's CopyTo rules (copy into a dir, or rename). */
async function extractTo(tarStream: NodeJS.ReadableStream, srcBase: string, srcIsDir: boolean, dst: string, followLink: boolean, rebase?: string): Promise<number> {
  const tar = await import('tar-stream');
  let dstIsDir = false;
  let dstExists = false;
  try {
    const st = followLink ? fs.statSync(dst) : fs.lstatSync(dst);
    dstExists = true;
    dstIsDir = st.isDirectory();
  } catch {
    // does not exist
  }
  if (!dstExists && (dst.endsWith('/') || dst.endsWith('/.'))) {
    if (!fs.existsSync(path.dirname(dst))) throw new Error(`destination directory "${dst}" must exist`);
    throw new Error(`no such directory: ${dst}`);
  }
  if (dstExists && !dstIsDir && srcIsDir) throw new Error(`cannot copy a directory to a file: ${dst}`);
  // Where the archive's top entry lands, and under which name.
  let root: string;
  let rename: string | null = null;
  if (dstExists && dstIsDir) {
    root = dst;
    if (rebase !== undefined) rename = rebase;
  } else {
    root = path.dirname(dst);
    rename = path.basename(dst);
  }
  let total = 0;
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      let name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
      if (rename !== null) {
        const parts = name.split('/');
        if (parts[0] === srcBase || parts.length === 1) parts[0] = rename;
        name = parts.join('/');
      }
      const target = path.join(root, name);
      const fail = (e: unknown) => reject(e);
      const mode = header.mode ?? 0o644;
      try {
        if (header.type === 'directory') {
          fs.mkdirSync(target, { recursive: true, mode });
          stream.resume();
          stream.on('end', next);
        } else if (header.type === 'symlink') {
          fs.rmSync(target, { force: true });
          fs.symlinkSync(header.linkname!, target);
          stream.resume();
          stream.on('end', next);
        } else if (header.type === 'link') {
          fs.rmSync(target, { force: true });
          fs.linkSync(path.join(root, header.linkname!), target);
          stream.resume();
          stream.on('end', next);
        } else if (header.type === 'file' || header.type === 'contiguous-file') {
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const out = fs.createWriteStream(target, { mode });
          stream.on('data', (c: unknown) => void (total += (c as Buffer).length));
          stream.pipe(out);
          out.on('finish', () => {
            if (header.mtime) fs.utimesSync(target, header.mtime, header.mtime);
            next();
          });
          out.on('error', fail);
        } else {
          stream.resume();
          stream.on('end', next);
        }
      } catch (e) {
        fail(e);
      }
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  (tarStream as NodeJS.ReadableStream).pipe(ex);
  await done;
  return total;
}

/** Builds a tar of a local path, its top entry named `name`. */
async function packLocal(src: string, name: string, followLink: boolean): Promise<{ stream: NodeJS.ReadableStream; size: () => number }> {
  const tar = await import('tar-stream');
  const pack = tar.pack();
  let size = 0;
  const add = (abs: string, rel: string, top: boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const st = top && followLink ? fs.statSync(abs) : fs.lstatSync(abs);
      const base = { name: rel, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
      if (st.isDirectory()) {
        pack.entry({ ...base, type: 'directory' }, (err) => {
          if (err) return reject(err);
          const kids = fs.readdirSync(abs).sort();
          kids.reduce((p, k) => p.then(() => add(path.join(abs, k), `${rel}/${k}`, false)), Promise.resolve()).then(resolve, reject);
        });
      } else if (st.isSymbolicLink()) {
        pack.entry({ ...base, type: 'symlink', linkname: fs.readlinkSync(abs) }, (err) => (err ? reject(err) : resolve()));
      } else if (st.isFile()) {
        size += st.size;
        const entry = pack.entry({ ...base, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
        fs.createReadStream(abs).pipe(entry);
      } else resolve();
    });
  add(src, name, true).then(
    () => pack.finalize(),
    (e) => pack.destroy(e),
  );
  return { stream: pack as unknown as NodeJS.ReadableStream, size: () => size };
}

export const cp: CommandDef = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  long: `Copy files/folders between a container and the local filesystem

Use '-' as the source to read a tar archive from stdin
and extract it to a directory destination in a container.
Use '-' as the destination to stream a tar archive of a
container source to stdout.`,
  args: { min: 2, max: 2 },
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', usage: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', usage: 'Always follow symbol link in SRC_PATH' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached' },
  ],
  async run(cli, p) {
    const [srcArg, dstArg] = p.args;
    if (!srcArg) throw new StatusError(1, 'source can not be empty');
    if (!dstArg) throw new StatusError(1, 'destination can not be empty');
    const src = splitCpArg(srcArg);
    const dst = splitCpArg(dstArg);
    if (src.container && dst.container) throw new StatusError(1, 'copying between containers is not supported');
    if (!src.container && !dst.container) throw new StatusError(1, 'must specify at least one container source');
    const client = await cli.client();
    const quiet = p.values.quiet || !cli.err.isTTY;
    if (src.container) {
      // -L: a link is copied as what it points to, under the link's own name (the docker CLI's GetRebaseName)
      let srcPath = src.path;
      let rebase: string | undefined;
      if (p.values['follow-link']) {
        const st = await client.containers.statPath(src.container, src.path).catch(() => undefined);
        if (st && st.mode & GO_MODE_SYMLINK && st.linkTarget) {
          srcPath = st.linkTarget.startsWith('/') ? st.linkTarget : path.posix.join(path.posix.dirname(src.path), st.linkTarget);
          rebase = path.posix.basename(src.path);
        }
      }
      const { stream, stat } = await client.containers.getArchive(src.container, srcPath);
      if (dst.path === '-') {
        await pipeline(stream, cli.out);
        return;
      }
      const isDir = stat ? (stat.mode & 0x80000000) !== 0 : false;
      const base = stat?.name ?? path.basename(src.path);
      const copied = await extractTo(stream, base, isDir, dst.path, p.values['follow-link'], rebase);
      if (!quiet) cli.err.write(`Successfully copied ${humanSize(isDir ? copied : (stat?.size ?? copied))} to ${dst.path}\n`);
      return;
    }
    // Local → container.
    let dstDir = dst.path;
    let name: string;
    if (src.path === '-') {
      await client.containers.putArchive(dst.container, dst.path, cli.in as unknown as import('node:stream').Readable, { copyUIDGID: p.values.archive });
      return;
    }
    let local: fs.Stats;
    try {
      local = p.values['follow-link'] ? fs.statSync(src.path) : fs.lstatSync(src.path);
    } catch {
      throw new StatusError(1, `lstat ${path.resolve(src.path)}: no such file or directory`);
    }
    const dstStat = await client.containers.statPath(dst.container, dst.path).catch(() => undefined); // no such destination: the copy creates it; other errors surface from the copy itself
    const dstIsDir = dstStat ? (dstStat.mode & 0x80000000) !== 0 : false;
    // "SRC/." into a directory: the contents of SRC, not SRC itself (the docker CLI's CopyInfo rule)
    const contentsOnly = local.isDirectory() && (src.path === '.' || src.path.endsWith('/.'));
    if (dstStat && dstIsDir) name = contentsOnly ? '.' : path.basename(path.resolve(src.path));
    else {
      if (!dstStat && dst.path.endsWith('/')) throw new StatusError(1, `Error response from daemon: Could not find the file ${dst.path} in container ${dst.container}`);
      if (dstStat && !dstIsDir && local.isDirectory()) throw new StatusError(1, 'cannot copy directory');
      dstDir = path.posix.dirname(dst.path);
      name = path.posix.basename(dst.path);
    }
    const { stream, size } = await packLocal(src.path, name, p.values['follow-link']);
    await client.containers.putArchive(dst.container, dstDir, stream as unknown as import('node:stream').Readable, { copyUIDGID: p.values.archive });
    if (!quiet) cli.err.write(`Successfully copied ${humanSize(size())} to ${dst.container}:${dst.path}\n`);
  },
};
