// Volumes with the `local` driver: a directory per volume under the data root, named or anonymous,
// filled from the image on first use (Docker's copy-up), kept until removed, refused removal while a
// container uses it. Records live in the metadata store.
import { daemonIdMap, toHost } from '../platform/linux/idmap.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { MetaDB, Collection } from '../store/db.ts';
import type { EventsService } from './events.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerRecord } from './containers/record.ts';
import { conflict, invalidParameter, notFound } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { run } from '../util/exec.ts';
import { secureJoin } from '../platform/linux/securejoin.ts';
import { validateVolumeOptions, mountVolume, unmountVolume } from './volume-options.ts';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string> | null;
  /** whether the image's content was copied in already (done once, into an empty volume) */
  populated?: boolean;
}

const ANON_LABEL = 'com.docker.volume.anonymous';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeService {
  private readonly docs: Collection<VolumeRecord>;
  private readonly events: EventsService;
  private readonly root: string;
  containers: () => ContainerRecord[] = () => [];

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService }) {
    this.docs = deps.db.collection<VolumeRecord>('volume');
    this.events = deps.events;
    this.root = path.join(deps.cfg.dataRoot, 'volumes');
  }

  all(): VolumeRecord[] {
    return this.docs.all().sort((a, b) => a.Name.localeCompare(b.Name));
  }

  get(name: string): VolumeRecord {
    const v = this.docs.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  find(name: string): VolumeRecord | undefined {
    return this.docs.get(name);
  }

  /** Create (or, for an existing name, return) a volume. Without a name: an anonymous one. */
  create(o: { Name?: string; Driver?: string; DriverOpts?: Record<string, string> | null; Labels?: Record<string, string> | null } = {}, anonymous = false): VolumeRecord {
    const driver = o.Driver || 'local';
    if (driver !== 'local') throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    validateVolumeOptions(o.DriverOpts);
    const options = o.DriverOpts && Object.keys(o.DriverOpts).length ? { ...o.DriverOpts } : null;
    const name = o.Name || newId();
    if (!NAME_RE.test(name)) throw invalidParameter(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    const existing = this.docs.get(name);
    if (existing) return existing;
    const dir = path.join(this.root, name, '_data');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    // with --userns-remap, container root must be able to write its new volume
    if (daemonIdMap()) fs.chownSync(dir, toHost(0, 'uid'), toHost(0, 'gid'));
    const v: VolumeRecord = { Name: name, Driver: 'local', Mountpoint: dir, CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Labels: { ...(o.Labels ?? {}), ...(anonymous || !o.Name ? { [ANON_LABEL]: '' } : {}) }, Scope: 'local', Options: options };
    this.docs.put(name, v);
    this.events.publish('volume', 'create', name, { driver: 'local' });
    return v;
  }

  /** Containers that mount the volume (any state). */
  users(name: string): string[] {
    return this.containers()
      .filter((c) => c.Mounts.some((m) => m.Type === 'volume' && m.Name === name))
      .map((c) => c.Id);
  }

  remove(name: string, o: { force?: boolean } = {}): void {
    const v = this.docs.get(name);
    if (!v) {
      if (o.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.users(name);
    if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    // a volume with a filesystem of its own is unmounted first: never delete through a bind of a host path
    if (v.Options?.type) unmountVolume(v.Mountpoint);
    this.docs.delete(name);
    fs.rmSync(path.dirname(v.Mountpoint), { recursive: true, force: true });
    this.events.publish('volume', 'destroy', name, { driver: 'local' });
  }

  /** Unused volumes: anonymous ones only unless `all` (API ≥ 1.42, as dockerd). */
  prune(o: { all: boolean; label: (l: Record<string, string>) => boolean }): { VolumesDeleted: string[] | null; SpaceReclaimed: number } {
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.docs.all()) {
      if (!o.all && !(ANON_LABEL in v.Labels)) continue;
      if (!o.label(v.Labels) || this.users(v.Name).length) continue;
      space += dirSize(v.Mountpoint);
      this.remove(v.Name);
      deleted.push(v.Name);
    }
    return { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: space };
  }

  isAnonymous(v: VolumeRecord): boolean {
    return ANON_LABEL in v.Labels;
  }

  /** Before a container uses it: a volume with type/device/o options gets its filesystem mounted. */
  async mount(name: string): Promise<void> {
    const v = this.docs.get(name);
    if (v?.Options?.type) await mountVolume(v.Options, v.Mountpoint);
  }

  /** On first use: the image's files at the mount path go into an empty volume (Docker's copy-up; not with nocopy). */
  async populate(name: string, rootfs: string, dest: string): Promise<void> {
    const v = this.docs.get(name);
    if (!v || v.populated) return;
    v.populated = true;
    this.docs.put(name, v);
    if (fs.readdirSync(v.Mountpoint).length) return;
    const src = secureJoin(rootfs, dest);
    let st: fs.Stats;
    try {
      st = fs.statSync(src);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    await run('cp', ['-a', '--', `${src}/.`, `${v.Mountpoint}/`]);
    // The volume's root takes the owner and mode of the image's directory.
    fs.chownSync(v.Mountpoint, st.uid, st.gid);
    fs.chmodSync(v.Mountpoint, st.mode & 0o7777);
  }

  sizeOf(v: VolumeRecord): number {
    return dirSize(v.Mountpoint);
  }
}

function dirSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.lstatSync(p).size;
    }
  };
  walk(dir);
  return total;
}
