// berth ps / container ls
import type { CommandDef } from '../cli.ts';
import type { ContainerSummary, Port } from '../../sdk/types.ts';
import { FormatContext, renderFormat, chooseFormat } from '../formatter.ts';
import { ago, ellipsis, goTimeString, humanSize, truncateId } from '../units.ts';
import { FORMAT_FLAG, filterFlag, parseFilters } from './common.ts';

const DEFAULT_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export const CONTAINER_HEADER: Record<string, string> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Label: 'LABEL',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
  HealthStatus: 'HEALTH STATUS',
};

/** Familiar image name: strip docker.io/library/, drop a digest but keep the tag. */
function familiarImage(image: string): string {
  let s = image;
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  s = s.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '').replace(/^index\.docker\.io\/library\//, '');
  return s;
}

export class ContainerContext extends FormatContext {
  private readonly c: ContainerSummary;
  private readonly trunc: boolean;
  constructor(c: ContainerSummary, trunc: boolean) {
    super();
    this.c = c;
    this.trunc = trunc;
  }
  fields(): string[] {
    return ['ID', 'Names', 'Image', 'Command', 'CreatedAt', 'RunningFor', 'Ports', 'State', 'Status', 'Size', 'Labels', 'Mounts', 'LocalVolumes', 'Networks', 'Platform'];
  }
  ID(): string {
    return this.trunc ? truncateId(this.c.Id ?? '') : (this.c.Id ?? '');
  }
  Names(): string {
    const names = (this.c.Names ?? []).map((n) => n.replace(/^\//, ''));
    if (this.trunc) return names.find((n) => !n.includes('/')) ?? '';
    return names.join(',');
  }
  Image(): string {
    const img = this.c.Image ?? '';
    if (!img) return '<no image>';
    if (!this.trunc) return img;
    const t = truncateId(this.c.ImageID ?? '');
    if (t && t === truncateId(img)) return t;
    return familiarImage(img);
  }
  Command(): string {
    const cmd = this.c.Command ?? '';
    return JSON.stringify(this.trunc ? ellipsis(cmd, 20) : cmd);
  }
  CreatedAt(): string {
    return goTimeString(this.c.Created ?? 0);
  }
  RunningFor(): string {
    return ago(this.c.Created ?? 0);
  }
  Ports(): string {
    return displayablePorts(this.c.Ports ?? []);
  }
  State(): string {
    return this.c.State ?? '';
  }
  Status(): string {
    return this.c.Status ?? '';
  }
  Size(): string {
    const srw = humanSize(this.c.SizeRw ?? 0);
    const rootfs = this.c.SizeRootFs ?? 0;
    return rootfs > 0 ? `${srw} (virtual ${humanSize(rootfs)})` : srw;
  }
  Labels(): string {
    const l = this.c.Labels;
    if (!l) return '';
    return Object.entries(l)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  }
  Label(name: string): string {
    return this.c.Labels?.[name] ?? '';
  }
  Mounts(): string {
    return (this.c.Mounts ?? [])
      .map((m) => {
        const name = m.Name || m.Source || '';
        return this.trunc ? ellipsis(name, 15) : name;
      })
      .join(',');
  }
  LocalVolumes(): string {
    return String((this.c.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }
  Networks(): string {
    return Object.keys(this.c.NetworkSettings?.Networks ?? {}).join(',');
  }
  Platform(): unknown {
    return this.c.ImageManifestDescriptor?.platform ?? null;
  }
  HealthStatus(): string {
    const m = /\((?:health: )?(healthy|unhealthy|starting)\)$/.exec(this.c.Status ?? '');
    return m ? m[1] : '';
  }
}

function hostPort(ip: string, port: string | number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatter.DisplayablePorts: "0.0.0.0:8080->80/tcp, :::8080->80/tcp, 9000-9001/tcp". */
export function displayablePorts(input: Port[]): string {
  const ports = [...input].sort((a, b) => {
    if (a.PrivatePort !== b.PrivatePort) return (a.PrivatePort ?? 0) - (b.PrivatePort ?? 0);
    if ((a.IP ?? '') !== (b.IP ?? '')) return (a.IP ?? '') < (b.IP ?? '') ? -1 : 1;
    if (a.PublicPort !== b.PublicPort) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
    return (a.Type ?? '') < (b.Type ?? '') ? -1 : (a.Type ?? '') > (b.Type ?? '') ? 1 : 0;
  });
  const groups = new Map<string, { first: number; last: number }>();
  const keys: string[] = [];
  const result: string[] = [];
  const hostMappings: string[] = [];
  const formGroup = (key: string, start: number, last: number) => {
    const parts = key.split('/');
    let type = parts[0];
    let ip = '';
    if (parts.length > 1) {
      ip = parts[0];
      type = parts[1];
    }
    let group = String(start);
    if (start !== last) group = `${group}-${last}`;
    if (ip) group = `${hostPort(ip, group)}->${group}`;
    return `${group}/${type}`;
  };
  for (const p of ports) {
    const current = p.PrivatePort ?? 0;
    let key: string = p.Type ?? 'tcp';
    if (p.IP) {
      if (p.PublicPort !== current) {
        hostMappings.push(`${hostPort(p.IP, p.PublicPort ?? 0)}->${current}/${p.Type ?? 'tcp'}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: current, last: current });
      keys.push(key);
      continue;
    }
    if (current === g.last + 1) {
      g.last = current;
      continue;
    }
    result.push(formGroup(key, g.first, g.last));
    groups.set(key, { first: current, last: current });
  }
  for (const k of keys) {
    const g = groups.get(k)!;
    result.push(formGroup(k, g.first, g.last));
  }
  return [...result, ...hostMappings].join(', ');
}

export const ps: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    filterFlag(),
    FORMAT_FLAG,
    { name: 'last', short: 'n', kind: 'int', usage: 'Show n last created containers (includes all states)', def: -1 },
    { name: 'latest', short: 'l', kind: 'bool', usage: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display container IDs' },
    { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' },
  ],
  async run(cli, p) {
    const v = p.values;
    let format = chooseFormat({ format: v.format, quiet: v.quiet, defaultTable: DEFAULT_TABLE, warn: (s) => cli.eprintln(s) });
    if (v.size && format === DEFAULT_TABLE) format += '\t{{.Size}}';
    const wantSize = v.size || /\{\{\s*(json \.|\.Size)/.test(format);
    const client = await cli.client();
    let limit = v.last as number;
    if (v.latest) limit = 1;
    const list = await client.containers.list({ all: v.all || limit > 0, limit: limit > 0 ? limit : undefined, size: wantSize, filters: parseFilters(v.filter) });
    const ctxs = list.map((c) => new ContainerContext(c, !v['no-trunc']));
    cli.print(renderFormat(format, ctxs, CONTAINER_HEADER));
  },
};
