// What the runtime is asked to run for a container: its RunSpec, built from the record at each start.
import { runNamespaces } from './namespaces.ts';
import path from 'node:path';
import { conflict, systemError } from '../../errdefs.ts';
import type { MountSpec, RunSpec } from '../../runtime/types.ts';
import { conmonLogFile } from '../../runtime/log-args.ts';
import { logSettings } from './log-files.ts';
import { daemonIdMap } from '../../platform/linux/idmap.ts';
import { resolveMounts } from './mounts.ts';
import { hostDevicesFor } from './devices.ts';
import type { ContainerRecord } from './record.ts';
import type { Ctx } from './context.ts';
import { linkEnvOf } from './links.ts';

export function runSpec(ctx: Ctx, c: ContainerRecord, rootfs: string): RunSpec {
  const hc = c.HostConfig;
  const mounts = c.mountSpecs ?? resolveMounts(hc).specs;
  const etcMounts = etcFileMounts(c, mounts);
  const nm = hc.NetworkMode ?? 'bridge';
  // --ipc/--pid container:NAME (and a pod's containers): runNamespaces (namespaces.ts) joins them
  return {
    id: c.Id,
    rootfs,
    stateDir: path.join(ctx.cfg.execRoot, 'containers', c.Id),
    logPath: conmonLogFile(logSettings(ctx, c)),
    args: [c.Path, ...c.Args],
    // a link's variables first: the container's own Env wins on a clash, as dockerd's
    env: [...linkEnvOf(ctx, c), ...(c.Config.Env ?? [])],
    cwd: c.Config.WorkingDir || '/',
    user: c.Config.User ?? '',
    groupAdd: hc.GroupAdd ?? [],
    tty: !!c.Config.Tty,
    openStdin: !!c.Config.OpenStdin,
    stdinOnce: !!c.Config.StdinOnce,
    hostname: c.Config.Hostname ?? '',
    domainname: c.Config.Domainname,
    readonlyRootfs: !!hc.ReadonlyRootfs,
    // Until the network issue adds bridges, every non-host container gets its own namespace with loopback.
    network: nm === 'host' ? 'host' : nm.startsWith('container:') ? { netnsPath: joinedNetns(ctx, nm.slice('container:'.length)) } : 'none',
    mounts: [...etcMounts, ...mounts],
    privileged: !!hc.Privileged,
    capAdd: hc.CapAdd ?? [],
    capDrop: hc.CapDrop ?? [],
    ulimits: hc.Ulimits ?? [],
    shmSize: hc.ShmSize || 64 * 1024 * 1024,
    securityOpt: hc.SecurityOpt ?? [],
    sysctls: hc.Sysctls ?? {},
    stopSignal: c.Config.StopSignal,
    resources: hc,
    // as dockerd: the daemon's --init applies where the container leaves Init unset
    init: hc.Init ?? ctx.cfg.init ?? false,
    initPath: ctx.cfg.initPath,
    runtime: hc.Runtime || undefined,
    devices: hostDevicesFor(hc),
    idMap: hc.UsernsMode === 'host' ? undefined : daemonIdMap(),
    log: logSettings(ctx, c),
    ...runNamespaces(hc, (ref) => ctx.store.get(ref), (id) => path.join(ctx.cfg.execRoot, 'containers', id)),
  };
}

/** The daemon's /etc/resolv.conf, /etc/hostname and /etc/hosts of the container, where no user mount replaces them. */
export function etcFileMounts(c: ContainerRecord, userMounts: MountSpec[]): MountSpec[] {
  return [
    { destination: '/etc/resolv.conf', source: c.ResolvConfPath },
    { destination: '/etc/hostname', source: c.HostnamePath },
    { destination: '/etc/hosts', source: c.HostsPath },
  ]
    .filter((m) => !userMounts.some((x) => x.destination === m.destination))
    .map((m) => ({ ...m, type: 'bind', options: ['rbind', 'rprivate', c.HostConfig.ReadonlyRootfs ? 'ro' : 'rw'] }));
}

/** The network namespace of another running container (--network container:NAME). */
function joinedNetns(ctx: Ctx, ref: string): string {
  const other = ctx.store.find(ref);
  // (dockerd's words and 500: the container was there at create, or so it assumes)
  if (!other) throw systemError(`joining network namespace of container: No such container: ${ref}`);
  if (!other.State.Running || !other.State.Pid) throw conflict(`cannot join network of a non running container: ${other.Id}`);
  return `/proc/${other.State.Pid}/ns/net`;
}
