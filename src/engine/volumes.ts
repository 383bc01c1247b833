// Volumes, named or anonymous, kept until removed, refused removal while a container uses it.
// Records live in the metadata store; the directories are the local driver's (volumes/local.ts).
import path from 'node:path';
import type { MetaDB, Collection } from '../store/db.ts';
import type { EventsService } from '../events/bus.ts';
import type { DaemonConfig } from '../config.ts';
import type { ContainerRecord } from './containers/record.ts';
import { conflict, invalidParameter, notFound } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { LocalVolumeDriver } from '../volumes/local.ts';
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
  private readonly local: LocalVolumeDriver;
  containers: () => ContainerRecord[] = () => [];

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService }) {
    this.docs = deps.db.collection<VolumeRecord>('volume');
    this.events = deps.events;
    this.local = new LocalVolumeDriver(path.join(deps.cfg.dataRoot, 'volumes'));
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
    const name = o.Name || newId();
    // dockerd's volume store wraps what fails as "create NAME: …" (its OpErr), in this order
    const driver = o.Driver || 'local';
    if (driver !== 'local') throw notFound(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    if (!NAME_RE.test(name)) throw invalidParameter(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    // the name is a directory name on the host: refused before mkdir fails with the host path (dockerd answers
    // 500 "error while creating volume root path '/var/lib/docker/volumes/…': file name too long")
    if (Buffer.byteLength(name) > 255) throw invalidParameter(`create ${name}: volume name is too long: it must be at most 255 bytes`);
    try {
      validateVolumeOptions(o.DriverOpts);
    } catch (e) {
      throw invalidParameter(`create ${name}: ${(e as Error).message}`);
    }
    const options = o.DriverOpts && Object.keys(o.DriverOpts).length ? { ...o.DriverOpts } : null;
    const existing = this.docs.get(name);
    if (existing) return existing;
    const dir = this.local.create(name);
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
    this.local.remove(v.Mountpoint);
    this.events.publish('volume', 'destroy', name, { driver: 'local' });
  }

  /**
   * Remove the unused local volumes `match` selects (volumes with mount options are left alone,
   * as dockerd does: removing them frees nothing here). Reports only what was really removed.
   */
  prune(match: (v: VolumeRecord) => boolean): { VolumesDeleted: string[] | null; SpaceReclaimed: number } {
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.docs.all()) {
      if (Object.keys(v.Options ?? {}).length || this.users(v.Name).length || !match(v)) continue;
      const size = this.local.size(v.Mountpoint);
      try {
        this.remove(v.Name);
      } catch (e) {
        log.warn(`could not prune volume ${v.Name}: ${(e as Error).message}`);
        continue;
      }
      space += size;
      deleted.push(v.Name);
    }
    this.events.publish('volume', 'prune', '', { reclaimed: String(space) });
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
    await this.local.copyUp(v.Mountpoint, rootfs, dest);
  }

  sizeOf(v: VolumeRecord): number {
    return this.local.size(v.Mountpoint);
  }
}
