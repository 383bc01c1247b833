// docker cp into a directory that holds mounts (volumes, bind mounts, the /etc files): each tar entry
// goes to the filesystem that holds it as the container sees it, each one extracted with the same
// confinement as the rest (tar-extract.ts).
import path from 'node:path';
import type { Readable } from 'node:stream';
import { systemError, invalidParameter } from '../errdefs.ts';
import { drain, cleanEntryName, type Extractor, type ExtractOptions, type BelowMount } from './tar-extract.ts';
import type { TarHeader } from './tar-pax.ts';

/**
 * Sends each entry to the filesystem that holds it: the destination's own, or a mount below it
 * (one Extractor per mount, each confined to its source as the main one is to the root). A mount
 * point itself cannot be replaced (the kernel's EBUSY, which dockerd reports), a read-only mount not
 * written, and a hard link not made across two filesystems (EXDEV).
 */
export class MountRouter {
  private readonly main: Extractor;
  private readonly opts: ExtractOptions;
  private readonly mounts: BelowMount[];
  private readonly inner = new Map<string, Extractor>();
  /** a new extractor (passed in: this module cannot import the class it is imported by) */
  private readonly make: (o: ExtractOptions) => Extractor;

  constructor(main: Extractor, opts: ExtractOptions, make: (o: ExtractOptions) => Extractor) {
    this.main = main;
    this.make = make;
    this.opts = opts;
    // the deepest mount point first: the innermost mount holds what lies below it
    this.mounts = [...(opts.mounts ?? [])].sort((a, b) => b.rel.split('/').length - a.rel.split('/').length);
  }

  /** A dest-relative name as the container sees it (any mount knows where dest is: its path less its rel). */
  private inContainer(rel: string): string {
    const m = this.mounts[0]!;
    const dest = m.containerPath.slice(0, m.containerPath.length - m.rel.length);
    return path.posix.join('/', dest, rel);
  }

  private holder(rel: string): BelowMount | undefined {
    return this.mounts.find((m) => rel === m.rel || rel.startsWith(m.rel + '/'));
  }

  entry(h: TarHeader, stream: Readable, next: (err?: unknown) => void): void {
    let rel: string;
    let target = '';
    try {
      rel = cleanEntryName(h.name, this.opts.dest) ?? '';
      if (h.type === 'link') target = cleanEntryName(h.linkname ?? '', this.opts.dest) ?? '';
    } catch (e) {
      return drain(stream, () => next(e));
    }
    const m = this.holder(rel);
    const fail = (e: unknown) => drain(stream, () => next(e));
    // a hard link is made where its name lies; its target must be on the same filesystem, whichever
    // side of a mount either is (os.Link's EXDEV, which dockerd reports with both container paths)
    if (h.type === 'link' && this.holder(target) !== m) return fail(systemError(`link ${this.inContainer(target)} ${this.inContainer(rel)}: invalid cross-device link`));
    if (!m) return this.main.entry(h, stream, next);
    if (m.readOnly) return fail(invalidParameter('mounted volume is marked read-only'));
    if (rel === m.rel) {
      // the mount's root: a directory entry there changes nothing dockerd would change; anything else would replace it
      if (h.type === 'directory') return drain(stream, () => next());
      return fail(systemError(`unlinkat ${m.containerPath}: device or resource busy`));
    }
    const sub = rel.slice(m.rel.length + 1);
    if (h.type === 'link') h = { ...h, linkname: target.slice(m.rel.length + 1) };
    let x = this.inner.get(m.rel);
    if (!x) {
      x = this.make({ ...this.opts, mounts: undefined, dest: m.source, root: m.source });
      this.inner.set(m.rel, x);
    }
    x.entry({ ...h, name: sub }, stream, next);
  }

  async finish(): Promise<void> {
    for (const x of this.inner.values()) await x.finish();
  }
  size(): number {
    let n = 0;
    for (const x of this.inner.values()) n += x.totalSize();
    return n;
  }
  entries(): number {
    let n = 0;
    for (const x of this.inner.values()) n += x.entries;
    return n;
  }
}
