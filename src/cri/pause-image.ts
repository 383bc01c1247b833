// The pod sandbox holder. A sandbox needs a process that holds its namespaces and does nothing;
// Kubernetes uses the `pause` image for that, which cannot be pulled here. Berth makes its own: one
// layer holding the host's static busybox as /sleep, run as `sleep inf`. Made once, on the first
// pod, and kept pinned (the kubelet's image GC leaves pinned images alone).
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { ImagesEngine } from '../engine/images.ts';
import { unavailable } from '../errdefs.ts';

export const PAUSE_IMAGE = 'localhost/berth-pause:1';
export const BUSYBOX = process.env.BERTH_PAUSE_BUSYBOX ?? '/bin/busybox';

let making: Promise<string> | undefined;

export function ensurePauseImage(images: ImagesEngine): Promise<string> {
  try {
    return Promise.resolve(images.resolve(PAUSE_IMAGE).id);
  } catch {
    // not made yet (or removed by a user): make it, once at a time
  }
  making ??= makePauseImage(images).finally(() => (making = undefined));
  return making;
}

async function makePauseImage(images: ImagesEngine): Promise<string> {
  let bin: Buffer;
  try {
    bin = await fs.promises.readFile(BUSYBOX);
  } catch (e) {
    throw unavailable(`the pod sandbox holder needs a static busybox at ${BUSYBOX} (Debian: busybox-static): ${(e as Error).message}`, e);
  }
  const pack = tar.pack();
  pack.entry({ name: 'sleep', mode: 0o755, mtime: new Date(0), uid: 0, gid: 0 }, bin);
  pack.finalize();
  const [name, tag] = PAUSE_IMAGE.split(':') as [string, string];
  return images.importImage(pack as unknown as Readable, { repo: name, tag, message: 'Berth pod sandbox holder', changes: ['ENTRYPOINT ["/sleep", "inf"]', 'LABEL io.berth.cri.pause=true'] });
}

export function isPauseImage(refs: string[]): boolean {
  return refs.some((r) => r === `${PAUSE_IMAGE}` || r.endsWith('/berth-pause:1'));
}
