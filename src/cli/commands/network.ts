// network ls / create / rm / inspect / connect / disconnect / prune
import { StatusError, forEachName, type CommandDef } from '../cli.ts';
import { parseIp6, parseCidr6, contains6 } from '../../network/ipam6.ts';
import { FormatContext, renderFormat, chooseFormat } from '../formatter.ts';
import { goTimeString, truncateId } from '../units.ts';
import { FORMAT_FLAG, INSPECT_FORMAT_FLAG, filterFlag, parseFilters } from './common.ts';
import { inspectRefs, fetchNetwork } from './inspect.ts';
import { confirm } from './lifecycle.ts';
import { kvToMap } from '../container-opts.ts';
import type { Network } from '../../sdk/types.ts';

class NetworkContext extends FormatContext {
  private readonly n: Network;
  private readonly trunc: boolean;
  constructor(n: Network, trunc: boolean) {
    super();
    this.n = n;
    this.trunc = trunc;
  }
  fields(): string[] {
    return ['ID', 'Name', 'Driver', 'Scope', 'IPv4', 'IPv6', 'Internal', 'Labels', 'CreatedAt'];
  }
  ID(): string {
    return this.trunc ? truncateId(this.n.Id ?? '') : (this.n.Id ?? '');
  }
  Name(): string {
    return this.n.Name ?? '';
  }
  Driver(): string {
    return this.n.Driver ?? '';
  }
  Scope(): string {
    return this.n.Scope ?? '';
  }
  IPv4(): string {
    return String(this.n.EnableIPv4 ?? true);
  }
  IPv6(): string {
    return String(!!this.n.EnableIPv6);
  }
  Internal(): string {
    return String(!!this.n.Internal);
  }
  Labels(): string {
    return Object.entries(this.n.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  }
  Label(name: string): string {
    return this.n.Labels?.[name] ?? '';
  }
  CreatedAt(): string {
    return this.n.Created ? goTimeString(Date.parse(this.n.Created) / 1000) : '';
  }
}

export const ls: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [filterFlag('Provide filter values (e.g. "driver=bridge")'), FORMAT_FLAG, { name: 'no-trunc', kind: 'bool', usage: 'Do not truncate the output' }, { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display network IDs' }],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const list = await client.networks.list({ filters: parseFilters(v.filter) });
    list.sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
    const format = chooseFormat({ format: v.format, quiet: v.quiet, defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}' });
    cli.print(renderFormat(format, list.map((n) => new NetworkContext(n, !v['no-trunc'])), { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' }));
  },
};

export const create: CommandDef = {
  usage: '[OPTIONS] NETWORK',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'attachable', kind: 'bool', usage: 'Enable manual container attachment' },
    { name: 'aux-address', kind: 'map', usage: 'Auxiliary IPv4 or IPv6 addresses used by Network driver', typeName: 'map' },
    { name: 'config-from', kind: 'string', usage: 'The network from which to copy the configuration' },
    { name: 'config-only', kind: 'bool', usage: 'Create a configuration only network' },
    { name: 'driver', short: 'd', kind: 'string', usage: 'Driver to manage the Network', def: 'bridge' },
    { name: 'gateway', kind: 'list', usage: 'IPv4 or IPv6 Gateway for the master subnet', typeName: 'strings' },
    { name: 'ingress', kind: 'bool', usage: 'Create swarm routing-mesh network' },
    { name: 'internal', kind: 'bool', usage: 'Restrict external access to the network' },
    { name: 'ip-range', kind: 'list', usage: 'Allocate container ip from a sub-range', typeName: 'strings' },
    { name: 'ipam-driver', kind: 'string', usage: 'IP Address Management Driver', def: 'default' },
    { name: 'ipam-opt', kind: 'map', usage: 'Set IPAM driver specific options', typeName: 'map' },
    { name: 'ipv4', kind: 'bool', usage: 'Enable or disable IPv4 address assignment', def: true },
    { name: 'ipv6', kind: 'bool', usage: 'Enable or disable IPv6 address assignment' },
    { name: 'label', kind: 'list', usage: 'Set metadata on a network' },
    { name: 'opt', short: 'o', kind: 'map', usage: 'Set driver specific options' },
    { name: 'scope', kind: 'string', usage: "Control the network's scope" },
    { name: 'subnet', kind: 'list', usage: 'Subnet in CIDR format that represents a network segment', typeName: 'strings' },
  ],
  async run(cli, p) {
    const v = p.values;
    const config = ipamConfig(v.subnet, v['ip-range'], v.gateway, v['aux-address']);
    const client = await cli.client();
    // the body as docker 28's runCreate sends it: IPAM always, EnableIPv4/EnableIPv6 only when given
    const r = await client.networks.create({
      Name: p.args[0],
      Driver: v.driver,
      Options: v.opt,
      IPAM: { Driver: v['ipam-driver'], Config: config, Options: v['ipam-opt'] },
      Internal: v.internal,
      EnableIPv4: p.changed.has('ipv4') ? v.ipv4 : undefined,
      EnableIPv6: p.changed.has('ipv6') ? v.ipv6 : undefined,
      Attachable: v.attachable,
      Ingress: v.ingress,
      Scope: v.scope || undefined,
      ConfigOnly: v['config-only'],
      ConfigFrom: v['config-from'] ? { Network: v['config-from'] } : undefined,
      Labels: kvToMap(v.label),
    } as never);
    if (r.Warning) cli.eprintln(`WARNING: ${r.Warning}`);
    cli.println(r.Id ?? '');
  },
};

interface IpamPool { Subnet: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }

/** docker's createIPAMConfig: each ip-range, gateway and aux address goes to the subnet that holds it. */
function ipamConfig(subnets: string[], ranges: string[], gateways: string[], aux: Record<string, string>): IpamPool[] {
  if (subnets.length < ranges.length || subnets.length < gateways.length) throw new StatusError(1, 'every ip-range or gateway must have a corresponding subnet');
  const config: IpamPool[] = [];
  for (const s of subnets) {
    if (config.some((c) => inSubnet(s.split('/')[0]!, c.Subnet) || inSubnet(c.Subnet.split('/')[0]!, s))) throw new StatusError(1, 'multiple overlapping subnet configuration is not supported');
    config.push({ Subnet: s });
  }
  for (const [flag, field, what] of [[ranges, 'IPRange', 'ranges'], [gateways, 'Gateway', 'gateways']] as const) {
    for (const x of flag) {
      const c = config.find((y) => inSubnet(x.split('/')[0]!, y.Subnet));
      if (!c) throw new StatusError(1, `no matching subnet for ${field === 'Gateway' ? 'gateway' : 'range'} ${x}`);
      if (c[field]) throw new StatusError(1, `cannot configure multiple ${what} (${x}, ${c[field]}) ${field === 'Gateway' ? 'for' : 'on'} the same subnet (${c.Subnet})`);
      c[field] = x;
    }
  }
  for (const [name, ip] of Object.entries(aux)) {
    const c = config.find((x) => inSubnet(ip, x.Subnet));
    if (!c) throw new StatusError(1, `no matching subnet for aux-address ${ip}`);
    c.AuxiliaryAddresses = { ...c.AuxiliaryAddresses, [name]: ip };
  }
  return config;
}

export const rm: CommandDef = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  args: { min: 1 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Do not error if the network does not exist' }],
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      try {
        await client.networks.remove(n);
      } catch (e) {
        if (p.values.force && (e as { statusCode?: number }).statusCode === 404) return;
        throw e;
      }
      return n;
    });
  },
};

