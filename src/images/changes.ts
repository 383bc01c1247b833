// `docker diff` from an overlay upper dir, the way Docker's archive.OverlayChanges does it:
// a whiteout or an opaque dir is a deletion; anything else is a modification if the path exists
// in a lower layer and an addition otherwise; a directory that only holds changes but is itself
// identical to the lower one is left out; the parent of an added or deleted entry is "modified".
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';
import type { Change } from './types.ts';

export async function overlayChanges(upper: string, lowers: string[]): Promise<Change[]> {
  const opaque = await opaqueDirs(upper);
  const changes: Change[] = [];
  const changedDirs = new Set<string>();

  const visit = (abs: string, p: string, st: fs.Stats): void => {
    let kind: Change['Kind'];
    const whiteout = st.isCharacterDevice() && st.rdev === 0;
    if (whiteout || (st.isDirectory() && opaque.has(p.slice(1)))) {
      kind = 2;
    } else {
      kind = 1;
      for (const l of lowers) {
        let ls: fs.Stats;
        try {
          ls = fs.lstatSync(path.join(l, p));
        } catch {
          continue;
        }
        if (ls.isDirectory() && st.isDirectory() && ls.size === st.size && ls.mode === st.mode && sameTime(ls, st)) return recurse();
        kind = 0;
        break;
      }
    }
    if (st.isDirectory()) changedDirs.add(p);
    if (kind === 1 || kind === 2) {
      const parent = path.posix.dirname(p);
      if (parent !== '/' && !changedDirs.has(parent)) {
        changes.push({ Path: parent, Kind: 0 });
        changedDirs.add(parent);
      }
    }
    changes.push({ Path: p, Kind: kind });
    recurse();

    function recurse() {
      if (!st.isDirectory() || whiteout) return;
      walk(abs, p);
    }
  };

  const walk = (dir: string, p: string): void => {
    for (const name of sortedNames(dir)) {
      const abs = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(abs);
      } catch {
        continue;
      }
      visit(abs, p === '/' ? `/${name}` : `${p}/${name}`, st);
    }
  };
  walk(upper, '/');
  return changes;
}

/** Docker compares directory times to the second when either side lacks sub-second precision. */
function sameTime(a: fs.Stats, b: fs.Stats): boolean {
  if (a.mtimeMs === b.mtimeMs) return true;
  const whole = (ms: number) => ms % 1000 === 0;
  return (whole(a.mtimeMs) || whole(b.mtimeMs)) && Math.floor(a.mtimeMs / 1000) === Math.floor(b.mtimeMs / 1000);
}

function sortedNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  } catch {
    return [];
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
