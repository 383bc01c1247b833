// Engine API: /containers/* — thin adapters over the container service.
import { renderEach } from '../views/render-each.ts';
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { ContainerService, WaitCondition } from '../../engine/containers/service.ts';
import type { ContainerRecord } from '../../engine/containers/record.ts';
import type { ImageService } from '../../images/types.ts';
import type { RuntimeDriver } from '../../runtime/types.ts';
import type { CopyFreezer } from '../../runtime/copy-freeze.ts';
import type { Readable } from 'node:stream';
import { spool } from '../../util/spool.ts';
import { invalidParameter, notFound, notImplemented } from '../../errdefs.ts';
import { inspectView, listView, portList } from '../views/containers.ts';
import { CONTAINER_LIST_FILTERS, CONTAINER_PRUNE_FILTERS, containerPruneMatcher, filterContainerList } from '../filters/containers.ts';
import { frame, streamContentType } from '../stdcopy.ts';
import { attachToContainer } from './attach.ts';
import { parseTime } from './time.ts';
import { containerSizes } from '../../engine/containers/size.ts';
import { defaultMemorySwap, type ResourceFields } from '../../engine/containers/resources.ts';
import { adaptCreateBody, createWarnings } from '../versions/create.ts';
import { checkNetworkMode } from '../network-mode.ts';
import { logAttributes, detailsPrefix } from '../../engine/containers/log-attrs.ts';
import { containerInspectFor, containerListFor } from '../versions/responses.ts';
import { cgroupLayout } from '../../platform/linux/cgroups.ts';
import { migrateMacAddress } from '../mac-address.ts';

export interface ContainerRouteDeps {
  containers: ContainerService;
  images: ImageService & { graphDriverData?(containerId: string): { LowerDir?: string; UpperDir: string; MergedDir: string; WorkDir: string } };
  /** ids of the images built on top of an image (docker ps --filter ancestor=) */
  imageChildren: (imageId: string) => string[];
  runtime: RuntimeDriver;
  freezer: CopyFreezer;
  /** where a copy out of a container waits for its client (spool.ts) */
  spoolDir: string;
}