export const inspect: CommandDef = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  args: { min: 1 },
  flags: [INSPECT_FORMAT_FLAG, { name: 'verbose', short: 'v', kind: 'bool', usage: 'Verbose output for diagnostics' }],
  run: (cli, p) => inspectRefs(cli, p.args, p.values.format, fetchNetwork(cli)),
};

export const connect: CommandDef = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  args: { min: 2, max: 2 },
  flags: [
    { name: 'alias', kind: 'list', usage: 'Add network-scoped alias for the container', typeName: 'strings' },
    { name: 'driver-opt', kind: 'list', usage: 'driver options for the network', typeName: 'strings' },
    { name: 'gw-priority', kind: 'int', usage: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.' },
    { name: 'ip', kind: 'string', usage: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'ip6', kind: 'string', usage: 'IPv6 address (e.g., "2001:db8::33")' },
    { name: 'link', kind: 'list', usage: 'Add link to another container' },
    { name: 'link-local-ip', kind: 'list', usage: 'Add a link-local address for the container', typeName: 'strings' },
  ],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const lists = (name: string) => (v[name] as string[]).flatMap((x) => x.split(',')).filter(Boolean);
    // --driver-opt k=v as docker's: the first '=' splits (a bare key has an empty value)
    const driverOpts = Object.fromEntries(lists('driver-opt').map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, ''])));
    const linkLocal = lists('link-local-ip');
    await client.networks.connect(p.args[0], p.args[1], {
      Aliases: v.alias.length ? lists('alias') : undefined,
      Links: v.link.length ? (v.link as string[]) : undefined,
      DriverOpts: Object.keys(driverOpts).length ? driverOpts : undefined,
      GwPriority: v['gw-priority'] ? Number(v['gw-priority']) : undefined,
      IPAMConfig: v.ip || v.ip6 || linkLocal.length ? { IPv4Address: v.ip, IPv6Address: v.ip6, LinkLocalIPs: linkLocal.length ? linkLocal : undefined } : undefined,
    });
  },
};

export const disconnect: CommandDef = {
  usage: '[OPTIONS] NETWORK CONTAINER',
  args: { min: 2, max: 2 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', usage: 'Force the container to disconnect from a network' }],
  async run(cli, p) {
    const client = await cli.client();
    await client.networks.disconnect(p.args[0], p.args[1], p.values.force);
  },
};

export const prune: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [filterFlag('Provide filter values (e.g. "until=<timestamp>")'), { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' }],
  async run(cli, p) {
    if (!p.values.force && !(await confirm(cli, 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?'))) return 0;
    const client = await cli.client();
    const r = await client.networks.prune(parseFilters(p.values.filter));
    if (r.NetworksDeleted?.length) cli.println(`Deleted Networks:\n${r.NetworksDeleted.join('\n')}`);
    void StatusError;
  },
};

/** Whether an address lies in a CIDR (an IPv4 one in an IPv4 subnet, an IPv6 one in an IPv6 subnet). */
function inSubnet(ip: string, cidr: string): boolean {
  if (ip.includes(':') || cidr.includes(':')) {
    const a = parseIp6(ip);
    const c = parseCidr6(cidr);
    return a !== undefined && c !== undefined && contains6(c, a);
  }
  const v4 = (a: string) => {
    const p = a.split('.').map(Number);
    return p.length === 4 && p.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0 : undefined;
  };
  const [net, bits] = cidr.split('/');
  const a = v4(ip);
  const n = v4(net ?? '');
  const len = Number(bits);
  if (a === undefined || n === undefined || !(len >= 0 && len <= 32)) return false;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}
