// Engine API: /containers/{id}/archive — the file copy endpoints behind `docker cp`.
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import type { CopyFreezer } from '../../runtime/copy-freeze.ts';
import { invalidParameter } from '../../errdefs.ts';
import { statPath, getArchive, putArchive } from '../../engine/archive.ts';

export function registerArchiveRoutes(r: Router, d: { containers: ContainerService; freezer: CopyFreezer }): void {
  const withRootfs = async <T>(ctx: Ctx, fn: (rootfs: string, id: string, p: string, streamed: () => void, release: () => Promise<void>) => Promise<T>): Promise<T> => {
    const p = ctx.q('path');
    if (!p) throw invalidParameter('path cannot be empty');
    const c = d.containers.get(ctx.params.id!);
    const rootfs = await d.containers.rootfs(c.Id);
    // the container is frozen while its rootfs is walked from the host (see copy-freeze.ts)
    const thaw = await d.freezer.holdStill(c.Id).catch(async (e) => {
      await d.containers.releaseRootfs(c.Id);
      throw e;
    });
    const release = async () => {
      await thaw();
      await d.containers.releaseRootfs(c.Id);
    };
    let streaming = false;
    try {
      return await fn(rootfs, c.Id, p, () => (streaming = true), release);
    } finally {
      // a streamed answer releases the rootfs when its connection closes
      if (!streaming) await release();
    }
  };
  const statHeader = (st: unknown) => ({ 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64') });

  r.head('/containers/:id/archive', (ctx) =>
    withRootfs(ctx, async (rootfs, id, p) => {
      const st = await statPath(rootfs, p, id);
      ctx.send(200, undefined, statHeader(st));
    }),
  );

  r.get('/containers/:id/archive', (ctx) =>
    withRootfs(ctx, async (rootfs, id, p, streamed, release) => {
      const st = await statPath(rootfs, p, id);
      const tar = await getArchive(rootfs, p, id);
      streamed();
      const res = ctx.res!;
      ctx.responded = true;
      res.writeHead(200, { 'Content-Type': 'application/x-tar', ...statHeader(st) });
      tar.pipe(res);
      tar.on('error', () => res.destroy());
      // the whole tar is read while frozen: release when it has been written (or the client left)
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        void release();
      };
      tar.on('end', end);
      tar.on('error', end);
      res.on('close', end);
    }),
  );

  r.put('/containers/:id/archive', (ctx) =>
    withRootfs(ctx, async (rootfs, id, p) => {
      await putArchive(rootfs, p, ctx.req, { noOverwriteDirNonDir: ctx.qBool('noOverwriteDirNonDir'), copyUIDGID: ctx.qBool('copyUIDGID') }, id);
      d.containers.emitEvent(id, 'extract-to-dir');
      ctx.send(200, '');
    }),
  );
}
