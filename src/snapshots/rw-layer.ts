// Container writable layers on overlayfs.
//
// <containers>/<id>/rw/upper    the container's changes
// <containers>/<id>/rw/work     overlayfs work dir        (these two made by the first mount)
// <containers>/<id>/rw/merged   the mounted root filesystem
// <containers>/<id>/rw/init     Docker's "-init" layer: mount points and files the daemon
//                               bind-mounts over (/etc/hosts, /.dockerenv, ...), so they exist
//                               without showing up in `docker diff` or `docker commit`.
//
// lowerdir lists init, then the image layers topmost first, as short relative links (l/XXXX)
// with the mount run from the layers dir, so ~120 layers fit in one page of mount options.
//
// The init layer's content depends on the image layers alone (its files are empty, its directories
// copy the image's), and overlayfs never writes to a lower layer: so the containers of one image
// share one, made at the first create, beside the top image layer's diff (<layers>/<hex>/init) and
// removed with it. (A container made before that has its own <containers>/<id>/rw/init.)
import { daemonIdMap, toHost } from '../platform/linux/idmap.ts';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Collection, MetaDB } from '../store/db.ts';
import { notFound, systemError } from '../errdefs.ts';
import { run } from '../util/exec.ts';
import { log } from '../util/log.ts';

export interface RWLayerRecord {
  id: string;
  imageId: string;
  /** Chain IDs of the image layers, bottom to top. */
  layers: string[];
  /** The init layer shared by the containers of these image layers (absent: the container's own rw/init, made before it was shared). */
  initDir?: string;
}

export interface RWPaths {
  root: string;
  upper: string;
  work: string;
  merged: string;
  init: string;
}

/** Paths Docker's init layer provides: directories, empty files, and the /etc/mtab link. */
const INIT_ENTRIES: [string, 'dir' | 'file' | string][] = [
  ['dev/pts', 'dir'],
  ['dev/shm', 'dir'],
  ['proc', 'dir'],
  ['sys', 'dir'],
  ['.dockerenv', 'file'],
  ['etc/resolv.conf', 'file'],
  ['etc/hosts', 'file'],
  ['etc/hostname', 'file'],
  ['dev/console', 'file'],
  ['etc/mtab', '/proc/mounts'],
];

const MAX_MOUNT_OPTIONS = 4095;

/** What a container's writable layer needs of the unpacked image layers below it (the image side's layer store). */
export interface LowerLayers {
  /** the directory the short link names are relative to (overlay's lowerdir option has a length limit) */
  readonly dir: string;
  get(chainId: string): unknown;
  diffDir(chainId: string): string;
  linkName(chainId: string): string;
  ensureLink(chainId: string): void;
}

export class RWLayers {
  private readonly docs: Collection<RWLayerRecord>;
  private readonly layers: LowerLayers;
  private readonly containersDir: string;

  constructor(deps: { db: MetaDB; layers: LowerLayers; containersDir: string }) {
    this.docs = deps.db.collection<RWLayerRecord>('rwlayers');
    this.layers = deps.layers;
    this.containersDir = deps.containersDir;
  }

  get(id: string): RWLayerRecord | undefined {
    return this.docs.get(id);
  }

  all(): RWLayerRecord[] {
    return this.docs.all();
  }

  paths(id: string): RWPaths {
    const root = path.join(this.containersDir, id, 'rw');
    return { root, upper: path.join(root, 'upper'), work: path.join(root, 'work'), merged: path.join(root, 'merged'), init: path.join(root, 'init') };
  }

  private must(id: string): RWLayerRecord {
    const rec = this.get(id);
    if (!rec) throw notFound(`No such container: ${id}`);
    return rec;
  }

  /** The container's init layer. */
  private initOf(id: string, rec: RWLayerRecord): string {
    return rec.initDir ?? this.paths(id).init;
  }

  /** Lower directories, topmost first: init, then the image layers. */
  lowerDirs(id: string): string[] {
    const rec = this.must(id);
    return [this.initOf(id, rec), ...[...rec.layers].reverse().map((c) => this.layers.diffDir(c))];
  }

