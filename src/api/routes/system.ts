// Engine API: /_ping, /version, /info, /events, /system/df.
import { daemonIdMap } from '../../platform/linux/idmap.ts';
import os from 'node:os';
import fs from 'node:fs';
import type { Router } from '../router.ts';
import type { Ctx } from '../context.ts';
import type { EventsService, EngineEvent } from '../../engine/events.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import type { DaemonConfig } from '../../config.ts';
import { API_VERSION, MIN_API_VERSION } from '../version.ts';
import { invalidParameter } from '../../errdefs.ts';
import { parseTime } from './time.ts';
import { listView } from '../views/containers.ts';

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
}

export function registerSystemRoutes(r: Router, d: SystemRouteDeps): void {
  const ping = (ctx: Ctx) => {
    const headers = { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', 'Builder-Version': '1', 'Swarm': 'inactive' };
    if (ctx.req.method === 'HEAD') return ctx.send(200, undefined, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    ctx.send(200, 'OK', headers);
  };
  r.get('/_ping', ping);
  r.head('/_ping', ping);

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
      InitBinary: '',
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
      Containers: d.containers.list().map((c) => ({ ...listView(c), SizeRw: 0, SizeRootFs: 0 })),
      Volumes: [],
      BuildCache: [],
    });
  });
}

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch {}
  return 'Linux';
}

function countFds(): number {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

function matchEvent(e: EngineEvent, filters: Map<string, string[]>): boolean {
  const pass = (key: string, pred: (v: string) => boolean) => {
    const vals = filters.get(key);
    return !vals || vals.length === 0 || vals.some(pred);
  };
  const name = e.Actor.Attributes.name;
  return (
    pass('type', (v) => e.Type === v) &&
    pass('event', (v) => e.Action === v || e.Action.startsWith(v + ':')) &&
    pass('container', (v) => e.Type === 'container' && (e.Actor.ID.startsWith(v) || name === v)) &&
    pass('image', (v) => e.Actor.Attributes.image === v || e.Actor.ID === v || (e.Type === 'image' && name === v)) &&
    pass('label', (v) => {
      const i = v.indexOf('=');
      return i < 0 ? v in e.Actor.Attributes : e.Actor.Attributes[v.slice(0, i)] === v.slice(i + 1);
    }) &&
    pass('scope', (v) => v === 'local') &&
    // the other object filters, as dockerd's fuzzy name match: events of that type whose id or name starts so
    ['volume', 'network', 'daemon', 'plugin', 'node', 'service', 'secret', 'config'].every((type) => pass(type, (v) => e.Type === type && (e.Actor.ID.startsWith(v) || (name ?? '').startsWith(v))))
  );
}

function events(ctx: Ctx, d: SystemRouteDeps): void {
  const since = ctx.q('since') ? parseTime(ctx.q('since')!) : undefined;
  const until = ctx.q('until') ? parseTime(ctx.q('until')!) : undefined;
  if (since !== undefined && until !== undefined && until < since) throw invalidParameter('`since` time cannot be after `until` time');
  const filters = ctx.filters();
  const known = ['type', 'event', 'container', 'image', 'label', 'scope', 'volume', 'network', 'daemon', 'plugin', 'node', 'service', 'secret', 'config'];
  for (const k of filters.keys()) if (!known.includes(k)) throw invalidParameter(`invalid filter '${k}'`);
  const res = ctx.stream('application/json');
  const write = (e: EngineEvent) => {
    if (matchEvent(e, filters)) res.write(JSON.stringify(e) + '\n');
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
