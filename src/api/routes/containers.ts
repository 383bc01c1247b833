// Engine API: /containers/* — thin adapters over the container service.
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { ContainerService, WaitCondition } from '../../engine/containers/service.ts';
import type { ContainerRecord } from '../../engine/containers/record.ts';
import type { ImageService } from '../../images/types.ts';
import type { RuntimeDriver } from '../../runtime/types.ts';
import { invalidParameter } from '../../errdefs.ts';
import { inspectView, listView } from '../views/containers.ts';
import { frame, streamContentType } from '../stdcopy.ts';
import { attachToContainer } from './attach.ts';
import { parseTime } from './time.ts';
import { migrateMacAddress } from '../mac-address.ts';

export interface ContainerRouteDeps {
  containers: ContainerService;
  images: ImageService & { graphDriverData?(containerId: string): { LowerDir?: string; UpperDir: string; MergedDir: string; WorkDir: string } };
  runtime: RuntimeDriver;
}

export function registerContainerRoutes(r: Router, d: ContainerRouteDeps): void {
  const { containers } = d;

  r.post('/containers/create', async (ctx) => {
    const body = await ctx.json<any>();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameter('invalid JSON: body must be an object');
    if (Object.keys(body).length === 0) throw invalidParameter('config cannot be empty in order to create a container');
    const macWarning = migrateMacAddress(body, ctx.version);
    const res = await containers.create({ name: ctx.q('name'), config: body });
    if (macWarning) res.Warnings = [...(res.Warnings ?? []), macWarning];
    ctx.created(res);
  });

  r.get('/containers/json', (ctx) => {
    const all = ctx.qBool('all');
    const limit = ctx.qInt('limit') ?? (ctx.qBool('latest') ? 1 : undefined);
    const filters = ctx.filters();
    let list = containers.list().sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created) || (b.Id < a.Id ? -1 : 1));
    const explicitStatus = filters.has('status') || filters.has('exited');
    if (!all && !explicitStatus && limit === undefined) list = list.filter((c) => c.State.Running);
    list = applyFilters(list, filters, containers);
    if (limit !== undefined && limit > 0) list = list.slice(0, limit);
    ctx.ok(list.map(listView));
  });

  r.get('/containers/:id/json', (ctx) => {
    const c = containers.get(ctx.params.id!);
    const graph = d.images.graphDriverData?.(c.Id) ?? { UpperDir: '', MergedDir: '', WorkDir: '' };
    const view: any = inspectView(c, graph);
    if (ctx.qBool('size')) {
      view.SizeRw = 0;
      view.SizeRootFs = 0;
    }
    ctx.ok(view);
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

  r.post('/containers/:id/rename', (ctx) => {
    containers.rename(ctx.params.id!, ctx.q('name') ?? '');
    ctx.noContent();
  });

  r.delete('/containers/:id', async (ctx) => {
    if (ctx.qBool('link')) throw invalidParameter('links are not supported');
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
    const r = await waiting;
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

  r.post('/containers/:id/attach', (ctx) => attachToContainer(ctx, containers, d.runtime));

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
    const changes = await d.images.changes(c.Id);
    ctx.ok(changes.length ? changes : null);
  });

  r.get('/containers/:id/export', async (ctx) => {
    const c = containers.get(ctx.params.id!);
    await containers.rootfs(c.Id);
    const tar = await d.images.exportRootfs(c.Id).catch(async (e) => {
      await containers.releaseRootfs(c.Id);
      throw e;
    });
    const res = ctx.stream('application/x-tar');
    tar.pipe(res);
    tar.on('error', () => res.destroy());
    res.on('close', () => void containers.releaseRootfs(c.Id));
    containers.emitEvent(c.Id, 'export');
  });

  r.post('/containers/prune', async (ctx) => {
    const filters = ctx.filters();
    const until = filters.get('until')?.[0];
    const labels = filters.get('label') ?? [];
    const res = await containers.prune((c) => {
      if (until && Date.parse(c.Created) / 1000 >= parseTime(until)) return true;
      return !labels.every((l) => labelMatches(c, l));
    });
    ctx.ok(res);
  });

  r.post('/containers/:id/update', async (ctx) => {
    const body = await ctx.json<Record<string, unknown>>({});
    ctx.ok(await containers.update(ctx.params.id!, body ?? {}));
  });
}

function labelMatches(c: ContainerRecord, f: string): boolean {
  const labels = c.Config.Labels ?? {};
  const i = f.indexOf('=');
  if (i < 0) return f in labels;
  return labels[f.slice(0, i)] === f.slice(i + 1);
}

function applyFilters(list: ContainerRecord[], filters: Map<string, string[]>, containers: ContainerService): ContainerRecord[] {
  const known = ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'health', 'volume', 'network', 'is-task', 'publish', 'expose', 'isolation'];
  for (const k of filters.keys()) if (!known.includes(k)) throw invalidParameter(`invalid filter '${k}'`);
  const statuses = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
  for (const s of filters.get('status') ?? []) if (!statuses.includes(s)) throw invalidParameter(`invalid filter 'status=${s}'`);
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeC = before ? containers.get(before) : undefined;
  const sinceC = since ? containers.get(since) : undefined;
  return list.filter((c) => {
    const any = (key: string, pred: (v: string) => boolean) => {
      const vals = filters.get(key);
      return !vals || vals.length === 0 || vals.some(pred);
    };
    if (!any('id', (v) => c.Id.startsWith(v))) return false;
    if (!any('name', (v) => new RegExp(v).test(c.Name.slice(1)) || new RegExp(v).test(c.Name))) return false;
    if (!(filters.get('label') ?? []).every((l) => labelMatches(c, l))) return false;
    if (!any('status', (v) => c.State.Status === v)) return false;
    if (!any('exited', (v) => c.State.Status === 'exited' && c.State.ExitCode === Number(v))) return false;
    if (!any('ancestor', (v) => c.Config.Image === v || c.Image === v || c.Image === `sha256:${v}` || c.Image.startsWith(`sha256:${v}`) || c.Config.Image === `${v}:latest`)) return false;
    if (beforeC && !(Date.parse(c.Created) < Date.parse(beforeC.Created))) return false;
    if (sinceC && !(Date.parse(c.Created) > Date.parse(sinceC.Created))) return false;
    return true;
  });
}

