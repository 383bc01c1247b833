// The metadata database: the one source of truth the daemon reloads after a restart.
// SQLite (Node's built-in node:sqlite) in WAL mode gives atomic, crash-safe writes;
// a kill -9 at any moment leaves a database that opens cleanly.
import { log } from '../util/log.ts';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import fs from 'node:fs';
import path from 'node:path';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS docs (
  kind TEXT NOT NULL,
  id   TEXT NOT NULL,
  doc  TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS refs (
  name     TEXT PRIMARY KEY,
  image_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refs_by_image ON refs(image_id);
-- Container names: the UNIQUE key is what makes reserving a name atomic (two creates of one
-- name cannot both insert it). A row without a container document is a create cut short.
CREATE TABLE IF NOT EXISTS container_names (
  name TEXT PRIMARY KEY,
  id   TEXT NOT NULL UNIQUE
);
`;

/** A collection of JSON documents of one kind, keyed by id. */
export class Collection<T> {
  private readonly db: MetaDB;
  readonly kind: string;
  constructor(db: MetaDB, kind: string) {
    this.db = db;
    this.kind = kind;
  }
  get(id: string): T | undefined {
    const row = this.db.stmt('SELECT doc FROM docs WHERE kind = ? AND id = ?').get(this.kind, id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }
  put(id: string, doc: T): void {
    this.db.stmt('INSERT OR REPLACE INTO docs (kind, id, doc) VALUES (?, ?, ?)').run(this.kind, id, JSON.stringify(doc));
  }
  delete(id: string): void {
    this.db.stmt('DELETE FROM docs WHERE kind = ? AND id = ?').run(this.kind, id);
  }
  all(): T[] {
    const rows = this.db.stmt('SELECT id, doc FROM docs WHERE kind = ?').all(this.kind) as { id: string; doc: string }[];
    const out: T[] = [];
    // one damaged record must not keep the daemon from starting or a listing from answering
    for (const r of rows) {
      try {
        out.push(JSON.parse(r.doc) as T);
      } catch (e) {
        log.warn(`store: ${this.kind} ${r.id} cannot be read, left out: ${(e as Error).message}`);
      }
    }
    return out;
  }
  ids(): string[] {
    return (this.db.stmt('SELECT id FROM docs WHERE kind = ?').all(this.kind) as { id: string }[]).map((r) => r.id);
  }
}

export class MetaDB {
  readonly sql: DatabaseSync;
  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.sql = new DatabaseSync(file);
    this.sql.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.sql.exec(SCHEMA);
  }
  /** Statements compiled once and kept: SQLite compiling one again costs more than running it. The
   * statements are this daemon's own constant texts, so the cache stays as small as its code. */
  private readonly statements = new Map<string, StatementSync>();
  stmt(text: string): StatementSync {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.sql.prepare(text)));
    return st;
  }
  collection<T>(kind: string): Collection<T> {
    return new Collection<T>(this, kind);
  }
  /** Run fn in one transaction: all of its writes land, or none. */
  tx<R>(fn: () => R): R {
    this.sql.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.sql.exec('COMMIT');
      return r;
    } catch (e) {
      this.sql.exec('ROLLBACK');
      throw e;
    }
  }
  // Image references (tags and digests) → image ids.
  setRef(name: string, imageId: string): void {
    this.stmt('INSERT OR REPLACE INTO refs (name, image_id) VALUES (?, ?)').run(name, imageId);
  }
  getRef(name: string): string | undefined {
    return (this.stmt('SELECT image_id FROM refs WHERE name = ?').get(name) as { image_id: string } | undefined)?.image_id;
  }
  deleteRef(name: string): void {
    this.stmt('DELETE FROM refs WHERE name = ?').run(name);
  }
  refsOf(imageId: string): string[] {
    return (this.stmt('SELECT name FROM refs WHERE image_id = ? ORDER BY name').all(imageId) as { name: string }[]).map((r) => r.name);
  }
  allRefs(): { name: string; imageId: string }[] {
    return (this.stmt('SELECT name, image_id FROM refs').all() as { name: string; image_id: string }[]).map((r) => ({ name: r.name, imageId: r.image_id }));
  }
  close(): void {
    this.sql.close();
  }
}
