// version, info, system df, system prune (events: events.ts)
import { StatusError, type Cli, type CommandDef } from '../cli.ts';
import { goArch } from '../../util/platform.ts';
import { parseTemplate, TemplateError } from '../template.ts';
import { TabWriter } from '../tabwriter.ts';
import { bytesSize, humanSize } from '../units.ts';
import { renderFormat, chooseFormat, FormatContext } from '../formatter.ts';
import { filterFlag, parseFilters, INSPECT_FORMAT_FLAG, FORMAT_FLAG } from './common.ts';
import { confirm } from './lifecycle.ts';
import { renderDfVerbose } from './system-df-verbose.ts';
import { VERSION } from '../main.ts';
import { CLIENT_API_VERSION } from '../../sdk/transport.ts';
import { DaemonUnreachableError } from '../../sdk/errors.ts';
import type { SystemInfo } from '../../sdk/types.ts';

export { formatEvent } from './events.ts';

const VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:	{{.Version}}
 API version:	{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Node version:	{{.GoVersion}}
 Git commit:	{{.GitCommit}}
 Built:	{{.BuildTime}}
 OS/Arch:	{{.Os}}/{{.Arch}}
 Context:	{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:	{{.Version}}
  API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:	{{index .Details "GoVersion"}}
  Git commit:	{{index .Details "GitCommit"}}
  Built:	{{index .Details "BuildTime"}}
  OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:	{{index .Details "Experimental"}}
  {{- else }}
  Version:	{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:	{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

function ansiDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // Go's time.ANSIC: "Mon Jan _2 15:04:05 2006"
  const s = d.toUTCString(); // "Thu, 07 May 2026 21:09:36 GMT"
  const [wd, day, mon, year, time] = s.replace(',', '').split(' ');
  return `${wd} ${mon} ${String(Number(day)).padStart(2, ' ')} ${time} ${year}`;
}

export const version: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [INSPECT_FORMAT_FLAG],
  async run(cli, p) {
    let format: string = p.values.format || VERSION_TEMPLATE;
    if (format === 'json') format = '{{json .}}';
    let tmpl;
    try {
      tmpl = parseTemplate(format, {
        getDetailsOrder: (c: { Details?: Record<string, string> }) => Object.keys(c.Details ?? {}).sort(),
      });
    } catch (e) {
      throw new StatusError(64, `template parsing error: ${(e as Error).message}`);
    }
    const data: { Client: Record<string, unknown>; Server: Record<string, unknown> | null } = {
      Client: {
        Platform: { Name: 'Berth' },
        Version: VERSION,
        ApiVersion: CLIENT_API_VERSION,
        DefaultAPIVersion: CLIENT_API_VERSION,
        GoVersion: process.version,
        GitCommit: '',
        Os: process.platform,
        Arch: goArch(),
        BuildTime: '',
        Context: 'default',
      },
      Server: null,
    };
    let err: unknown = null;
    try {
      const client = await cli.client();
      data.Client.ApiVersion = await client.apiVersion();
      const sv = await client.system.version();
      const components = (sv.Components ?? []).map((c) => ({ ...c, Details: { ...(c.Details as Record<string, string>) } }));
      const engine = components.find((c) => c.Name === 'Engine');
      if (engine?.Details?.BuildTime) engine.Details.BuildTime = ansiDate(engine.Details.BuildTime);
      if (!engine) {
        components.push({ Name: 'Engine', Version: sv.Version ?? '', Details: { ApiVersion: sv.ApiVersion ?? '', MinAPIVersion: sv.MinAPIVersion ?? '', Os: sv.Os ?? '', Arch: sv.Arch ?? '' } });
      }
      data.Server = { Platform: { Name: sv.Platform?.Name ?? '' }, Components: components, Version: sv.Version, ApiVersion: sv.ApiVersion, MinAPIVersion: sv.MinAPIVersion, GitCommit: sv.GitCommit, GoVersion: sv.GoVersion, Os: sv.Os, Arch: sv.Arch, KernelVersion: sv.KernelVersion, BuildTime: sv.BuildTime };
    } catch (e) {
      err = e;
    }
    // Go's json for the client section uses "ApiVersion"; the template reads .APIVersion.
    // (the server's too: Go's types.Version field is APIVersion, its json key ApiVersion)
    const view = { Client: { ...data.Client, APIVersion: data.Client.ApiVersion }, Server: data.Server && { ...data.Server, APIVersion: data.Server.ApiVersion } };
    let text: string;
    try {
      text = tmpl.execute(format === '{{json .}}' ? { Client: data.Client, Server: data.Server } : view);
    } catch (e) {
      if (e instanceof TemplateError) throw new StatusError(1, `template: ${e.message}`);
      throw e;
    }
    const tw = new TabWriter(20, 1);
    tw.write(text + '\n');
    cli.print(tw.flush());
    if (err) throw err;
  },
};

function infoLines(info: SystemInfo, cli: Cli): string {
  const L: string[] = [];
  const ln = (...a: unknown[]) => L.push(a.map((x) => String(x)).join(' '));
  const nonEmpty = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') ln(k, v);
  };
  ln(' Containers:', info.Containers ?? 0);
  ln('  Running:', info.ContainersRunning ?? 0);
  ln('  Paused:', info.ContainersPaused ?? 0);
  ln('  Stopped:', info.ContainersStopped ?? 0);
  ln(' Images:', info.Images ?? 0);
  nonEmpty(' Server Version:', info.ServerVersion);
  nonEmpty(' Storage Driver:', info.Driver);
  for (const pair of info.DriverStatus ?? []) L.push(`  ${pair[0]}: ${pair[1]}`);
  nonEmpty(' Logging Driver:', info.LoggingDriver);
  nonEmpty(' Cgroup Driver:', info.CgroupDriver);
  nonEmpty(' Cgroup Version:', info.CgroupVersion);
  ln(' Plugins:');
  ln('  Volume:', (info.Plugins?.Volume ?? []).join(' '));
  ln('  Network:', (info.Plugins?.Network ?? []).join(' '));
  if (info.Plugins?.Authorization?.length) ln('  Authorization:', info.Plugins.Authorization.join(' '));
  ln('  Log:', (info.Plugins?.Log ?? []).join(' '));
  ln(' Swarm:', (info.Swarm as { LocalNodeState?: string } | undefined)?.LocalNodeState || 'inactive');
  const runtimes = Object.keys(info.Runtimes ?? {});
  if (runtimes.length) {
    ln(' Runtimes:', runtimes.join(' '));
    ln(' Default Runtime:', info.DefaultRuntime ?? '');
  }
  if (info.OSType === 'linux') {
    ln(' Init Binary:', info.InitBinary ?? '');
    ln(' containerd version:', info.ContainerdCommit?.ID ?? '');
    ln(' runc version:', info.RuncCommit?.ID ?? '');
    ln(' init version:', info.InitCommit?.ID ?? '');
    const secopts = (info.SecurityOptions ?? []).map((s) => {
      const kv = Object.fromEntries(s.split(',').map((p) => p.split('=') as [string, string]));
      return kv;
    });
    if (secopts.length) {
      ln(' Security Options:');
      for (const so of secopts) {
        L.push(`  ${so.name ?? ''}`);
        if (so.profile) ln('   Profile:', so.profile);
      }
    }
  }
  nonEmpty(' Kernel Version:', info.KernelVersion);
  nonEmpty(' Operating System:', info.OperatingSystem);
  nonEmpty(' OSType:', info.OSType);
  nonEmpty(' Architecture:', info.Architecture);
  ln(' CPUs:', info.NCPU ?? 0);
  ln(' Total Memory:', bytesSize(info.MemTotal ?? 0));
  nonEmpty(' Name:', info.Name);
  nonEmpty(' ID:', info.ID);
  ln(' Docker Root Dir:', info.DockerRootDir ?? '');
  ln(' Debug Mode:', !!info.Debug);
  if (info.Debug || cli.opts.debug) {
    ln('  File Descriptors:', info.NFd ?? 0);
    ln('  Goroutines:', info.NGoroutines ?? 0);
    ln('  System Time:', info.SystemTime ?? '');
    ln('  EventsListeners:', info.NEventsListener ?? 0);
  }
  nonEmpty(' HTTP Proxy:', info.HttpProxy);
  nonEmpty(' HTTPS Proxy:', info.HttpsProxy);
  nonEmpty(' No Proxy:', info.NoProxy);
  if (info.Labels?.length) {
    ln(' Labels:');
    for (const l of info.Labels) L.push(`  ${l}`);
  }
  ln(' Experimental:', !!info.ExperimentalBuild);
  const rc = info.RegistryConfig;
  const insecure = [...Object.values(rc?.IndexConfigs ?? {}).filter((c) => c.Secure === false).map((c) => c.Name ?? ''), ...(rc?.InsecureRegistryCIDRs ?? [])];
  if (rc && (rc.InsecureRegistryCIDRs?.length || Object.keys(rc.IndexConfigs ?? {}).length)) {
    ln(' Insecure Registries:');
    for (const i of insecure) L.push(`  ${i}`);
  }
  if (rc?.Mirrors?.length) {
    ln(' Registry Mirrors:');
    for (const m of rc.Mirrors) L.push(`  ${m}`);
  }
  ln(' Live Restore Enabled:', !!info.LiveRestoreEnabled);
  if (info.ProductLicense) ln(' Product License:', info.ProductLicense);
  L.push('');
  for (const w of info.Warnings ?? []) L.push(w);
  return L.join('\n') + '\n';
}

export const info: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [INSPECT_FORMAT_FLAG],
  async run(cli, p) {
    const format: string | undefined = p.values.format;
    let infoData: SystemInfo | null = null;
    let err: unknown = null;
    try {
      const client = await cli.client();
      infoData = await client.system.info();
    } catch (e) {
      err = e;
    }
    if (format) {
      if (err) throw err;
      const { inspectRefs } = await import('./inspect.ts');
      return inspectRefs(cli, ['info'], format === 'json' ? '{{json .}}' : format, async () => JSON.stringify(infoData));
    }
    let out = `Client:\n Version:    ${VERSION}\n Context:    default\n Debug Mode: ${!!cli.opts.debug}\n`;
    if (infoData) out += `\nServer:\n${infoLines(infoData, cli)}`;
    cli.print(out);
    if (err) {
      if (err instanceof DaemonUnreachableError) throw new StatusError(1, `\nServer:\n${err.message}`);
      throw err;
    }
  },
};

