// Where each layer's blob is known to live (Docker's v2 metadata service): diffID → compressed digest and
// the repositories that hold it, so that a push skips blobs a registry has and mounts those it holds
// under another repository instead of uploading them again.
import type { MetaDB, Collection } from '../store/db.ts';
import type { Descriptor } from './manifests.ts';

interface Entry {
  digest: string;
  size: number;
  mediaType: string;
  /** "host/repository" */
  repos: string[];
}

export class BlobSources {
  private readonly docs: Collection<Entry>;

  constructor(db: MetaDB) {
    this.docs = db.collection<Entry>('blobsource');
  }

  remember(diffId: string, d: Descriptor, repo: string): void {
    const e = this.docs.get(diffId) ?? { digest: d.digest, size: d.size, mediaType: d.mediaType, repos: [] };
    if (e.digest !== d.digest) return;
    if (!e.repos.includes(repo)) e.repos.push(repo);
    this.docs.put(diffId, e);
  }

  get(diffId: string): Entry | undefined {
    return this.docs.get(diffId);
  }
}
