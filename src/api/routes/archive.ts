// Engine API: /containers/{id}/archive — the file copy endpoints behind `docker cp`.
import { PassThrough } from 'node:stream';
import { spool } from '../../util/spool.ts';
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import type { CopyFreezer } from '../../runtime/copy-freeze.ts';
import { invalidParameter } from '../../errdefs.ts';
import { statPath, getArchive, putArchive, copyRoot, copySharers } from '../../engine/archive.ts';
import type { MountedRoot } from '../../platform/linux/mounted-root.ts';
import type { ContainerRecord } from '../../engine/containers/record.ts';

export function registerArchiveRoutes(r: Router, d: { containers: ContainerService; freezer: CopyFreezer; spoolDir: string }): void {
  const withRootfs = async <T>(ctx: Ctx, fn: (root: MountedRoot, c: ContainerRecord, p: string) => Promise<T>): Promise<T> => {
    const p = ctx.q('path');
    if (!p) throw invalidParameter('path cannot be empty');
    if (p.includes('\0')) throw invalidParameter('invalid path: it contains a NUL byte');
    if (p.length > 4095 || p.split('/').some((part) => Buffer.byteLength(part) > 255)) throw invalidParameter('invalid path: file name too long');
    const c = d.containers.get(ctx.params.id!);
    const rootfs = await d.containers.rootfs(c.Id);
    // the container is frozen while its rootfs is walked from the host, and so are the containers
    // sharing a mount with it (see copy-freeze.ts)
    const thaws: (() => Promise<void>)[] = [];
    const thawAll = async () => {
      for (const thaw of thaws.splice(0).reverse()) await thaw();
    };
    try {
      for (const id of [c.Id, ...copySharers(c, d.containers.list())]) thaws.push(await d.freezer.holdStill(id));
    } catch (e) {
      await thawAll();
      await d.containers.releaseRootfs(c.Id);
      throw e;
    }
    try {
      return await fn(copyRoot(c, rootfs), c, p);
    } finally {
      await thawAll();
      await d.containers.releaseRootfs(c.Id);
    }
  };
  const statHeader = (st: unknown) => ({ 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64') });

  r.head('/containers/:id/archive', (ctx) =>
    withRootfs(ctx, async (root, c, p) => {
      const st = await statPath(root, p, ctx.params.id!);
      ctx.send(200, undefined, statHeader(st));
    }),
  );

  r.get('/containers/:id/archive', (ctx) =>
    withRootfs(ctx, async (root, c, p) => {
      const st = await statPath(root, p, ctx.params.id!);
      // the whole tar is read while frozen, and then the container goes on: the client may take its
      // time over the answer (spool.ts)
      const tar = await spool(await getArchive(root, p, ctx.params.id!), d.spoolDir);
      // as moby's containerArchivePath, once the archive is there to send
      d.containers.emitEvent(c.Id, 'archive-path');
      const res = ctx.res!;
      ctx.responded = true;
      res.writeHead(200, { 'Content-Type': 'application/x-tar', ...statHeader(st) });
      tar.pipe(res);
      tar.on('error', () => res.destroy());
      res.on('close', () => tar.destroy());
    }),
  );

  r.put('/containers/:id/archive', (ctx) =>
    withRootfs(ctx, async (root, c, p) => {
      // the extractor tears down its input on a refused entry: give it a stream of its own, so the
      // request itself stays readable for drain() below
      const body = new PassThrough();
      ctx.req.pipe(body);
      // pipe() passes on the end of a body, not a connection that closed before it: without this
      // the extraction would wait forever for the rest, with the container frozen all along. The
      // connection may have closed already, while the container was being frozen.
      const cutShort = () => {
        if (!ctx.req.complete) body.destroy(invalidParameter('the upload ended before its end'));
      };
      if (ctx.req.destroyed) cutShort();
      else ctx.req.once('close', cutShort);
      try {
        await putArchive(root, p, body, { noOverwriteDirNonDir: ctx.qBool('noOverwriteDirNonDir'), copyUIDGID: ctx.qBool('copyUIDGID'), user: c.Config.User, readonlyRootfs: !!c.HostConfig.ReadonlyRootfs }, ctx.params.id!);
      } catch (e) {
        // read the rest of the upload before answering: a client still sending would get a broken
        // pipe instead of the error
        ctx.req.unpipe(body);
        await drain(ctx.req);
        throw e;
      }
      d.containers.emitEvent(c.Id, 'extract-to-dir');
      ctx.send(200, '');
    }),
  );
}

/** Read a request body to its end, discarding it. */
function drain(req: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.on('data', () => {});
    req.resume();
  });
}