async function logs(ctx: Ctx, d: ContainerRouteDeps): Promise<void> {
  const c = d.containers.get(ctx.params.id!);
  const stdout = ctx.qBool('stdout');
  const stderr = ctx.qBool('stderr');
  if (!stdout && !stderr) throw invalidParameter('Bad parameters: you must choose at least one stream');
  const follow = ctx.qBool('follow');
  const timestamps = ctx.qBool('timestamps');
  const tailRaw = ctx.q('tail');
  const tail = tailRaw === undefined || tailRaw === 'all' || tailRaw === '' ? undefined : Number(tailRaw);
  if (tail !== undefined && !Number.isFinite(tail)) throw invalidParameter(`invalid value for "tail": "${tailRaw}"`);
  const since = ctx.q('since') ? parseTime(ctx.q('since')!) : undefined;
  const until = ctx.q('until') ? parseTime(ctx.q('until')!) : undefined;
  const tty = !!c.Config.Tty;
  const res = ctx.stream(streamContentType(tty));
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  try {
    const entries = d.runtime.logs(c.Id, c.LogPath, { follow: follow && (c.State.Running || c.State.Status === 'created'), tail: tail !== undefined && tail >= 0 ? tail : undefined, since, until, stdout, stderr }, ac.signal);
    for await (const e of entries) {
      const data = timestamps ? Buffer.concat([Buffer.from(e.time + ' '), e.data]) : e.data;
      const ok = res.write(tty ? data : frame(e.stream, data));
      if (!ok) await new Promise((r) => res.once('drain', r));
    }
  } finally {
    res.end();
  }
}