class DfContext extends FormatContext {
  private readonly row: Record<string, string>;
  constructor(row: Record<string, string>) {
    super();
    this.row = row;
  }
  fields(): string[] {
    return ['Type', 'TotalCount', 'Active', 'Size', 'Reclaimable'];
  }
  Type(): string {
    return this.row.Type;
  }
  TotalCount(): string {
    return this.row.TotalCount;
  }
  Active(): string {
    return this.row.Active;
  }
  Size(): string {
    return this.row.Size;
  }
  Reclaimable(): string {
    return this.row.Reclaimable;
  }
}

/** units.HumanSize: precision 4. */
const hs = (n: number) => humanSize(n, 4);

export const df: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [FORMAT_FLAG, { name: 'verbose', short: 'v', kind: 'bool', usage: 'Show detailed information on space usage' }],
  async run(cli, p) {
    const client = await cli.client();
    const du = await client.system.df();
    const images = du.Images ?? [];
    const containers = du.Containers ?? [];
    const volumes = du.Volumes ?? [];
    const cache = du.BuildCache ?? [];
    const imgActive = images.filter((i) => (i.Containers ?? 0) > 0).length;
    const imgSize = du.LayersSize ?? images.reduce((a, i) => a + (i.Size ?? 0) - Math.max(0, i.SharedSize ?? 0), 0);
    let used = 0;
    for (const i of images) if ((i.Containers ?? 0) > 0) used += (i.Size ?? 0) - Math.max(0, i.SharedSize ?? 0);
    const imgReclaim = Math.max(0, imgSize - used);
    const pct = (part: number, total: number) => (total > 0 ? ` (${Math.trunc((part * 100) / total)}%)` : ' (0%)');
    const cActive = containers.filter((c) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting').length;
    const cSize = containers.reduce((a, c) => a + (c.SizeRw ?? 0), 0);
    const cReclaim = containers.filter((c) => !(c.State === 'running' || c.State === 'paused' || c.State === 'restarting')).reduce((a, c) => a + (c.SizeRw ?? 0), 0);
    const vActive = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length;
    const vSize = volumes.reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const vReclaim = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((a, v) => a + Math.max(0, v.UsageData?.Size ?? 0), 0);
    const bActive = cache.filter((b) => b.InUse).length;
    const bSize = cache.reduce((a, b) => a + (b.Shared ? 0 : (b.Size ?? 0)), 0);
    const bReclaim = cache.filter((b) => !b.InUse && !b.Shared).reduce((a, b) => a + (b.Size ?? 0), 0);
    if (p.values.verbose) {
      cli.print(renderDfVerbose(p.values.format || 'table', { Images: images, Containers: containers, Volumes: volumes, BuildCache: cache }, hs(bSize)));
      return;
    }
    const rows = [
      { Type: 'Images', TotalCount: String(images.length), Active: String(imgActive), Size: hs(imgSize), Reclaimable: hs(imgReclaim) + pct(imgReclaim, imgSize) },
      { Type: 'Containers', TotalCount: String(containers.length), Active: String(cActive), Size: hs(cSize), Reclaimable: hs(cReclaim) + (cSize > 0 ? pct(cReclaim, cSize) : '') },
      { Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(vActive), Size: hs(vSize), Reclaimable: hs(vReclaim) + (vSize > 0 ? pct(vReclaim, vSize) : '') },
      { Type: 'Build Cache', TotalCount: String(cache.length), Active: String(bActive), Size: hs(bSize), Reclaimable: hs(bReclaim) },
    ];
    const format = chooseFormat({ format: p.values.format, defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}' });
    cli.print(renderFormat(format, rows.map((r) => new DfContext(r)), { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' }));
  },
};

export const prune: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images not just dangling ones' },
    filterFlag('Provide filter values (e.g. "label=<key>=<value>")'),
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
    { name: 'volumes', kind: 'bool', usage: 'Prune anonymous volumes' },
  ],
  async run(cli, p) {
    const v = p.values;
    const items = ['all stopped containers', 'all networks not used by at least one container'];
    if (v.volumes) items.push('all anonymous volumes not used by at least one container');
    items.push(v.all ? 'all images without at least one container associated to them' : 'all dangling images');
    items.push(v.all ? 'all build cache' : 'unused build cache');
    if (!v.force && !(await confirm(cli, `WARNING! This will remove:\n${items.map((i) => `  - ${i}`).join('\n')}\n\nAre you sure you want to continue?`))) return 0;
    const client = await cli.client();
    const filters = parseFilters(v.filter);
    let total = 0;
    let out = '';
    const c = await client.containers.prune(filters);
    total += c.SpaceReclaimed ?? 0;
    if (c.ContainersDeleted?.length) out += `Deleted Containers:\n${c.ContainersDeleted.join('\n')}\n\n`;
    try {
      const n = await client.networks.prune(filters);
      if (n.NetworksDeleted?.length) out += `Deleted Networks:\n${n.NetworksDeleted.join('\n')}\n\n`;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    if (v.volumes) {
      try {
        const vr = await client.volumes.prune(filters);
        total += vr.SpaceReclaimed ?? 0;
        if (vr.VolumesDeleted?.length) out += `Deleted Volumes:\n${vr.VolumesDeleted.join('\n')}\n\n`;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    }
    const imgFilters = { ...(filters ?? {}), dangling: [String(!v.all)] };
    const ir = await client.images.prune(imgFilters);
    total += ir.SpaceReclaimed ?? 0;
    if (ir.ImagesDeleted?.length) {
      out += 'Deleted Images:\n';
      for (const d of ir.ImagesDeleted) out += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`;
      out += '\n';
    }
    try {
      const res = await client.transport.json<{ CachesDeleted?: string[]; SpaceReclaimed?: number }>({ method: 'POST', path: '/build/prune', query: { all: v.all || undefined } });
      total += res?.SpaceReclaimed ?? 0;
      if (res?.CachesDeleted?.length) out += `Deleted build cache objects:\n${res.CachesDeleted.join('\n')}\n\n`;
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 501) throw e;
    }
    cli.print(out);
    cli.println(`Total reclaimed space: ${humanSize(total)}`);
  },
};
