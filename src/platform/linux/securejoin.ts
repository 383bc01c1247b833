// Resolve a path inside a root filesystem the way the container would see it: symlinks (absolute or relative)
// are followed but never leave the root. Used to read files such as /etc/passwd out of an image's rootfs.
import fs from 'node:fs';
import path from 'node:path';

const MAX_SYMLINKS = 255;

/** The host path of `unsafePath` as resolved inside `root` (which must be absolute). The final file need not exist. */
export function secureJoin(root: string, unsafePath: string): string {
  const parts = unsafePath.split('/').filter((p) => p && p !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(candidate);
    } catch {
      resolved.push(part);
      continue;
    }
    if (!st.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINKS) throw new Error(`too many symlinks resolving ${unsafePath} in ${root}`);
    const target = fs.readlinkSync(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    parts.unshift(...target.split('/').filter((p) => p && p !== '.'));
  }
  return path.join(root, ...resolved);
}

/** Read a file inside a rootfs (symlink-safe); undefined if it does not exist. */
export function readFileInRoot(root: string, p: string): string | undefined {
  try {
    return fs.readFileSync(secureJoin(root, p), 'utf8');
  } catch (e: any) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EISDIR') return undefined;
    throw e;
  }
}
