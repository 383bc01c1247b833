// Unpacked layers, each stored once under its chain ID and shared by every image above it.
//
// <layers>/<chain-hex>/diff   the layer's files (overlayfs lower dir, whiteouts in overlay form)
// <layers>/l/<SHORT>          symlink → ../<chain-hex>/diff, to keep overlay mount options short
//
// A layer is unpacked into <tmp>/layer-*, its diffID computed as it streams, and only then
// renamed into place and recorded; a crash at any point leaves either no layer or a whole one
// (leftovers are swept at start). The layer's tar is kept as a blob in the content store, so
// `docker save` can reproduce it byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Collection, MetaDB } from '../store/db.ts';
import { systemError, notFound } from '../errdefs.ts';
import { sha256 } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { ContentStore, hexOf } from './content-store.ts';
import { decompress, HashingTap, MEDIA_TYPES } from './compression.ts';
import { extractTar } from './tar-extract.ts';

/** diffID of an empty tar (1024 zero bytes): Docker's "empty layer". */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent?: string;
  /** Unpacked size as Docker counts it (files, hard links once, symlink targets). */
  size: number;
  /** Length of the uncompressed tar (the diffID's preimage). */
  tarSize: number;
  /** The tar as stored in the content store (possibly compressed). */
  blob?: { digest: string; size: number; mediaType: string };
  created: string;
}

export interface RegisterOptions {
  /** Keep the incoming bytes as a blob (import, commit). Off when they come from the content store already. */
  storeBlob?: boolean;
  /** The blob the bytes come from, when reading from the content store (verified). */
  blob?: { digest: string; size: number; mediaType?: string };
  /** A layer packed here from a container's own files (commit): symlinks may point anywhere, as
   * they may in the container (see ExtractOptions.chrooted). Not for bytes from outside. */
  ownFiles?: boolean;
  /** Fail unless the uncompressed tar has this digest (load, pull). */
  expectedDiffId?: string;
  /** Awaited after unpacking, before the layer is recorded: parallel pulls unpack out of order
   * but record each layer only after its parent, so the store never holds an orphan. */
  beforeCommit?: () => Promise<void>;
  /**
   * The caller hashes the incoming bytes and checks them against `blob.digest` (a pull's download):
   * settles with null once all of them passed, or with the error that failed them. Nothing is
   * committed before; the bytes are not hashed a second time here (sha256 is most of a pull's CPU).
   */
  verified?: Promise<Error | null>;
}

/** What this store computed from a blob's bytes once it had checked them against the blob's digest. */
interface BlobDiffId {
  diffId: string;
  tarSize: number;
}

export function chainIdOf(parent: string | undefined, diffId: string): string {
  return parent ? sha256(`${parent} ${diffId}`) : diffId;
}

/** Chain IDs for a list of diffIDs, bottom to top. */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  let parent: string | undefined;
  for (const d of diffIds) {
    parent = chainIdOf(parent, d);
    out.push(parent);
  }
  return out;
}

export class LayerStore {
  readonly dir: string;
  private readonly tmp: string;
  private readonly content: ContentStore;
  private readonly docs: Collection<LayerRecord>;
  /** compressed blob hex → its tar's diffID, as hashed here (kept after the layer goes, as dockerd's v2 metadata) */
  private readonly blobDiffIds: Collection<BlobDiffId>;
  private pins = new Map<string, number>();

