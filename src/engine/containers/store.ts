// The container store: the records in the metadata database, a read cache in memory, and the
// per-container lock. Disk comes before memory: update() changes a copy, writes it in one
// transaction, and only then publishes it (a failed write leaves memory as it was). Names are
// reserved through a UNIQUE key of the database, so two creates of one name cannot both win,
// however long the steps between reserving and saving take.
import type { MetaDB, Collection } from '../../store/db.ts';
import { conflict, invalidParameter, notFound } from '../../errdefs.ts';
import { KeyedLock } from './lock.ts';
import { checkTransition } from './state.ts';
import type { ContainerRecord } from './record.ts';

export class ContainerStore {
  private readonly db: MetaDB;
  private readonly docs: Collection<ContainerRecord>;
  private readonly byId = new Map<string, ContainerRecord>();
  /** State transitions of one container run one at a time under this lock. */
  readonly lock = new KeyedLock();

  constructor(db: MetaDB) {
    this.db = db;
    this.docs = db.collection<ContainerRecord>('containers');
    for (const c of this.docs.all()) this.byId.set(c.Id, c);
    // Data roots from before the names table: every record's name is taken. (A name row that
    // has no record is a create cut short by a crash: see orphanReservations.)
    db.tx(() => {
      const add = db.sql.prepare('INSERT OR IGNORE INTO container_names (name, id) VALUES (?, ?)');
      for (const c of this.byId.values()) add.run(c.Name, c.Id);
    });
  }

  // --- lookup ------------------------------------------------------------------

  /** Find by full id, unique id prefix, or name (Docker's order). */
  find(ref: string): ContainerRecord | undefined {
    if (!ref) return undefined;
    const byId = this.byId.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('/') ? ref : '/' + ref;
    for (const c of this.byId.values()) if (c.Name === name) return c;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = [...this.byId.values()].filter((c) => c.Id.startsWith(ref));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) throw invalidParameter(`multiple IDs found with provided prefix: ${ref}`);
    }
    return undefined;
  }

  get(ref: string): ContainerRecord {
    const c = this.find(ref);
    if (!c) throw notFound(`No such container: ${ref}`);
    return c;
  }

  /** The published record of an id (no name or prefix lookup). */
  byIdOrUndefined(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  // --- names -------------------------------------------------------------------

  /** Whether a name is taken (by a container, or by a create in flight). */
  nameTaken(name: string): boolean {
    return !!this.db.stmt('SELECT 1 FROM container_names WHERE name = ?').get(name);
  }

  /** Take a name for a container being created, or throw Docker's conflict naming its holder. */
  reserveName(name: string, id: string, prefix = ''): void {
    try {
      this.db.stmt('INSERT INTO container_names (name, id) VALUES (?, ?)').run(name, id);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      throw nameConflict(name, this.holderOf(name) ?? '', prefix);
    }
  }

  /** Give back a name whose create failed. Only the holder's own row goes. */
  releaseName(name: string, id: string): void {
    this.db.stmt('DELETE FROM container_names WHERE name = ? AND id = ?').run(name, id);
  }

  /** Names reserved by creates that never saved their record (a crash between the two). */
  orphanReservations(): { name: string; id: string }[] {
    const rows = this.db.stmt('SELECT name, id FROM container_names').all() as { name: string; id: string }[];
    return rows.filter((r) => !this.byId.has(r.id));
  }

  private holderOf(name: string): string | undefined {
    return (this.db.stmt('SELECT id FROM container_names WHERE name = ?').get(name) as { id: string } | undefined)?.id;
  }

  // --- writes ------------------------------------------------------------------

  /** Save a new container (its name already reserved) and publish it. `alongside` writes what
   * belongs with the record (its writable layer's) in the same transaction: one commit, not two. */
  add(c: ContainerRecord, alongside?: () => void): ContainerRecord {
    this.db.tx(() => {
      alongside?.();
      this.docs.put(c.Id, c);
    });
    this.byId.set(c.Id, c);
    return c;
  }

  /**
   * Change a record: fn edits a copy, the copy is written in one transaction (with the name
   * when it changed), and only then becomes the published record. Callers hold the lock for
   * transitions that span awaits; a single synchronous update is atomic by itself.
   */
  update(id: string, fn: (c: ContainerRecord) => void): ContainerRecord {
    const cur = this.byId.get(id);
    if (!cur) throw notFound(`No such container: ${id}`);
    const next = structuredClone(cur);
    fn(next);
    checkTransition(cur, next);
    this.db.tx(() => {
      if (next.Name !== cur.Name) {
        try {
          this.db.stmt('UPDATE container_names SET name = ? WHERE id = ?').run(next.Name, id);
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          throw nameConflict(next.Name, this.holderOf(next.Name) ?? '', 'Error when allocating new name: ');
        }
      }
      this.docs.put(id, next);
    });
    this.byId.set(id, next);
    return next;
  }

  /** update() under the container's lock (for writers that are not inside a transition already). */
  updateLocked(id: string, fn: (c: ContainerRecord) => void): Promise<ContainerRecord | undefined> {
    return this.lock.run(id, async () => (this.byId.has(id) ? this.update(id, fn) : undefined));
  }

  /** The record and its name go in one transaction; then it is gone from memory. */
  delete(id: string): void {
    this.db.tx(() => {
      this.docs.delete(id);
      this.db.stmt('DELETE FROM container_names WHERE id = ?').run(id);
    });
    this.byId.delete(id);
  }
}

export function nameConflict(name: string, holder: string, prefix = '') {
  return conflict(`${prefix}Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
}

function isUniqueViolation(e: unknown): boolean {
  return /UNIQUE constraint failed/.test((e as Error)?.message ?? '');
}
