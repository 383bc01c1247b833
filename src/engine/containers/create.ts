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
import { resolveMounts } from './mounts.ts';
import { checkResources, type ResourceFields } from './resources.ts';
import { containerSeccomp } from '../../runtime/seccomp.ts';
import { hostDevicesFor } from './devices.ts';
import { chooseRuntime, isSandbox } from './isolation.ts';
import { daemonIdMap } from '../../platform/linux/idmap.ts';
import { validateConfig, checkLogConfig, readHostname } from './validate.ts';
import { containerDir, crashPoint, emit, type Ctx } from './context.ts';

export interface CreateRequest {
  name?: string;
  config: ContainerConfig & { HostConfig?: HostConfig; NetworkingConfig?: unknown };
  /** where the log goes instead of the container's directory (the CRI's log_directory/log_path) */
  logPath?: string;
}

export async function create(ctx: Ctx, req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
  const { HostConfig: hcIn, NetworkingConfig: nc, ...userConfig } = req.config;
  const hc: HostConfig = { ...(hcIn ?? {}) };
  if (!userConfig.Image) throw invalidParameter('No image specified');
  validateConfig(userConfig, hc);
  const warnings = checkResources(hc as ResourceFields);
  const userns = (hc as { UsernsMode?: string }).UsernsMode ?? '';
  if (userns !== '' && userns !== 'host') throw invalidParameter(`invalid USER mode: ${userns}`);
  if (hc.Privileged && daemonIdMap() && userns !== 'host') throw invalidParameter('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
  try {
    containerSeccomp(hc.SecurityOpt ?? [], !!hc.Privileged, []);
    hostDevicesFor(hc);
  } catch (e) {
    throw invalidParameter((e as Error).message, e);
  }
  const image = ctx.images.resolve(userConfig.Image);
  const config = mergeConfig(userConfig, image.config.config ?? {});
  const cmd = commandOf(config);
  if (cmd.length === 0) throw invalidParameter('No command specified');

  const id = newId();
  const name = reserveName(ctx, id, req.name);
  const dir = containerDir(ctx, id);
  let layer = false;
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
    if (hc.NetworkMode.startsWith('container:')) ctx.store.get(hc.NetworkMode.slice('container:'.length));
    const networkSettings = ctx.networks?.settingsFor(hc.NetworkMode, (nc as { EndpointsConfig?: never } | undefined)?.EndpointsConfig, config.ExposedPorts);
    if (!config.Hostname) config.Hostname = hostNetwork ? readHostname() : id.slice(0, 12);
    config.Image = userConfig.Image;
    const mounts = resolveMounts(hc, {
      volumes: ctx.volumes,
      imageVolumes: config.Volumes,
      volumesFrom: (ref) => {
        const o = ctx.store.get(ref);
        return { points: o.Mounts, specs: o.mountSpecs ?? resolveMounts(o.HostConfig).specs };
      },
    });

    fs.mkdirSync(dir, { recursive: true });
    const etc = writeEtcFiles(dir, {
      hostname: config.Hostname,
      hostNetwork,
      extraHosts: hc.ExtraHosts ?? [],
      dns: hc.Dns ?? [],
      dnsSearch: hc.DnsSearch ?? [],
      dnsOptions: hc.DnsOptions ?? [],
    });
    layer = true;
    await ctx.images.createRWLayer(id, image.id);
    crashPoint('create:after-layer');
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
      LogPath: req.logPath ?? path.join(dir, 'container.log'),
      HostnamePath: etc.hostnamePath,
      HostsPath: etc.hostsPath,
      ResolvConfPath: etc.resolvConfPath,
      Mounts: mounts.points,
      mountSpecs: mounts.specs,
      ExecIDs: [],
      NetworkSettings: networkSettings,
    };
    ctx.store.add(c);
    crashPoint('create:after-save');
    emit(ctx, c, 'create');
  } catch (e) {
    await undoCreate(ctx, id, name, layer);
    throw e;
  }
  // Most containers are started right after they are created (docker run): mount the rootfs meanwhile.
  // (after this turn of the event loop, so that the answer to create goes out first; a failed
  // premount is not an error: start mounts again and reports it)
  ctx.premounts.set(id, new Promise((resolve) => setImmediate(() => void ctx.images.mountRWLayer(id).then(() => resolve(), () => resolve()))));
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

async function undoCreate(ctx: Ctx, id: string, name: string, layer: boolean): Promise<void> {
  if (layer) await ctx.images.removeRWLayer(id).catch((e) => log.warn(`undo create ${id}: remove rw layer: ${e.message}`));
  await fs.promises.rm(containerDir(ctx, id), { recursive: true, force: true });
  ctx.store.releaseName(name, id);
}
