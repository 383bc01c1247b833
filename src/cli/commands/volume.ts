// volume ls / create / rm / inspect / prune
import { forEachName, type CommandDef } from '../cli.ts';
import { FormatContext, renderFormat, chooseFormat } from '../formatter.ts';
import { humanSize } from '../units.ts';
import { FORMAT_FLAG, INSPECT_FORMAT_FLAG, filterFlag, parseFilters } from './common.ts';
import { inspectRefs, fetchVolume } from './inspect.ts';
import { confirm } from './lifecycle.ts';
import { kvToMap } from '../container-opts.ts';
import type { Volume } from '../../sdk/types.ts';

export class VolumeContext extends FormatContext {
  private readonly v: Volume;
  constructor(v: Volume) {
    super();
    this.v = v;
  }
  fields(): string[] {
    return ['Name', 'Driver', 'Scope', 'Mountpoint', 'Labels', 'Links', 'Size', 'Availability', 'Group', 'Status'];
  }
  Name(): string {
    return this.v.Name ?? '';
  }
  Driver(): string {
    return this.v.Driver ?? '';
  }
  Scope(): string {
    return this.v.Scope ?? '';
  }
  Mountpoint(): string {
    return this.v.Mountpoint ?? '';
  }
  Labels(): string {
    return Object.entries(this.v.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  }
  Label(name: string): string {
    return this.v.Labels?.[name] ?? '';
  }
  Links(): string {
    return this.v.UsageData ? String(this.v.UsageData.RefCount) : 'N/A';
  }
  Size(): string {
    return this.v.UsageData && (this.v.UsageData.Size ?? -1) >= 0 ? humanSize(this.v.UsageData.Size!) : 'N/A';
  }
  Availability(): string {
    return 'N/A';
  }
  Group(): string {
    return 'N/A';
  }
  Status(): string {
    return 'N/A';
  }
}

export const ls: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [filterFlag('Provide filter values (e.g. "dangling=true")'), FORMAT_FLAG, { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display volume names' }],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const r = await client.volumes.list({ filters: parseFilters(v.filter) });
    for (const w of r.Warnings ?? []) cli.eprintln(w);
    const list = [...(r.Volumes ?? [])].sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
    const format = chooseFormat({ format: v.format, quiet: v.quiet, defaultTable: 'table {{.Driver}}\t{{.Name}}', quietFormat: '{{.Name}}' });
    cli.print(renderFormat(format, list.map((x) => new VolumeContext(x)), { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', Availability: 'AVAILABILITY', Group: 'GROUP', Status: 'STATUS' }));
  },
};

export const create: CommandDef = {
  usage: '[OPTIONS] [VOLUME]',
  args: { max: 1 },
  flags: [
    { name: 'driver', short: 'd', kind: 'string', usage: 'Specify volume driver name', def: 'local' },
    { name: 'label', kind: 'list', usage: 'Set metadata for a volume' },
    { name: 'name', kind: 'string', usage: 'Specify volume name', hidden: true },
    { name: 'opt', short: 'o', kind: 'map', usage: 'Set driver specific options' },
  ],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const vol = await client.volumes.create({ Name: p.args[0] ?? v.name, Driver: v.driver, DriverOpts: v.opt, Labels: kvToMap(v.label) });
    cli.println(vol.Name ?? '');
  },
};

export const rm: CommandDef = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  args: { min: 1 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of one or more volumes' }],
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      await client.volumes.remove(n, { force: p.values.force });
      return n;
    });
  },
};

export const inspect: CommandDef = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  args: { min: 1 },
  flags: [INSPECT_FORMAT_FLAG],
  run: (cli, p) => inspectRefs(cli, p.args, p.values.format, fetchVolume(cli)),
};

export const prune: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused volumes, not just anonymous ones' },
    filterFlag('Provide filter values (e.g. "label=<label>")'),
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  async run(cli, p) {
    const warning = p.values.all ? 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?' : 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
    if (!p.values.force && !(await confirm(cli, warning))) return 0;
    const filters = parseFilters(p.values.filter) ?? {};
    if (p.values.all) filters.all = ['true'];
    const client = await cli.client();
    const r = await client.volumes.prune(filters);
    if (r.VolumesDeleted?.length) cli.println(`Deleted Volumes:\n${r.VolumesDeleted.join('\n')}\n`);
    cli.println(`Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}`);
  },
};