  /** Make the layer's directories, then record it. A crash between the two leaves directories
   * without a record, which recover() sweeps with the container's directory.
   * On the daemon's own thread, on purpose: each mkdir costs it some 20 µs, where a trip through
   * libuv's thread pool costs more on a busy host (the woken worker preempts the event loop),
   * and concurrent creates queue behind those trips. */
  create(id: string, imageId: string, layerChain: string[]): void {
    const p = this.paths(id);
    const initDir = layerChain.length ? this.sharedInit(layerChain) : undefined;
    // (recursive only for a container directory not made yet: the mode is for rw/, made here)
    fs.mkdirSync(p.root, { recursive: true, mode: 0o710 });
    try {
      // (work/ and merged/ are made by the first mount, which needs them)
      for (const d of [p.upper, ...(initDir ? [] : [p.init])]) fs.mkdirSync(d, { mode: 0o755 });
      if (!initDir) this.populateInit(p.init, []);
      if (daemonIdMap()) ownByContainerRoot(p.upper, initDir ? undefined : p.init);
      this.docs.put(id, { id, imageId, layers: layerChain, ...(initDir ? { initDir } : {}) });
    } catch (e) {
      fs.rmSync(p.root, { recursive: true, force: true });
      throw e;
    }
  }

  /** The init layer of these image layers, made now if it is not there yet (synchronously: no other
   * create of this daemon can see it half made; a crash can leave only a temp dir, swept here). */
  private sharedInit(layerChain: string[]): string {
    const home = path.dirname(this.layers.diffDir(layerChain[layerChain.length - 1]!));
    const dir = path.join(home, 'init');
    if (fs.existsSync(dir)) return dir;
    for (const n of fs.readdirSync(home)) if (n.startsWith('init.tmp-')) fs.rmSync(path.join(home, n), { recursive: true, force: true });
    const tmp = path.join(home, `init.tmp-${randomBytes(4).toString('hex')}`);
    fs.mkdirSync(tmp, { mode: 0o755 });
    try {
      this.populateInit(tmp, [...layerChain].reverse().map((c) => this.layers.diffDir(c)));
      if (daemonIdMap()) ownByContainerRoot(undefined, tmp);
      fs.renameSync(tmp, dir);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return dir;
  }

  /**
   * What Docker's init layer holds: the files are always fresh empty ones (0755, as Docker makes
   * them); parent directories copy the image's metadata, as an overlay copy-up would.
   */
  private populateInit(init: string, lowers: string[]): void {
    const made = new Set<string>();
    const mkdirFromImage = (rel: string) => {
      if (made.has(rel)) return;
      const parent = path.posix.dirname(rel);
      if (parent !== '.') mkdirFromImage(parent);
      const found = lookup(lowers, rel);
      const abs = path.join(init, rel);
      fs.mkdirSync(abs);
      if (found?.isDirectory()) {
        fs.chmodSync(abs, found.mode & 0o7777);
        fs.lchownSync(abs, found.uid, found.gid);
        fs.utimesSync(abs, found.atime, found.mtime);
      } else fs.chmodSync(abs, 0o755);
      made.add(rel);
    };
    for (const [rel, kind] of INIT_ENTRIES) {
      const parent = path.posix.dirname(rel);
      if (kind === 'dir') {
        if (lookup(lowers, rel)?.isDirectory()) continue;
        mkdirFromImage(rel);
        continue;
      }
      if (parent !== '.') mkdirFromImage(parent);
      const abs = path.join(init, rel);
      if (kind === 'file') fs.writeFileSync(abs, '', { mode: 0o755 });
      else fs.symlinkSync(kind, abs);
    }
    // Directories we made get their times back (creating children bumped them).
    for (const rel of [...made].sort().reverse()) {
      const found = lookup(lowers, rel);
      if (found?.isDirectory()) fs.utimesSync(path.join(init, rel), found.atime, found.mtime);
    }
  }

  /**
   * Run fn with the container's lower layers (init + image) mounted read-only at a private
   * temp dir: the "parent" view `docker diff` compares against.
   */
  async withLowerView<T>(id: string, fn: (dir: string) => Promise<T>): Promise<T> {
    const rec = this.must(id);
    const p = this.paths(id);
    const view = path.join(p.root, `view-${randomBytes(4).toString('hex')}`);
    const empty = path.join(p.root, 'empty');
    fs.mkdirSync(view);
    fs.mkdirSync(empty, { recursive: true });
    try {
      // Without an upper dir overlayfs wants two lower dirs at least: an empty one closes the list.
      const lowers = [this.initOf(id, rec), ...[...rec.layers].reverse().map((c) => this.layers.linkName(c)), empty];
      for (const c of rec.layers) this.layers.ensureLink(c);
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `ro,index=off,lowerdir=${lowers.join(':')}`, view], { cwd: this.layers.dir });
      try {
        return await fn(view);
      } finally {
        await run('umount', [view], { allowFailure: true }).then((r) => (r.code !== 0 ? run('umount', ['-l', view]) : r));
      }
    } finally {
      // Never recursive: were the unmount to have failed, this must not reach into the layers.
      fs.rmdirSync(view);
    }
  }

  async isMounted(id: string): Promise<boolean> {
    return mountedAt(this.paths(id).merged);
  }

  /** Mounts and unmounts of one container run one at a time: a mount that saw the overlay still
   * mounted while an unmount was under way would hand out a path about to vanish. */
  private readonly mountQueue = new Map<string, Promise<unknown>>();
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.mountQueue.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {}); // the queue only orders the calls; `next` carries the error to the caller
    this.mountQueue.set(id, tail);
    void tail.then(() => this.mountQueue.get(id) === tail && this.mountQueue.delete(id));
    return next;
  }

  /** Mount the overlay (idempotent) and return the merged path. */
  mount(id: string): Promise<string> {
    return this.serial(id, () => this.mountNow(id));
  }

  unmount(id: string): Promise<void> {
    return this.serial(id, () => this.unmountNow(id));
  }

  private async mountNow(id: string): Promise<string> {
    const rec = this.must(id);
    const p = this.paths(id);
    if (mountedAt(p.merged)) return p.merged;
    for (const d of [p.upper, p.work, p.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    // (a shared init layer gone, say by a hand-made deletion, is made again)
    const init = rec.initDir ? this.sharedInit(rec.layers) : p.init;
    if (!rec.initDir) fs.mkdirSync(init, { recursive: true });
    const lowers = [init];
    for (const c of [...rec.layers].reverse()) {
      if (!this.layers.get(c)) throw systemError(`layer ${c} of container ${id} is missing`);
      this.layers.ensureLink(c);
      lowers.push(this.layers.linkName(c));
    }
    const opts = `index=off,lowerdir=${lowers.join(':')},upperdir=${p.upper},workdir=${p.work}`;
    if (opts.length > MAX_MOUNT_OPTIONS) throw systemError(`cannot mount ${rec.layers.length} layers: mount options too long`);
    // Relative lower dirs resolve against the mount process's working directory.
    await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, p.merged], { cwd: this.layers.dir });
    return p.merged;
  }

  private async unmountNow(id: string): Promise<void> {
    const merged = this.paths(id).merged;
    if (!mountedAt(merged)) return;
    const r = await run('umount', [merged], { allowFailure: true });
    if (r.code !== 0 && mountedAt(merged)) {
      log.warn(`umount ${merged}: ${r.stderr.trim()}; detaching lazily`);
      await run('umount', ['-l', merged]);
    }
  }

  /** Unmount, forget, delete. The record goes first: a crash leaves only files the container removal sweeps. */
  async remove(id: string): Promise<void> {
    await this.unmount(id);
    this.docs.delete(id);
    await fs.promises.rm(this.paths(id).root, { recursive: true, force: true });
  }

  graphDriverData(id: string): { LowerDir: string; UpperDir: string; MergedDir: string; WorkDir: string } | undefined {
    if (!this.get(id)) return undefined;
    const p = this.paths(id);
    return { LowerDir: this.lowerDirs(id).join(':'), UpperDir: p.upper, MergedDir: p.merged, WorkDir: p.work };
  }
}

