// The build context on disk: sources of COPY/ADD resolved inside it (never outside: ../ and symlinks that
// leave it are refused), and the checksum of what a COPY takes, which keys the build cache.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { invalidParameter } from '../errdefs.ts';
import { secureJoin } from '../platform/linux/securejoin.ts';

const GLOB = /[*?[]/;

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/** The paths (absolute, inside root) a COPY source names; wildcards expanded. */
export function resolveSources(root: string, src: string, what = 'build context'): string[] {
  const realRoot = fs.realpathSync(root);
  const rel = src.replace(/^\/+/, '');
  const abs = path.resolve(realRoot, rel);
  if (!inside(realRoot, abs)) throw invalidParameter(`COPY failed: forbidden path outside the ${what}: ${src} ()`);
  let matches: string[];
  // (existence is checked with symlinks resolved inside root: the host's own resolution of a link
  // such as a/b/etc -> ../../../../etc names a host file, and would tell whether one exists)
  const existsInside = (p: string) => fs.existsSync(secureJoin(realRoot, path.relative(realRoot, p)));
  if (GLOB.test(rel)) {
    matches = (fs.globSync(rel, { cwd: realRoot }) as string[])
      .map((m) => path.resolve(realRoot, m))
      .filter(existsInside)
      .sort();
    if (!matches.length) throw invalidParameter(`COPY failed: no source files were specified`);
  } else {
    if (!existsInside(abs) && !isLink(path.join(secureJoin(realRoot, path.dirname(rel)), path.basename(rel)))) throw invalidParameter(`COPY failed: file not found in ${what} or excluded by .dockerignore: stat ${rel}: file does not exist`);
    matches = [abs];
  }
  return matches.map((m) => {
    // A source that is a symlink is followed as dockerd follows it: inside the context, as if the context
    // were the root (a link to /etc/passwd names <context>/etc/passwd), never outside it.
    const rel = path.relative(realRoot, m);
    const scoped = secureJoin(realRoot, rel);
    if (!fs.existsSync(scoped)) throw invalidParameter(`COPY failed: file not found in ${what} or excluded by .dockerignore: stat ${rel}: file does not exist`);
    const real = fs.realpathSync(scoped);
    if (!inside(realRoot, real)) throw invalidParameter(`COPY failed: forbidden path outside the ${what}: ${rel} ()`);
    return real;
  });
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A content hash of files/dirs (names, modes, contents, link targets): Docker's "file:<sha>" / "dir:<sha>". */
export function checksum(paths: string[]): string {
  const h = crypto.createHash('sha256');
  const walk = (p: string, rel: string) => {
    const st = fs.lstatSync(p);
    h.update(`${rel}\0${st.mode}\0`);
    if (st.isSymbolicLink()) h.update(fs.readlinkSync(p));
    else if (st.isFile()) h.update(fs.readFileSync(p));
    else if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e), `${rel}/${e}`);
    h.update('\0');
  };
  for (const p of paths) walk(p, path.basename(p));
  return h.digest('hex');
}
