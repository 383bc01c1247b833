// `docker diff` with Docker's semantics (archive.ChangesDirs: the container's filesystem against
// its parent's), computed cheaply: only what is in the overlay upper dir can differ, so we walk
// it and compare each entry with the read-only view of the lower layers.
//
//   in the container, not below          → added (1); a new directory's whole content is added
//   in both, type/mode/owner/rdev differ,
//   or (non-directories) size/mtime      → modified (0)
//   below, hidden by a whiteout or an
//   opaque directory                     → deleted (2), only the topmost deleted entry
//   a directory holding any change       → modified, unless itself added/modified
// Docker leaves the order to a Go map; we sort by path.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';
import type { Change } from './types.ts';

export async function overlayChanges(upper: string, lowerView: string): Promise<Change[]> {
  const opaque = await opaqueDirs(upper);
  const out: Change[] = [];
  diffDir('', upper, lowerView, opaque, false, out);
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function names(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** archive.statDifferent */
function statDifferent(a: fs.Stats, b: fs.Stats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.isDirectory()) return false;
  return a.size !== b.size || !sameTime(a, b);
}

/** Docker's sameFsTime: equal, or same second when either lacks sub-second precision. */
function sameTime(a: fs.Stats, b: fs.Stats): boolean {
  if (a.mtimeMs === b.mtimeMs) return true;
  const whole = (ms: number) => ms % 1000 === 0;
  return (whole(a.mtimeMs) || whole(b.mtimeMs)) && Math.floor(a.mtimeMs / 1000) === Math.floor(b.mtimeMs / 1000);
}

/**
 * Changes below directory `rel` (which exists as a directory on both sides). Returns whether
 * anything changed inside.
 */
function diffDir(rel: string, upper: string, lower: string, opaque: Set<string>, underOpaque: boolean, out: Change[]): boolean {
  const up = new Set(names(path.join(upper, rel)));
  const all = new Set(up);
  // An opaque directory hides everything below it: what is not in upper is gone.
  const isOpaque = underOpaque || opaque.has(rel);
  if (isOpaque) for (const n of names(path.join(lower, rel))) all.add(n);
  let changed = false;
  for (const name of all) {
    const r = rel ? `${rel}/${name}` : name;
    const p = '/' + r;
    const low = lstat(path.join(lower, r));
    if (!up.has(name)) {
      out.push({ Path: p, Kind: 2 });
      changed = true;
      continue;
    }
    const st = lstat(path.join(upper, r));
    if (!st) continue;
    if (isWhiteout(st)) {
      if (low) {
        out.push({ Path: p, Kind: 2 });
        changed = true;
      }
      continue;
    }
    if (!low) {
      out.push({ Path: p, Kind: 1 });
      if (st.isDirectory()) addAll(r, upper, out);
      changed = true;
      continue;
    }
    const at = out.length;
    const self = statDifferent(low, st);
    if (self) out.push({ Path: p, Kind: 0 });
    let inner = false;
    if (st.isDirectory()) {
      if (low.isDirectory()) inner = diffDir(r, upper, lower, opaque, isOpaque, out);
      else {
        const before = out.length;
        addAll(r, upper, out);
        inner = out.length > before;
      }
    }
    if (inner && !self) out.splice(at, 0, { Path: p, Kind: 0 });
    changed ||= self || inner;
  }
  return changed;
}

/** Everything below a new directory is new. */
function addAll(rel: string, upper: string, out: Change[]): void {
  for (const name of names(path.join(upper, rel))) {
    const r = `${rel}/${name}`;
    const st = lstat(path.join(upper, r));
    if (!st || isWhiteout(st)) continue;
    out.push({ Path: '/' + r, Kind: 1 });
    if (st.isDirectory()) addAll(r, upper, out);
  }
}

/** Directories under root marked opaque (trusted.overlay.opaque=y), relative paths; one getfattr run. */
export async function opaqueDirs(root: string): Promise<Set<string>> {
  const out = new Set<string>();
  const r = await run('getfattr', ['-R', '-h', '-d', '-m', '^trusted\\.overlay\\.opaque$', '--absolute-names', '.'], { cwd: root, allowFailure: true });
  let file: string | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeName(line.slice(8));
    else if (file !== undefined && line === 'trusted.overlay.opaque="y"') {
      const rel = path.posix.normalize(file).replace(/^\.\/?/, '').replace(/^\/+/, '');
      out.add(rel);
    }
  }
  return out;
}

function unescapeName(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(s[i]!));
  }
  return Buffer.from(bytes).toString('utf8');
}
