// Image records and their references (tags and digests), and Docker's rules for finding an
// image from what a user typed: name[:tag], name@digest, full id, sha256:id, unique id prefix.
import type { Collection, MetaDB } from '../store/db.ts';
import { notFound } from '../errdefs.ts';
import type { ContentStore } from './content-store.ts';
import type { ImageRecord } from './types.ts';
import { chainIds } from './layer-store.ts';
import {
  familiarString,
  isNamed,
  parseAnyReference,
  parseStored,
  refString,
  tagNameOnly,
  type Reference,
} from './reference.ts';

export class ImageStore {
  private readonly db: MetaDB;
  private readonly docs: Collection<ImageRecord>;
  private readonly content: ContentStore;

  constructor(deps: { db: MetaDB; content: ContentStore }) {
    this.db = deps.db;
    this.content = deps.content;
    this.docs = deps.db.collection<ImageRecord>('images');
  }

  get(id: string): ImageRecord | undefined {
    return this.docs.get(id);
  }

  all(): ImageRecord[] {
    return this.docs.all();
  }

  count(): number {
    return this.docs.ids().length;
  }

  put(rec: ImageRecord): void {
    this.docs.put(rec.id, rec);
  }

  /** Drop the record and every reference to it, in one transaction. */
  delete(id: string): void {
    this.db.tx(() => {
      for (const r of this.db.refsOf(id)) this.db.deleteRef(r);
      this.docs.delete(id);
    });
  }

  /** Chain IDs of the image's layers, bottom to top. */
  chain(rec: ImageRecord): string[] {
    return chainIds(rec.config.rootfs?.diff_ids ?? []);
  }

  /** The raw config bytes (their digest is the id). */
  configBytes(id: string): Buffer {
    return this.content.read(id);
  }

  // --- references ------------------------------------------------------------

  /** References to the image, in Docker's order (lexical by familiar form). */
  refs(id: string): Reference[] {
    return this.db
      .refsOf(id)
      .map(parseStored)
      .map((r) => [familiarString(r), r] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, r]) => r);
  }

  repoTags(id: string): string[] {
    return this.refs(id)
      .filter((r) => r.tag && !r.digest)
      .map(familiarString);
  }

  repoDigests(id: string): string[] {
    return this.refs(id)
      .filter((r) => r.digest)
      .map(familiarString);
  }

  /** Image id a reference points at (a bare name means :latest; with tag and digest the digest wins). */
  lookupRef(ref: Reference): string | undefined {
    let r = ref;
    if (r.tag && r.digest) r = { domain: r.domain, path: r.path, digest: r.digest };
    return this.db.getRef(refString(tagNameOnly(r)));
  }

  setRef(ref: Reference, id: string): void {
    this.db.setRef(refString(tagNameOnly(ref)), id);
  }

  deleteRef(ref: Reference): boolean {
    const name = refString(tagNameOnly(ref));
    const had = this.db.getRef(name) !== undefined;
    this.db.deleteRef(name);
    return had;
  }

  /** Images whose parent is id (made from it by commit or build). */
  children(id: string): ImageRecord[] {
    return this.all().filter((r) => r.parent === id);
  }

  // --- lookup ----------------------------------------------------------------

  /** Unique id prefix ("abc", "sha256:abc") → id; ambiguous or unknown → undefined, as Docker's digest set. */
  search(term: string): string | undefined {
    const hex = term.startsWith('sha256:') ? term.slice(7) : term;
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    let found: string | undefined;
    for (const id of this.db.collection('images').ids()) {
      if (!id.slice(7).startsWith(hex)) continue;
      if (found) return undefined;
      found = id;
    }
    return found;
  }

  /** Docker's GetImage: throws not-found "No such image: busybox:latest" (or invalid-parameter for a bad reference). */
  resolve(refOrId: string): ImageRecord {
    const ref = parseAnyReference(refOrId);
    if (!isNamed(ref)) {
      const rec = this.get(ref.digest!);
      if (rec) return rec;
      throw notFound(`No such image: ${familiarString(ref)}`);
    }
    const id = this.lookupRef(ref);
    if (id) {
      const rec = this.get(id);
      if (rec) return rec;
    }
    const byId = this.search(refOrId);
    if (byId) {
      const rec = this.get(byId);
      if (rec) return rec;
    }
    throw notFound(`No such image: ${familiarString(tagNameOnly(ref))}`);
  }

  /** Like resolve, undefined instead of not-found. */
  find(refOrId: string): ImageRecord | undefined {
    try {
      return this.resolve(refOrId);
    } catch (e: any) {
      if (e?.kind === 'not-found') return undefined;
      throw e;
    }
  }
}