  constructor(deps: { db: MetaDB; content: ContentStore; dir: string; tmp: string }) {
    this.dir = deps.dir;
    this.tmp = deps.tmp;
    this.content = deps.content;
    this.docs = deps.db.collection<LayerRecord>('layers');
    this.blobDiffIds = deps.db.collection<BlobDiffId>('blobdiffid');
    fs.mkdirSync(path.join(this.dir, 'l'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.tmp, { recursive: true });
  }

  get(chainId: string): LayerRecord | undefined {
    return this.docs.get(chainId);
  }

  all(): LayerRecord[] {
    return this.docs.all();
  }

  /** Chain IDs of the layer directories on disk (recorded or not). */
  dirs(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((n) => /^[a-f0-9]{64}$/.test(n))
      .map((n) => 'sha256:' + n);
  }

  diffDir(chainId: string): string {
    return path.join(this.dir, hexOf(chainId), 'diff');
  }

  /** Mount-option form of the layer's dir, relative to `dir`: "l/<26 chars>". */
  linkName(chainId: string): string {
    return `l/${hexOf(chainId).slice(0, 26).toUpperCase()}`;
  }

  ensureLink(chainId: string): void {
    const link = path.join(this.dir, this.linkName(chainId));
    const target = `../${hexOf(chainId)}/diff`;
    try {
      if (fs.readlinkSync(link) === target) return;
      fs.unlinkSync(link);
    } catch {
      // no link (or a stale one already gone): created below
    }
    fs.symlinkSync(target, link);
  }

  /** Keep a layer from being removed while an operation that will reference it is in flight. */
  pin(chainId: string): void {
    this.pins.set(chainId, (this.pins.get(chainId) ?? 0) + 1);
  }
  unpin(chainId: string): void {
    const n = (this.pins.get(chainId) ?? 0) - 1;
    if (n <= 0) this.pins.delete(chainId);
    else this.pins.set(chainId, n);
  }
  isPinned(chainId: string): boolean {
    return this.pins.has(chainId);
  }
  /** Blobs of layers (recorded or in flight) that must not be deleted. */
  blobInUse(digest: string, except?: string): boolean {
    return this.docs.all().some((l) => l.chainId !== except && l.blob?.digest === digest);
  }

  /**
   * Unpack a layer tar (plain, gzip or zstd) on top of `parent` and record it.
   * Returns the (pinned) record; the caller unpins once something references the layer.
   * If the same chain exists already, the new copy is dropped and the existing one returned.
   */
  async register(src: Readable, parent: string | undefined, opts: RegisterOptions = {}): Promise<LayerRecord> {
    if (opts.expectedDiffId) {
      const existing = this.get(chainIdOf(parent, opts.expectedDiffId));
      if (existing) {
        src.resume();
        this.pin(existing.chainId);
        return existing;
      }
    }
    const work = path.join(this.tmp, `layer-${randomBytes(8).toString('hex')}`);
    fs.mkdirSync(path.join(work, 'diff'), { recursive: true });
    fs.chmodSync(path.join(work, 'diff'), 0o755);
    if (opts.verified && !opts.blob) throw new Error('register: verified bytes need their blob digest');
    // One sha256 pass over the incoming bytes (it is most of a pull's or a load's CPU): the caller's
    // when they are verified, else the raw tap's, which also names the stored blob.
    const writer = opts.storeBlob ? this.content.writer(false) : undefined;
    const rawTap = new HashingTap(writer ? (c) => writer.write(c) : undefined, !opts.verified && !!(writer || opts.blob));
    // The tar of a blob this store has hashed before is not hashed again (sha256 of the tar is a
    // sixth of a pull's CPU): decompression is deterministic, so bytes that match the blob's digest
    // (checked below before anything is committed) give the same tar, whose diffID is known.
    const blobChecked = opts.blob && (opts.verified || !writer);
    const known = blobChecked ? this.blobDiffIds.get(hexOf(opts.blob!.digest)) : undefined;
    const diffTap = new HashingTap(undefined, !known);
    let result: { size: number };
    let compression: keyof typeof MEDIA_TYPES = 'none';
    // Not stream.pipeline for the source: on failure we must not destroy it (it may be the
    // client's request, which still has to get an answer); we stop reading and drain it.
    const onSrcError = (e: Error) => rawTap.destroy(e);
    src.on('error', onSrcError);
    src.pipe(rawTap);
    let dec: { stream: Readable; compression: keyof typeof MEDIA_TYPES } | undefined;
    try {
      dec = await decompress(rawTap);
      compression = dec.compression;
      dec.stream.on('error', (e) => diffTap.destroy(e));
      dec.stream.pipe(diffTap);
      result = await extractTar(diffTap, { dest: path.join(work, 'diff'), overlayWhiteouts: true, chrooted: opts.ownFiles });
      if (!rawTap.readableEnded) await finished(rawTap);
    } catch (e) {
      src.unpipe(rawTap);
      src.resume();
      for (const s of [rawTap, dec?.stream, diffTap]) s?.destroy();
      writer?.abort();
      removeLater(work);
      throw e instanceof Error && (e as any).kind ? e : systemError(`failed to register layer: ${(e as Error).message}`, e);
    }
    const diffId = known?.diffId ?? diffTap.digest();
    if (opts.expectedDiffId && opts.expectedDiffId !== diffId) {
      writer?.abort();
      removeLater(work);
      throw systemError(`invalid diffID: expected ${JSON.stringify(opts.expectedDiffId)}, got ${JSON.stringify(diffId)}`);
    }
    let blob: LayerRecord['blob'];
    try {
      const bad = await opts.verified;
      if (bad) throw bad;
      await writer?.flush();
      await opts.beforeCommit?.();
      // (the same bytes cannot make a tar of another length: a guard against a wrong record, not a check of the bytes)
      if (known && known.tarSize !== diffTap.bytes) throw systemError(`blob ${opts.blob!.digest}: its tar is ${diffTap.bytes} bytes, ${known.tarSize} when it was first unpacked`);
      if (writer) {
        const digest = writer.commitVerified(opts.verified ? opts.blob!.digest : rawTap.digest());
        blob = { digest, size: writer.size, mediaType: MEDIA_TYPES[compression] };
      } else if (opts.verified) {
        blob = { digest: opts.blob!.digest, size: opts.blob!.size, mediaType: opts.blob!.mediaType ?? MEDIA_TYPES[compression] };
      } else if (opts.blob) {
        const got = rawTap.digest();
        if (got !== opts.blob.digest) throw systemError(`blob ${opts.blob.digest} is corrupted: its content hashes to ${got}`);
        blob = { digest: opts.blob.digest, size: opts.blob.size, mediaType: opts.blob.mediaType ?? MEDIA_TYPES[compression] };
      }
    } catch (e) {
      writer?.abort();
      removeLater(work);
      throw e;
    }
    // (blob.digest is that of the very bytes unpacked: checked against the caller's, or computed here)
    if (blob && !known) this.blobDiffIds.put(hexOf(blob.digest), { diffId, tarSize: diffTap.bytes });
    return this.commit(work, parent, diffId, result.size, diffTap.bytes, blob);
  }

  /** Unpack a layer whose tar is already in the content store. */
  async registerBlob(blob: { digest: string; size?: number; mediaType?: string }, parent: string | undefined, expectedDiffId?: string): Promise<LayerRecord> {
    if (expectedDiffId) {
      const existing = this.get(chainIdOf(parent, expectedDiffId));
      if (existing) {
        this.pin(existing.chainId);
        return existing;
      }
    }
    const size = blob.size ?? this.content.size(blob.digest);
    return this.register(this.content.readStream(blob.digest), parent, { blob: { ...blob, size }, expectedDiffId });
  }

  /** Synchronous from the rename to the record: no other operation can interleave. */
  private commit(work: string, parent: string | undefined, diffId: string, size: number, tarSize: number, blob: LayerRecord['blob']): LayerRecord {
    const chainId = chainIdOf(parent, diffId);
    const existing = this.get(chainId);
    if (existing) {
      removeLater(work);
      if (!existing.blob && blob) {
        existing.blob = blob;
        this.docs.put(chainId, existing);
      }
      this.pin(chainId);
      return existing;
    }
    const final = path.join(this.dir, hexOf(chainId));
    if (fs.existsSync(final)) this.trash(final); // an unrecorded leftover
    fs.renameSync(work, final);
    this.ensureLink(chainId);
    const rec: LayerRecord = { chainId, diffId, size, tarSize, blob, created: new Date().toISOString() };
    if (parent) rec.parent = parent;
    this.docs.put(chainId, rec);
    this.pin(chainId);
    return rec;
  }

  /** The layer's uncompressed tar, byte-identical to what was registered. */
  async tarStream(chainId: string): Promise<Readable> {
    const rec = this.get(chainId);
    if (!rec) throw notFound(`layer does not exist: ${chainId}`);
    if (!rec.blob || !this.content.has(rec.blob.digest)) throw systemError(`layer ${chainId} has no stored content`);
    const { stream } = await decompress(this.content.readStream(rec.blob.digest));
    return stream;
  }

  /**
   * Remove the given layers that are neither referenced nor pinned (with their blobs when no
   * other layer shares them). `candidates` top to bottom; returns what was removed, in that order.
   */
  release(candidates: string[], referenced: Set<string>): LayerRecord[] {
    const removed: LayerRecord[] = [];
    for (const id of candidates) {
      if (referenced.has(id) || this.pins.has(id)) continue;
      const rec = this.get(id);
      if (!rec) continue;
      this.docs.delete(id);
      this.trash(path.join(this.dir, hexOf(id)));
      try {
        fs.unlinkSync(path.join(this.dir, this.linkName(id)));
      } catch {
        // the link may never have been made or be gone already
      }
      if (rec.blob && !this.blobInUse(rec.blob.digest)) this.content.delete(rec.blob.digest);
      removed.push(rec);
    }
    return removed;
  }

  /** Move a directory out of the way at once (atomic), delete it in the background. */
  private trash(dir: string): void {
    const t = path.join(this.tmp, `trash-${randomBytes(8).toString('hex')}`);
    try {
      fs.renameSync(dir, t);
    } catch (e: any) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    removeLater(t);
  }

  /** Sweep what a crash may have left: temp dirs, unrecorded layer dirs, stale links. */
  recover(): void {
    for (const n of fs.readdirSync(this.tmp)) {
      // (build-*: build contexts, removed in the background after each build)
      if (n.startsWith('layer-') || n.startsWith('trash-') || n.startsWith('build-')) removeLater(path.join(this.tmp, n));
    }
    const known = new Set(this.docs.ids().map((id) => hexOf(id)));
    for (const n of fs.readdirSync(this.dir)) {
      if (n === 'l') continue;
      if (!known.has(n)) {
        log.warn(`removing unrecorded layer directory ${n}`);
        this.trash(path.join(this.dir, n));
      }
    }
    const links = path.join(this.dir, 'l');
    for (const n of fs.readdirSync(links)) {
      const p = path.join(links, n);
      if (!fs.existsSync(p)) fs.rmSync(p, { force: true });
    }
    for (const id of this.docs.ids()) this.ensureLink(id);
  }
}

function removeLater(dir: string): void {
  fs.promises.rm(dir, { recursive: true, force: true }).catch((e) => log.warn(`removing ${dir}: ${e.message}`));
}
