// What the image side of the data root holds and who holds it: every blob in the content store is
// an image's config or extra blob (manifests, indexes), a layer's tar, or held by a lease of an
// operation still in flight; every layer record is under an image, a container's writable layer
// or a lease; every layer directory has a record. What nobody holds is an orphan, and what is held
// but missing is damage. Pure, so the decision the daemon takes at start (what to delete) is the
// one its unit test checks and the one the crash test audits.
//
// Leases are containerd's idea: an operation that writes content it cannot reference yet (a pull
// lands layers before the image exists) holds them under a lease with an expiry, so that a crash
// leaves them for the retried operation to reuse, and the garbage collector takes them only once
// the lease has expired.

export interface Lease {
  id: string;
  /** ISO time after which what the lease holds is no longer kept for it. */
  expires: string;
  /** Layers (chain IDs) the operation lands and means to reference. */
  chains: string[];
  /** Blobs it lands before anything references them. */
  blobs?: string[];
  /** The image the operation makes: once it exists the operation has finished and the lease holds nothing. */
  image?: string;
}

export interface StoreView {
  images: { id: string; chain: string[]; blobs?: string[] }[];
  layers: { chainId: string; parent?: string; blob?: string }[];
  rwLayers: { id: string; layers: string[] }[];
  leases: Lease[];
  /** digests ("sha256:…") of the files in the content store */
  blobFiles: string[];
  /** chain IDs ("sha256:…") of the directories in the layer store */
  layerDirs: string[];
  /** milliseconds since the epoch (leases past their expiry hold nothing) */
  now: number;
}

export interface Accounting {
  /** Layer records nothing holds, top first (children before parents). */
  orphanLayers: string[];
  /** Blobs nothing holds (with the orphan layers gone). */
  orphanBlobs: string[];
  /** Layer directories without a record. */
  unrecordedDirs: string[];
  /** Leases past their expiry, or whose operation finished (its image exists): they hold nothing. */
  endedLeases: string[];
  /** Held but missing: "layer X of image Y", "blob X of layer Y", ... (never deleted by recovery; reported). */
  missing: string[];
}

export function liveLeases(leases: Lease[], now: number, images?: Set<string>): Lease[] {
  return leases.filter((l) => !(Date.parse(l.expires) <= now) && !(l.image && images?.has(l.image)));
}

export function accountStore(v: StoreView): Accounting {
  const live = liveLeases(v.leases, v.now, new Set(v.images.map((i) => i.id)));
  const layers = new Map(v.layers.map((l) => [l.chainId, l]));
  const missing: string[] = [];
  // Layers held directly, then their parents (a layer's parent is part of its filesystem).
  const held = new Set<string>();
  const hold = (chainId: string, by: string, mustExist: boolean) => {
    for (let c: string | undefined = chainId; c && !held.has(c); c = layers.get(c)?.parent) {
      held.add(c);
      if (mustExist && !layers.has(c)) missing.push(`layer ${c} of ${by}`);
    }
  };
  for (const img of v.images) for (const c of img.chain) hold(c, `image ${img.id}`, true);
  for (const rw of v.rwLayers) for (const c of rw.layers) hold(c, `container ${rw.id}`, true);
  for (const l of live) for (const c of l.chains) hold(c, `lease ${l.id}`, false);
  const orphanLayers = topFirst(v.layers.filter((l) => !held.has(l.chainId)));

  const keepBlobs = new Set<string>();
  for (const img of v.images) {
    keepBlobs.add(img.id);
    for (const b of img.blobs ?? []) keepBlobs.add(b);
  }
  for (const l of v.layers) if (l.blob && held.has(l.chainId)) keepBlobs.add(l.blob);
  for (const l of live) for (const b of l.blobs ?? []) keepBlobs.add(b);
  const files = new Set(v.blobFiles);
  for (const img of v.images) if (!files.has(img.id)) missing.push(`config blob of image ${img.id}`);
  for (const l of v.layers) if (l.blob && held.has(l.chainId) && !files.has(l.blob)) missing.push(`blob ${l.blob} of layer ${l.chainId}`);

  const dirs = new Set(v.layerDirs);
  for (const l of v.layers) if (held.has(l.chainId) && !dirs.has(l.chainId)) missing.push(`directory of layer ${l.chainId}`);
  return {
    orphanLayers,
    orphanBlobs: v.blobFiles.filter((b) => !keepBlobs.has(b)),
    unrecordedDirs: v.layerDirs.filter((d) => !layers.has(d)),
    endedLeases: v.leases.filter((l) => !live.includes(l)).map((l) => l.id),
    missing,
  };
}

/** Order layers so that each comes before its parent (release removes children first). */
function topFirst(ls: { chainId: string; parent?: string }[]): string[] {
  const ids = new Set(ls.map((l) => l.chainId));
  const depth = new Map<string, number>();
  const byId = new Map(ls.map((l) => [l.chainId, l]));
  const d = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const p = byId.get(id)?.parent;
    const v = p && ids.has(p) ? d(p) + 1 : 0;
    depth.set(id, v);
    return v;
  };
  return [...ids].sort((a, b) => d(b) - d(a));
}
