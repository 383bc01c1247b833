// The CRI's ImageService over Berth's one image store: what the kubelet pulls is what `docker images`
// lists, and the reverse. Semantics follow containerd's CRI plugin (an unknown image has a null
// status, removing an unknown image succeeds, a removal drops every reference of the image).
import { status as Status } from '@grpc/grpc-js';
import type { ImagesEngine } from '../engine/images.ts';
import type { DistributionService } from '../engine/distribution.ts';
import { registryHost } from '../distribution/client.ts';
import { isKind, invalidParameter } from '../errdefs.ts';
import type { ImageRecord } from '../images/types.ts';
import { criImage, credentialsFor, parseDockerRef } from './image-view.ts';
import { CriError } from './errors.ts';
import { PAUSE_IMAGE } from './pause-image.ts';
import { cachedUsage } from './disk-usage.ts';
import { refString } from '../images/reference.ts';
import type { Handlers, Msg } from './server.ts';

export interface ImageDeps {
  images: ImagesEngine;
  dist: DistributionService;
  /** runtime handler names the daemon knows (an image spec may name one) */
  runtimeHandlers: () => string[];
}

export function imageHandlers(d: ImageDeps): Handlers {
  /** containerd's localResolve: an id, an id prefix or a reference; undefined when there is no such image. */
  const lookup = (spec: Msg): ImageRecord | undefined => {
    checkHandler(spec, d.runtimeHandlers());
    const name = String(spec?.image ?? '');
    if (!name) return undefined;
    try {
      return d.images.resolve(name);
    } catch (e) {
      if (isKind(e, 'not-found') || isKind(e, 'invalid-parameter')) return undefined;
      throw e;
    }
  };
  // the sandbox holder is pinned, so that the kubelet's image GC leaves it alone
  const view = (img: ImageRecord) => {
    const refs = d.images.store.images.refs(img.id);
    return { ...criImage(img, refs), pinned: refs.some((r) => refString(r) === PAUSE_IMAGE) };
  };
  const fsUsage = cachedUsage(d.images.store.layers.dir, 10_000);

  return {
    ListImages(req) {
      const spec = req.filter?.image;
      if (spec?.image) {
        const img = lookup(spec);
        return { images: img ? [view(img)] : [] };
      }
      return { images: d.images.store.images.all().map(view) };
    },

    ImageStatus(req) {
      const img = lookup(req.image);
      if (!img) return { image: null, info: {} };
      const info: Record<string, string> = {};
      if (req.verbose) info.info = JSON.stringify({ id: img.id, imageSpec: img.config, chainID: d.images.store.images.chain(img).at(-1) ?? '' });
      return { image: view(img), info };
    },

    async PullImage(req) {
      checkHandler(req.image, d.runtimeHandlers());
      const ref = parseDockerRef(String(req.image?.image ?? ''));
      const creds = credentialsFor(req.auth, registryHost(ref.domain));
      const id = await d.dist.pull(ref, { creds }, () => {});
      return { image_ref: id };
    },

    RemoveImage(req) {
      const img = lookup(req.image);
      if (!img) return {};
      try {
        d.images.remove(img.id, { force: true });
      } catch (e) {
        if (isKind(e, 'not-found')) return {};
        // an image a running container uses: the kubelet's image GC must try again later
        if (isKind(e, 'conflict')) throw new CriError(Status.FAILED_PRECONDITION, (e as Error).message, { cause: e });
        throw e;
      }
      return {};
    },

    async ImageFsInfo() {
      const u = await fsUsage();
      return {
        image_filesystems: [{ timestamp: String(u.timestamp), fs_id: { mountpoint: d.images.store.layers.dir }, used_bytes: { value: String(u.bytes) }, inodes_used: { value: String(u.inodes) } }],
        container_filesystems: [],
      };
    },
  };
}

/** An image spec may name the runtime handler it is for; Berth keeps one image store for all of
 * them, so any handler it knows is fine and an unknown one is refused. */
function checkHandler(spec: Msg, known: string[]): void {
  const h = spec?.runtime_handler;
  if (h && !known.includes(h)) throw invalidParameter(`no runtime for "${h}" is configured`);
}
