// Engine API: /_ping, /version, /info, /events, /system/df.
import { log } from '../../util/log.ts';
import { daemonIdMap } from '../../platform/linux/idmap.ts';
import { goArch } from '../../util/platform.ts';
import os from 'node:os';
import fs from 'node:fs';
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { EventsService, EngineEvent } from '../../events/bus.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import type { DaemonConfig } from '../../config.ts';
import { API_VERSION, MIN_API_VERSION } from '../version.ts';
import { goMapJson } from '../go-map-order.ts';
import { invalidParameter } from '../../errdefs.ts';
import { parseTime } from './time.ts';
import { EVENT_FILTERS, eventMatcher } from '../filters/events.ts';
import { boolKey, type FilterTable } from '../filters/args.ts';
import { listView } from '../views/containers.ts';
import { volumeView } from './volumes.ts';
import { dirSize } from '../../util/fs.ts';
import type { VolumeService } from '../../engine/volumes.ts';
import type { ContainerRecord } from '../../engine/containers/record.ts';

export const BERTH_VERSION = '0.1.0';

export interface SystemRouteDeps {
  cfg: DaemonConfig;
  events: EventsService;
  containers: ContainerService;
  daemonId: string;
  runtimes: Record<string, { path: string; runtimeArgs?: string[] }>;
  defaultRuntime: string;
  imageCount(): number;
  /** Images and layer sizes for /system/df. */
  diskUsage(): Promise<{ LayersSize: number; Images: unknown[] }>;
  /** a container's SizeRw and SizeRootFs, for /system/df */
  containerSizes?(c: ContainerRecord): { SizeRw: number; SizeRootFs: number };
  /** the volumes, for /system/df */
  volumes?: VolumeService;
}

/** moby's acceptedPluginFilterTags (enabled is read as a boolean) */
const PLUGIN_LIST_FILTERS: FilterTable = { enabled: boolKey('enabled'), capability: true };

export function registerSystemRoutes(r: Router, d: SystemRouteDeps): void {
  const ping = (ctx: Ctx) => {
    const headers = { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', 'Builder-Version': '1', 'Swarm': 'inactive' };
    if (ctx.req.method === 'HEAD') return ctx.send(200, undefined, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    ctx.send(200, 'OK', headers);
  };
  r.get('/_ping', ping);
  r.head('/_ping', ping);
  // dockerd answers OPTIONS on any path with an empty 200 (its CORS preflight handler)
  r.add('OPTIONS', '/*', (ctx) => ctx.send(200));

  r.get('/version', (ctx) => {
    const details = { ApiVersion: API_VERSION, Arch: goArch(), BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: `node${process.versions.node}`, KernelVersion: os.release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' };
    ctx.ok({
      Platform: { Name: 'Berth Engine' },
      Components: [{ Name: 'Engine', Version: BERTH_VERSION, Details: details }],
      Version: BERTH_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: details.GoVersion,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: os.release(),
      BuildTime: '',
    });
  });

  // Berth has no managed plugins: docker plugin ls lists none (as a dockerd with none installed)
  // no plugins; the filters are still checked as dockerd's plugin manager checks them
  r.get('/plugins', (ctx) => {
    ctx.filters(PLUGIN_LIST_FILTERS);
    ctx.ok([]);
  });

  r.get('/info', (ctx) => {
    const list = d.containers.list();
    const running = list.filter((c) => c.State.Running && !c.State.Paused).length;
    const paused = list.filter((c) => c.State.Paused).length;
    const cgroupV2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
    ctx.ok({
      ID: d.daemonId,
      Containers: list.length,
      ContainersRunning: running,
      ContainersPaused: paused,
      ContainersStopped: list.length - running - paused,
      Images: d.imageCount(),
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true'], ['userxattr', 'false']],
      Plugins: { Volume: ['local'], Network: ['host', 'null'], Authorization: null, Log: ['json-file', 'local', 'k8s-file'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: d.cfg.logLevel === 'debug',
      NFd: countFds(),
      OomKillDisable: !cgroupV2,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cgroupV2 ? '2' : '1',
      NEventsListener: 0,
      KernelVersion: os.release(),
      OperatingSystem: osName(),
      OSVersion: '',
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'], Mirrors: [] },
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      GenericResources: null,
      DockerRootDir: d.cfg.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: BERTH_VERSION,
      Runtimes: d.runtimes,
      DefaultRuntime: d.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      // the isolation a container gets without --isolation (hyperv, alias sandbox, runs it in gVisor)
      Isolation: 'process',
      InitBinary: d.cfg.initPath ?? 'docker-init',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: '' },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin', ...(daemonIdMap() ? ['name=userns'] : [])],
      CDISpecDirs: [],
      Warnings: null,
    });
  });

  r.get('/events', (ctx) => events(ctx, d));

  r.get('/system/df', async (ctx) => {
    const img = await d.diskUsage();
    ctx.ok({
      LayersSize: img.LayersSize,
      Images: img.Images,
      Containers: d.containers.list().map((c) => listView(c, d.containerSizes?.(c) ?? { SizeRw: 0, SizeRootFs: 0 })),
      Volumes: d.volumes ? volumeUsage(d.volumes) : [],
      BuildCache: [],
    });
  });
}

/** Each volume with its UsageData, as moby's LocalVolumesSize: the size of what is in it (each inode
 * once, a symlink its own length), the containers that reference it. */
function volumeUsage(volumes: VolumeService): unknown[] {
  return volumes.all().map((v) => ({ ...volumeView(v), UsageData: { Size: dirSize(v.Mountpoint), RefCount: volumes.users(v.Name).length } }));
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch {
    // no /etc/os-release: a generic name
  }
  return 'Linux';
}

function countFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** Unsent bytes an events subscriber may have queued before its events are dropped. */
const EVENTS_BACKLOG_BYTES = 1 << 20;

function events(ctx: Ctx, d: SystemRouteDeps): void {
  const since = ctx.q('since') ? parseTime(ctx.q('since')!) : undefined;
  const until = ctx.q('until') ? parseTime(ctx.q('until')!) : undefined;
  if (since !== undefined && until !== undefined && until < since) throw invalidParameter('`since` time cannot be after `until` time');
  const matches = eventMatcher(ctx.filters(EVENT_FILTERS));
  const res = ctx.stream('application/json');
  let dropped = 0;
  const write = (e: EngineEvent) => {
    if (!matches(e)) return;
    // A client that stops reading must not make the daemon hold every event for it: past a bound
    // of unsent bytes, events for this subscriber are dropped, as moby's pubsub drops an event a
    // slow subscriber does not take within its timeout.
    if (res.writableLength > EVENTS_BACKLOG_BYTES) {
      if (dropped++ === 0) log.warn('events: a subscriber is not reading; dropping its events until it catches up');
      return;
    }
    dropped = 0;
    res.write(goMapJson(e) + '\n');
  };
  if (since !== undefined) for (const e of d.events.history(since, until)) write(e);
  const nowSec = Date.now() / 1000;
  if (until !== undefined && until <= nowSec) return void res.end();
  const unsubscribe = d.events.subscribe((e) => {
    if (until !== undefined && e.timeNano > until * 1e9) return;
    write(e);
  });
  let timer: NodeJS.Timeout | undefined;
  if (until !== undefined) timer = setTimeout(() => res.end(), (until - nowSec) * 1000);
  res.on('close', () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  });
}
