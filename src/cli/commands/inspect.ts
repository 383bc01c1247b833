// berth inspect / container inspect / image inspect (and the inspector used by network/volume).
import { StatusError, type Cli, type CommandDef } from '../cli.ts';
import { ApiError } from '../../sdk/errors.ts';
import { readBody } from '../../sdk/transport.ts';
import { parseTemplate, GoStruct, TypedNil, TemplateError, type Template } from '../template.ts';
import { indentJSON, compactJSON } from '../jsonfmt.ts';
import { INSPECT_FORMAT_FLAG } from './common.ts';

/** Keys whose values are Go maps in docker's types (the rest of the objects are structs). */
const MAP_KEYS = new Set([
  'Labels',
  'ExposedPorts',
  'Volumes',
  'PortBindings',
  'Sysctls',
  'Tmpfs',
  'StorageOpt',
  'Annotations',
  'Ports',
  'Networks',
  'Data',
  'DriverOpts',
  'Options',
  'Containers',
  'Attributes',
  'Status',
  'Runtimes',
]);
/** Keys whose values are Go slices (a JSON null prints "[]"). */
const SLICE_KEYS = new Set(
  'Args Binds BlkioDeviceReadBps BlkioDeviceReadIOps BlkioDeviceWriteBps BlkioDeviceWriteIOps BlkioWeightDevice CapAdd CapDrop Cmd ConsoleSize DeviceCgroupRules DeviceRequests Devices Dns DnsOptions DnsSearch Entrypoint Env ExecIDs ExtraHosts GroupAdd Links MaskedPaths Mounts OnBuild ReadonlyPaths RepoDigests RepoTags SecurityOpt Shell Ulimits VolumesFrom Layers Aliases DNSNames SecondaryIPAddresses SecondaryIPv6Addresses Warnings Log Test Manifests Peers'.split(' '),
);

/** Gives raw inspect JSON docker's typed shape: structs, maps, and typed nils. */
export function typedView(v: unknown, key = ''): unknown {
  if (v === null) {
    if (MAP_KEYS.has(key)) return new TypedNil('map');
    if (SLICE_KEYS.has(key)) return new TypedNil('slice');
    return null;
  }
  if (Array.isArray(v)) return v.map((x) => typedView(x, ''));
  if (typeof v === 'object') {
    const isMap = MAP_KEYS.has(key);
    const fields: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) fields[k] = typedView(val, isMap ? '' : k);
    // Pointer fields the daemon omits when nil still exist in docker's Go structs.
    if (key === 'State' && 'Status' in fields && !('Health' in fields)) fields.Health = null;
    if (key === 'HostConfig' && !('Init' in fields)) fields.Init = null; // *bool, omitted when unset
    return isMap ? fields : new GoStruct(fields);
  }
  return v;
}

export type Fetch = (ref: string) => Promise<string>;

/**
 * docker's inspect.Inspect: raw JSON indented ("" format), compact ("json"), or a template
 * (typed first, then the raw map with missingkey=error). Errors are collected, printed after
 * the output, and make the exit code 1.
 */
export async function inspectRefs(cli: Cli, refs: string[], format: string | undefined, fetch: Fetch): Promise<number> {
  let tmpl: Template | null = null;
  if (format && format !== 'json') {
    try {
      tmpl = parseTemplate(format.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
    } catch (e) {
      throw new StatusError(64, `template parsing error: ${(e as Error).message}`);
    }
  }
  const raws: string[] = [];
  const errors: string[] = [];
  let out = '';
  for (const ref of refs) {
    let raw: string;
    try {
      raw = await fetch(ref);
    } catch (e) {
      errors.push((e as Error).message);
      continue;
    }
    if (!tmpl) {
      raws.push(raw);
      continue;
    }
    const parsed = JSON.parse(raw);
    try {
      out += tmpl.execute(typedView(parsed)) + '\n';
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      try {
        out += tmpl.execute(parsed, { missingKey: 'error' }) + '\n';
      } catch (e2) {
        errors.push(`template parsing error: ${(e2 as Error).message}`);
      }
    }
  }
  if (tmpl) cli.print(out || '\n');
  else if (!raws.length) cli.print('[]\n');
  else {
    const arr = `[${raws.join(',')}]`;
    cli.print((format === 'json' ? compactJSON(arr) : indentJSON(arr)) + '\n');
  }
  if (errors.length) throw new StatusError(1, errors.join('\n'));
  return 0;
}

async function rawGet(cli: Cli, path: string, query?: Record<string, string | boolean | undefined>): Promise<string> {
  const client = await cli.client();
  const res = await client.transport.request({ path, query });
  return (await readBody(res)).toString();
}

const imgPath = (name: string) => name.replace(/[^A-Za-z0-9._\-\/:@]/g, (c) => encodeURIComponent(c));

export const fetchContainer = (cli: Cli, size = false): Fetch => (ref) => rawGet(cli, `/containers/${encodeURIComponent(ref)}/json`, { size: size || undefined });
export const fetchImage = (cli: Cli): Fetch => (ref) => rawGet(cli, `/images/${imgPath(ref)}/json`);
export const fetchNetwork = (cli: Cli): Fetch => (ref) => rawGet(cli, `/networks/${encodeURIComponent(ref)}`);
export const fetchVolume = (cli: Cli): Fetch => (ref) => rawGet(cli, `/volumes/${encodeURIComponent(ref)}`);

const TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];

export const inspect: CommandDef = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  args: { min: 1 },
  flags: [INSPECT_FORMAT_FLAG, { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes if the type is container' }, { name: 'type', kind: 'string', usage: 'Only inspect objects of the given type' }],
  async run(cli, p) {
    const v = p.values;
    const type: string | undefined = v.type;
    if (type && !TYPES.includes(type)) throw new StatusError(1, `unknown type: "${type}": must be one of ${TYPES.map((t) => `"${t}"`).join(', ')}`);
    const fetchers: Record<string, Fetch> = {
      container: fetchContainer(cli, v.size),
      image: fetchImage(cli),
      network: fetchNetwork(cli),
      volume: fetchVolume(cli),
    };
    if (type) {
      const f = fetchers[type];
      if (!f) throw new StatusError(1, `"${type}" is not supported by Berth`);
      return inspectRefs(cli, p.args, v.format, f);
    }
    return inspectRefs(cli, p.args, v.format, async (ref) => {
      for (const kind of ['container', 'image', 'network', 'volume']) {
        try {
          return await fetchers[kind](ref);
        } catch (e) {
          if (e instanceof ApiError && (e.statusCode === 404 || e.statusCode === 400)) continue;
          throw e;
        }
      }
      throw new Error(`Error: No such object: ${ref}`);
    });
  },
};

export const containerInspect: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [INSPECT_FORMAT_FLAG, { name: 'size', short: 's', kind: 'bool', usage: 'Display total file sizes' }],
  run: (cli, p) => inspectRefs(cli, p.args, p.values.format, fetchContainer(cli, p.values.size)),
};

export const imageInspect: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [INSPECT_FORMAT_FLAG, { name: 'platform', kind: 'string', usage: 'Inspect a specific platform of the multi-platform image.' }],
  run: (cli, p) => inspectRefs(cli, p.args, p.values.format, fetchImage(cli)),
};