export function registerContainerRoutes(r: Router, d: ContainerRouteDeps): void {
  const { containers } = d;
  const sizesOf = (c: ContainerRecord) => {
    let imageSize = 0;
    try {
      imageSize = d.images.resolve(c.Image).size;
    } catch {
      // the image was removed (rmi -f): its size counts as 0
    }
    return containerSizes(d.images.graphDriverData?.(c.Id)?.UpperDir ?? '', imageSize);
  };

  r.post('/containers/create', async (ctx) => {
    const body = await ctx.body('ContainerCreate');
    if (Object.keys(body).length === 0) throw invalidParameter('config cannot be empty in order to create a container');
    adaptCreateBody(body, ctx.version, ctx.query, { cgroupV2: cgroupLayout().version === 2 });
    if (body.HostConfig && typeof body.HostConfig === 'object') defaultMemorySwap(body.HostConfig as ResourceFields);
    const macWarning = migrateMacAddress(body, ctx.version);
    const versionWarnings = [...createWarnings(body, ctx.version), ...checkNetworkMode(body)];
    const res = await containers.create({ name: ctx.q('name'), platform: ctx.q('platform') || undefined, config: body });
    if (macWarning) res.Warnings = [...(res.Warnings ?? []), macWarning];
    if (versionWarnings.length) res.Warnings = [...versionWarnings, ...(res.Warnings ?? [])];
    ctx.created(res);
  });

  r.get('/containers/json', (ctx) => {
    const limit = ctx.qInt('limit') ?? (ctx.qBool('latest') ? 1 : 0);
    const filters = ctx.filters(CONTAINER_LIST_FILTERS);
    const list = containers.list().sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created) || (b.Id < a.Id ? -1 : 1));
    const shown = filterContainerList(list, filters, { all: ctx.qBool('all'), limit, find: (ref) => containers.get(ref) }, {
      imageId: (ref) => {
        try {
          return d.images.resolve(ref).id;
        } catch {
          return undefined;
        }
      },
      imageChildren: d.imageChildren,
      ports: portList,
    });
    const withSize = ctx.qBool('size');
    ctx.ok(containerListFor(ctx.version, renderEach(shown, (c) => listView(c, withSize ? sizesOf(c) : undefined), 'containers')));
  });

  r.get('/containers/:id/json', (ctx) => {
    const c = containers.get(ctx.params.id!);
    const graph = d.images.graphDriverData?.(c.Id) ?? { UpperDir: '', MergedDir: '', WorkDir: '' };
    const view: any = inspectView(c, graph, ctx.qBool('size') ? sizesOf(c) : undefined);
    ctx.ok(containerInspectFor(ctx.version, view));
  });

  r.post('/containers/:id/start', async (ctx) => {
    await containers.start(ctx.params.id!);
    ctx.noContent();
  });

  r.post('/containers/:id/stop', async (ctx) => {
    await containers.stop(ctx.params.id!, { timeout: ctx.qInt('t'), signal: ctx.q('signal') });
    ctx.noContent();
  });

  r.post('/containers/:id/restart', async (ctx) => {
    await containers.restart(ctx.params.id!, { timeout: ctx.qInt('t'), signal: ctx.q('signal') });
    ctx.noContent();
  });

  r.post('/containers/:id/kill', async (ctx) => {
    await containers.kill(ctx.params.id!, ctx.q('signal') || 'KILL');
    ctx.noContent();
  });

  r.post('/containers/:id/pause', async (ctx) => {
    await containers.pause(ctx.params.id!);
    ctx.noContent();
  });

  r.post('/containers/:id/unpause', async (ctx) => {
    await containers.unpause(ctx.params.id!);
    ctx.noContent();
  });

  r.post('/containers/:id/rename', async (ctx) => {
    await containers.rename(ctx.params.id!, ctx.q('name') ?? '');
    ctx.noContent();
  });

  // docker rm --link /self/alias: the CLI sends the link's name as it is, slashes included
  r.delete('/containers/*', async (ctx) => {
    if (!ctx.qBool('link')) throw notFound('page not found');
    await containers.removeLink(ctx.params['*']!);
    ctx.noContent();
  });

  r.delete('/containers/:id', async (ctx) => {
    if (ctx.qBool('link')) return void (await containers.removeLink(ctx.params.id!), ctx.noContent());
    await containers.remove(ctx.params.id!, { force: ctx.qBool('force'), volumes: ctx.qBool('v') });
    ctx.noContent();
  });

  r.post('/containers/:id/wait', async (ctx) => {
    const condition = (ctx.q('condition') || 'not-running') as WaitCondition;
    const ac = new AbortController();
    const waiting = containers.wait(ctx.params.id!, condition, ac.signal);
    // Like dockerd, send the headers at once so the client knows the wait is registered.
    const res = ctx.stream('application/json');
    ctx.req.socket.once('close', () => ac.abort());
    // the client went away: the wait settled with the abort, and there is no one to answer
    const r = await waiting.catch((e) => {
      if (ac.signal.aborted) return undefined;
      throw e;
    });
    if (!r) return void res.destroy();
    res.end(JSON.stringify(r) + '\n');
  });

  r.post('/containers/:id/resize', async (ctx) => {
    const h = ctx.qInt('h');
    const w = ctx.qInt('w');
    if (h === undefined || w === undefined || h < 0 || w < 0) throw invalidParameter('invalid resize: h and w must be positive integers');
    await containers.resize(ctx.params.id!, h, w);
    ctx.send(200, '');
  });

  r.get('/containers/:id/top', async (ctx) => {
    ctx.ok(await containers.top(ctx.params.id!, ctx.q('ps_args') || '-ef'));
  });

  r.get('/containers/:id/logs', (ctx) => logs(ctx, d));

  r.post('/containers/:id/attach', (ctx) => attachToContainer(ctx, containers));

  r.post('/commit', async (ctx) => {
    const ref = ctx.q('container');
    if (!ref) throw invalidParameter('No container name or ID supplied');
    const repo = ctx.q('repo') ?? '';
    const tag = ctx.q('tag') ?? '';
    if (!repo && tag) throw invalidParameter('invalid reference format: tag without a repository');
    const config = await ctx.json<any>(null as never);
    const id = await containers.commit(ref, {
      reference: repo ? (tag ? `${repo}:${tag}` : repo) : undefined,
      comment: ctx.q('comment'),
      author: ctx.q('author'),
      changes: ctx.query.getAll('changes').flatMap((c) => c.split('\n')).filter((c) => c.trim()),
      pause: ctx.qBool('pause', true),
      config,
    });
    ctx.created({ Id: id });
  });

  r.get('/containers/:id/changes', async (ctx) => {
    const c = containers.get(ctx.params.id!);
    // frozen meanwhile: the walk of the writable layer must not follow a symlink swapped in (copy-freeze.ts)
    const thaw = await d.freezer.holdStill(c.Id);
    const changes = await d.images.changes(c.Id).finally(thaw);
    ctx.ok(changes.length ? changes : null);
  });

  r.get('/containers/:id/export', async (ctx) => {
    const c = containers.get(ctx.params.id!);
    await containers.rootfs(c.Id);
    let tar: Readable;
    try {
      // frozen while the rootfs is read from the host (copy-freeze.ts), and only that long: read
      // whole before the answer, which the client may take its time over (spool.ts)
      const thaw = await d.freezer.holdStill(c.Id);
      try {
        tar = await spool(await d.images.exportRootfs(c.Id), d.spoolDir);
      } finally {
        await thaw();
      }
    } finally {
      await containers.releaseRootfs(c.Id);
    }
    const res = ctx.stream('application/x-tar');
    tar.pipe(res);
    tar.on('error', () => res.destroy());
    res.on('close', () => tar.destroy());
    // (dockerd logs the event once the whole tar is written, not for an export cut short)
    res.on('finish', () => containers.emitEvent(c.Id, 'export'));
  });

  r.post('/containers/prune', async (ctx) => {
    const match = containerPruneMatcher(ctx.filters(CONTAINER_PRUNE_FILTERS));
    ctx.ok(await containers.prune(match));
  });

  r.post('/containers/:id/update', async (ctx) => {
    const body = await ctx.body<Record<string, unknown>>('ContainerUpdate');
    ctx.ok(await containers.update(ctx.params.id!, body));
  });
}

