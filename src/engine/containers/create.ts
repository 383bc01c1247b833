// docker create: validate, reserve the name, make the container's directory and read-write
// layer, save the record. The name is reserved in the database before anything slow happens,
// so that two creates of one name cannot both succeed; a create that fails gives everything
// back (name, directory, layer), and one cut short by a crash is swept by recover().
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerConfig } from '../../images/types.ts';
import { invalidParameter, isKind } from '../../errdefs.ts';
import { newId } from '../../util/ids.ts';
import { log } from '../../util/log.ts';
import { normalizeName, randomName } from './names.ts';
import { mergeConfig, commandOf } from './config-merge.ts';
import { initialState, type ContainerRecord, type HostConfig } from './record.ts';
import { writeEtcFiles } from './etc-files.ts';
import { recordLinks } from './links.ts';
import { resolveMounts } from './mounts.ts';
import { checkResources, type ResourceFields } from './resources.ts';
import { containerSeccomp } from '../../runtime/seccomp.ts';
import { hostDevicesFor } from './devices.ts';
import { chooseRuntime, isSandbox } from './isolation.ts';
import { daemonIdMap } from '../../platform/linux/idmap.ts';
import { validateConfig, checkLogConfig, readHostname } from './validate.ts';
import { validateCreate, checkPlatform } from './validate/validate.ts';
import { containerDir, crashPoint, emit, type Ctx } from './context.ts';
import { initialLogPath } from './log-files.ts';
import { phases } from '../../util/phases.ts';

export interface CreateRequest {
  name?: string;
  /** ?platform= of the create request: the image must be of it */
  platform?: string;
  config: ContainerConfig & { HostConfig?: HostConfig; NetworkingConfig?: unknown };
  /** where the log goes instead of the container's directory (the CRI's log_directory/log_path) */
  logPath?: string;
}

