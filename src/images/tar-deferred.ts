// What tar extraction (tar-extract.ts) leaves to the end: device nodes and whiteouts (mknod),
// extended attributes and opaque markers (one setfattr run) and directory times, each applied only
// where no parent of its path has become a symlink since it was queued.
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.ts';

export interface Special {
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  atime?: number;
  mtime?: number;
  whiteout: boolean;
}

export class DeferredOps {
  private readonly root: string;
  readonly specials = new Map<string, Special>();
  readonly dirTimes = new Map<string, [number, number]>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();

  /** `root`: the extraction's root, which the paths are checked below */
  constructor(root: string) {
    this.root = root;
  }

  addXattr(abs: string, name: string, value: Buffer): void {
    let m = this.xattrs.get(abs);
    if (!m) this.xattrs.set(abs, (m = new Map()));
    m.set(name, value);
  }

  /**
   * Whether every ancestor of abs (below root) is still a real directory. Later entries may
   * have replaced a directory by a symlink after a deferred operation was queued under it.
   */
  private stillSafe(abs: string): boolean {
    const parts = path.relative(this.root, path.dirname(abs)).split('/').filter(Boolean);
    let cur = this.root;
    for (const p of parts) {
      cur = path.join(cur, p);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(cur);
      } catch {
        return false;
      }
      if (!st.isDirectory()) return false;
    }
    return true;
  }

  /** Runs what was queued: device nodes and whiteouts, extended attributes, directory times. */
  async apply(): Promise<void> {
    // Device nodes and whiteouts.
    const jobs = [...this.specials].filter(([abs]) => this.stillSafe(abs) && !lexists(abs));
    await parallel(jobs, 8, async ([abs, sp]) => {
      const args = ['-m', (sp.mode & 0o7777).toString(8), abs, sp.type];
      if (sp.type !== 'p') args.push(String(sp.major), String(sp.minor));
      await run('mknod', args);
      fs.lchownSync(abs, sp.uid, sp.gid);
      if (sp.mode & 0o7000) fs.chmodSync(abs, sp.mode);
      if (!sp.whiteout && sp.mtime !== undefined) fs.utimesSync(abs, sp.atime ?? sp.mtime, sp.mtime);
    });
    // Extended attributes, opaque markers included, in one setfattr run.
    const dump: string[] = [];
    for (const [abs, attrs] of this.xattrs) {
      if (!this.stillSafe(abs) || !lexists(abs)) continue;
      dump.push(`# file: ${escapeName(path.relative(this.root, abs) || '.')}`);
      for (const [k, v] of attrs) dump.push(`${k}=0s${v.toString('base64')}`);
      dump.push('');
    }
    if (dump.length) await run('setfattr', ['-h', '--restore=-'], { input: dump.join('\n') + '\n', cwd: this.root });
    // Directory times last: creating entries inside a directory bumps its mtime.
    for (const [abs, [atime, mtime]] of this.dirTimes) {
      try {
        fs.utimesSync(abs, atime, mtime);
      } catch (e: any) {
        if (e.code !== 'ENOENT') throw e;
      }
    }
  }
}

/** getfattr/setfattr dump file names: octal escapes for control bytes, backslash and non-ASCII. */
function escapeName(name: string): string {
  let out = '';
  for (const b of Buffer.from(name)) {
    if (b < 0x21 || b > 0x7e || b === 0x5c) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

export function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

async function parallel<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}