async function logs(ctx: Ctx, d: ContainerRouteDeps): Promise<void> {
  const c = d.containers.get(ctx.params.id!);
  const stdout = ctx.qBool('stdout');
  const stderr = ctx.qBool('stderr');
  if (!stdout && !stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
  if (c.HostConfig.LogConfig?.Type === 'none') throw notImplemented('configured logging driver does not support reading');
  const follow = ctx.qBool('follow');
  const timestamps = ctx.qBool('timestamps');
  const details = ctx.qBool('details') ? Buffer.from(detailsPrefix(logAttributes(c))) : undefined;
  const tailRaw = ctx.q('tail');
  // dockerd reads tail with strconv.Atoi and takes anything else ("all", "bogus", "1.5") or a
  // negative count as every line
  const tailN = tailRaw !== undefined && /^[+-]?\d+$/.test(tailRaw) ? Number(tailRaw) : -1;
  const tail = tailN < 0 ? undefined : tailN;
  const since = ctx.q('since') ? parseTime(ctx.q('since')!) : undefined;
  const until = ctx.q('until') ? parseTime(ctx.q('until')!) : undefined;
  const tty = !!c.Config.Tty;
  const res = ctx.stream(streamContentType(tty));
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  try {
    const entries = d.containers.logs(c.Id, { follow, tail: tail !== undefined && tail >= 0 ? tail : undefined, since, until, stdout, stderr }, ac.signal);
    for await (const e of entries) {
      const line = details ? Buffer.concat([details, e.data]) : e.data;
      const data = timestamps ? Buffer.concat([Buffer.from(e.time + ' '), line]) : line;
      const ok = res.write(tty ? data : frame(e.stream, data));
      if (!ok) await new Promise((r) => res.once('drain', r));
    }
  } finally {
    res.end();
  }
}