export async function create(ctx: Ctx, req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
  const t = phases('create');
  const { HostConfig: hcIn, NetworkingConfig: nc, ...userConfig } = req.config;
  const hc: HostConfig = { ...(hcIn ?? {}) };
  if (!userConfig.Image) throw invalidParameter('No image specified');
  validateConfig(userConfig, hc);
  const tableWarnings = validateCreate({ config: userConfig as Record<string, unknown>, hostConfig: hc, networkingConfig: nc }, { containerExists: (r) => !!ctx.store.find(r) });
  const warnings = [...tableWarnings, ...checkResources(hc as ResourceFields)];
  const userns = (hc as { UsernsMode?: string }).UsernsMode ?? '';
  if (userns !== '' && userns !== 'host') throw invalidParameter(`invalid USER mode: ${userns}`);
  if (hc.Privileged && daemonIdMap() && userns !== 'host') throw invalidParameter('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
  try {
    // a profile given is read now (its errors are the create's); the built-in one has none to give
    if ((hc.SecurityOpt ?? []).some((o) => /^seccomp[=:]/.test(o))) containerSeccomp(hc.SecurityOpt ?? [], !!hc.Privileged, []);
    hostDevicesFor(hc);
  } catch (e) {
    throw invalidParameter((e as Error).message, e);
  }
  const image = ctx.images.resolve(userConfig.Image);
  checkPlatform(req.platform, userConfig.Image, image.config);
  const config = mergeConfig(userConfig, image.config.config ?? {});
  const cmd = commandOf(config);
  if (cmd.length === 0) throw invalidParameter('No command specified');

  t.mark('validate');
  const id = newId();
  const name = reserveName(ctx, id, req.name);
  t.mark('name');
  const dir = containerDir(ctx, id);
  let layer = false;
  let volumes: string[] = [];
  try {
    crashPoint('create:after-reserve');
    const explicitNetwork = !!hc.NetworkMode && hc.NetworkMode !== 'default';
    if (!hc.NetworkMode || hc.NetworkMode === 'default') hc.NetworkMode = 'bridge';
    hc.RestartPolicy ??= { Name: 'no', MaximumRetryCount: 0 };
    checkLogConfig(hc);
    hc.Isolation ??= '';
    hc.Runtime = chooseRuntime(hc, { known: ctx.runtime.runtimes().map((r) => r.name), defaultRuntime: ctx.runtime.name, explicitNetwork, tty: !!config.Tty });
    // gVisor's own network stack cannot take over interfaces added after it started: sandboxed
    // containers get loopback only, unless a network was asked for (refused in chooseRuntime)
    if (isSandbox(hc.Isolation) && hc.NetworkMode === 'bridge' && !explicitNetwork) hc.NetworkMode = 'none';
    const hostNetwork = hc.NetworkMode === 'host';
    // (--network container:X is looked up at start, as dockerd does: a 404 here would send the CLI to pull the image)
    const networkSettings = ctx.networks?.settingsFor(hc.NetworkMode, (nc as { EndpointsConfig?: never } | undefined)?.EndpointsConfig);
    recordLinks(ctx, hc, networkSettings, name);
    if (!config.Hostname) config.Hostname = hostNetwork || hc.UTSMode === 'host' ? readHostname() : id.slice(0, 12);
    config.Image = userConfig.Image;
    const existing = new Set((ctx.volumes?.all() ?? []).map((v) => v.Name));
    const mounts = resolveMounts(hc, {
      volumes: ctx.volumes,
      imageVolumes: config.Volumes,
      volumesFrom: (ref) => {
        const o = ctx.store.get(ref);
        return { points: o.Mounts, specs: o.mountSpecs ?? resolveMounts(o.HostConfig).specs };
      },
    });

    // the anonymous volumes this create made go again if it fails
    t.mark('settings+mounts');
    volumes = mounts.points.filter((m) => m.Type === 'volume' && m.Name && !existing.has(m.Name)).map((m) => m.Name!);
    // (the directories and files on the daemon's thread: see RWLayers.create for why)
    fs.mkdirSync(dir, { recursive: true });
    const etc = writeEtcFiles(dir, {
      hostname: config.Hostname,
      hostNetwork,
      extraHosts: hc.ExtraHosts ?? [],
      hostGateway: (hc.ExtraHosts ?? []).some((h) => h.endsWith('host-gateway')) ? ctx.networks?.find('bridge')?.IPAM.Config[0]?.Gateway : undefined,
      dns: hc.Dns ?? [],
      dnsSearch: hc.DnsSearch ?? [],
      dnsOptions: hc.DnsOptions ?? [],
    });
    t.mark('etc files');
    layer = true;
    const c: ContainerRecord = {
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Path: cmd[0],
      Args: cmd.slice(1),
      Image: image.id,
      Config: config,
      HostConfig: hc,
      State: initialState(),
      RestartCount: 0,
      LogPath: initialLogPath(dir, id, hc.LogConfig?.Type ?? 'json-file', req.logPath),
      HostnamePath: etc.hostnamePath,
      HostsPath: etc.hostsPath,
      ResolvConfPath: etc.resolvConfPath,
      Mounts: mounts.points,
      mountSpecs: mounts.specs,
      ExecIDs: [],
      NetworkSettings: networkSettings,
    };
    // the writable layer's record and the container's in one transaction
    ctx.store.add(c, () => {
      ctx.images.createRWLayer(id, image);
      t.mark('rw layer');
      crashPoint('create:after-layer');
    });
    crashPoint('create:after-save');
    t.mark('save');
    emit(ctx, c, 'create');
    t.mark('event');
    t.end();
  } catch (e) {
    await undoCreate(ctx, id, name, layer, volumes);
    throw e;
  }
  // (the root filesystem is mounted at start, or ahead of it once docker run attaches or waits: see premount)
  return { Id: id, Warnings: warnings };
}

/** The name asked for, or a random one, reserved for `id` in the store (a conflict names its holder). */
function reserveName(ctx: Ctx, id: string, asked?: string): string {
  if (asked) {
    const name = normalizeName(asked);
    ctx.store.reserveName(name, id);
    return name;
  }
  for (;;) {
    const name = randomName((n) => ctx.store.nameTaken(n));
    try {
      ctx.store.reserveName(name, id);
      return name;
    } catch (e) {
      // taken between the check and the insert by a concurrent create: pick another (and only then)
      if (!isKind(e, 'conflict')) throw e;
    }
  }
}

async function undoCreate(ctx: Ctx, id: string, name: string, layer: boolean, volumes: string[]): Promise<void> {
  for (const v of volumes) {
    const rec = ctx.volumes?.find(v);
    if (!rec || !ctx.volumes!.isAnonymous(rec)) continue;
    try {
      ctx.volumes!.remove(v);
    } catch (e) {
      log.warn(`undo create ${id}: volume ${v}: ${(e as Error).message}`);
    }
  }
  if (layer) await ctx.images.removeRWLayer(id).catch((e) => log.warn(`undo create ${id}: remove rw layer: ${e.message}`));
  await fs.promises.rm(containerDir(ctx, id), { recursive: true, force: true });
  ctx.store.releaseName(name, id);
}