/** The first entry for rel in the lower layers (topmost first); a whiteout hides it. */
export function lookup(lowers: string[], rel: string): fs.Stats | undefined {
  for (const l of lowers) {
    try {
      const st = fs.lstatSync(path.join(l, rel));
      if (st.isCharacterDevice() && st.rdev === 0) return undefined;
      return st;
    } catch {
      // not in this layer: look in the next one down
    }
  }
  return undefined;
}

/** Whether the overlay is mounted at dir: then dir is the root of another filesystem than its
 * parent's. Two stats, where reading /proc/self/mountinfo (every mount of a busy host, on each
 * mount and unmount) cost ~2 ms. */
export function mountedAt(dir: string): boolean {
  try {
    return fs.statSync(dir).dev !== fs.statSync(path.dirname(dir)).dev;
  } catch {
    return false;
  }
}

/** Mount points of this process's mount namespace. */
export function mountPoints(): Set<string> {
  const out = new Set<string>();
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4) out.add(f[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** With --userns-remap, what the daemon itself made for a container (the upper layer's root, whose
 * owner is the root directory's, and the init layer's fresh files) belongs to container root. */
function ownByContainerRoot(upper: string | undefined, init: string | undefined): void {
  const uid = toHost(0, 'uid');
  const gid = toHost(0, 'gid');
  if (upper) {
    // the runtime, already in the user namespace, must reach the rootfs through this 0710 directory
    fs.lchownSync(path.dirname(upper), 0, gid);
    fs.lchownSync(upper, uid, gid);
  }
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.uid === 0 && st.gid === 0) fs.lchownSync(p, uid, gid);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  if (init) walk(init);
}
