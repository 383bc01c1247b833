// diff, commit, top, port, export, stats (cp is cp.ts)
import { pipeToFileAtomic } from '../../util/fs.ts';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { StatusError, type Cli, type CommandDef } from '../cli.ts';
import { TabWriter } from '../tabwriter.ts';
import { humanSize, bytesSize, truncateId } from '../units.ts';
import { FormatContext, renderFormat, chooseFormat } from '../formatter.ts';
import { FORMAT_FLAG } from './common.ts';
import type { ContainerStatsResponse } from '../../sdk/types.ts';

// ------------------------------------------------------------------ diff, commit, top, port, export

export const diff: CommandDef = {
  usage: 'CONTAINER',
  args: { min: 1, max: 1 },
  flags: [FORMAT_FLAG],
  async run(cli, p) {
    const client = await cli.client();
    const changes = (await client.containers.changes(p.args[0])) ?? [];
    const kinds = ['C', 'A', 'D'];
    if (p.values.format) {
      const items = changes.map((c) => new DiffContext(kinds[c.Kind ?? 0] ?? '?', c.Path ?? ''));
      cli.print(renderFormat(p.values.format, items, { Type: 'CHANGE TYPE', Path: 'PATH' }));
      return;
    }
    for (const c of changes) cli.println(`${kinds[c.Kind ?? 0] ?? '?'} ${c.Path}`);
  },
};

class DiffContext extends FormatContext {
  private readonly t: string;
  private readonly p: string;
  constructor(t: string, p: string) {
    super();
    this.t = t;
    this.p = p;
  }
  fields(): string[] {
    return ['Type', 'Path'];
  }
  Type(): string {
    return this.t;
  }
  Path(): string {
    return this.p;
  }
}

export const commit: CommandDef = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  args: { min: 1, max: 2 },
  flags: [
    { name: 'author', short: 'a', kind: 'string', usage: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', kind: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', usage: 'Commit message' },
    { name: 'no-pause', kind: 'bool', usage: 'Disable pausing container during commit', hidden: true },
    { name: 'pause', short: 'p', kind: 'bool', usage: 'Pause container during commit', def: true },
  ],
  async run(cli, p) {
    const [container, ref] = p.args;
    let repo: string | undefined;
    let tag: string | undefined;
    if (ref) {
      const lastSlash = ref.lastIndexOf('/');
      const colon = ref.lastIndexOf(':');
      if (colon > lastSlash) {
        repo = ref.slice(0, colon);
        tag = ref.slice(colon + 1);
      } else repo = ref;
    }
    const client = await cli.client();
    const r = await client.containers.commit({
      container,
      repo,
      tag,
      comment: p.values.message,
      author: p.values.author,
      pause: p.values['no-pause'] ? false : p.values.pause,
      changes: p.values.change.length ? p.values.change : undefined,
    });
    cli.println(r.Id ?? '');
  },
};

export const top: CommandDef = {
  usage: 'CONTAINER [ps OPTIONS]',
  args: { min: 1 },
  interspersed: false,
  async run(cli, p) {
    const [container, ...psArgs] = p.args;
    const client = await cli.client();
    const r = await client.containers.top(container, psArgs.length ? psArgs.join(' ') : undefined);
    const tw = new TabWriter(20, 3);
    tw.write((r.Titles ?? []).join('\t') + '\n');
    for (const proc of r.Processes ?? []) tw.write(proc.join('\t') + '\n');
    cli.print(tw.flush());
  },
};

export const port: CommandDef = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  args: { min: 1, max: 2 },
  async run(cli, p) {
    const [container, want] = p.args;
    const client = await cli.client();
    const c = await client.containers.inspect(container);
    const ports = c.NetworkSettings?.Ports ?? {};
    const fmt = (b: { HostIp?: string; HostPort?: string }) => {
      const ip = b.HostIp || '0.0.0.0';
      return ip.includes(':') ? `[${ip}]:${b.HostPort}` : `${ip}:${b.HostPort}`;
    };
    if (want) {
      const [num, proto = 'tcp'] = want.split('/');
      if (!/^\d+$/.test(num)) throw new StatusError(1, `Error: invalid port (${num}): strconv.ParseUint: parsing "${num}": invalid syntax`);
      const key = `${num}/${proto}`;
      const bindings = ports[key];
      if (bindings?.length) {
        cli.println(bindings.map(fmt).sort(naturalCompare).join('\n'));
        return;
      }
      throw new StatusError(1, `Error: No public port '${want}' published for ${container}`);
    }
    const lines: string[] = [];
    for (const [key, bindings] of Object.entries(ports)) {
      for (const b of bindings ?? []) lines.push(`${key} -> ${fmt(b)}`);
    }
    // the docker CLI sorts the lines naturally (sortorder.NaturalLess): "[::1]:…" before "[::]:…"
    if (lines.length) cli.println(lines.sort(naturalCompare).join('\n'));
  },
};

/** Natural order as fvbommel/sortorder's NaturalLess: runs of digits compare by value, the rest byte by byte. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!, y[i]!];
    if (p === q) continue;
    const [dp, dq] = [/^\d/.test(p), /^\d/.test(q)];
    if (dp && dq) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
      return p.length - q.length;
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

export const exportCmd: CommandDef = {
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  flags: [{ name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' }],
  async run(cli, p) {
    const output: string | undefined = p.values.output;
    if (!output && cli.out.isTTY) throw new StatusError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const client = await cli.client();
    const res = await client.containers.export(p.args[0]);
    if (output) {
      try {
        await pipeToFileAtomic(res, output);
      } catch (e) {
        throw new StatusError(1, `failed to export container: ${(e as Error).message}`);
      }
    } else await pipeline(res, cli.out);
  },
};

// ------------------------------------------------------------------ stats

export interface StatsEntry {
  id: string;
  name: string;
  cpu: number;
  mem: number;
  memLimit: number;
  memPerc: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  pids: number;
  invalid: boolean;
}

/** docker's calculateCPUPercentUnix and friends. */
export function computeStats(id: string, s: ContainerStatsResponse): StatsEntry {
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPerc = sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
  const m = s.memory_stats ?? {};
  const st = (m.stats ?? {}) as Record<string, number>;
  let mem = m.usage ?? 0;
  if (st.total_inactive_file !== undefined && st.total_inactive_file < mem) mem -= st.total_inactive_file;
  else if (st.inactive_file !== undefined && st.inactive_file < mem) mem -= st.inactive_file;
  const limit = m.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values((s.networks ?? {}) as Record<string, { rx_bytes?: number; tx_bytes?: number }>)) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let rd = 0;
  let wr = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') rd += e.value ?? 0;
    else if (op === 'write') wr += e.value ?? 0;
  }
  return {
    id,
    name: (s.name ?? '').replace(/^\//, ''),
    cpu: cpuPerc,
    mem,
    memLimit: limit,
    memPerc: limit ? (mem / limit) * 100 : 0,
    netRx: rx,
    netTx: tx,
    blkRead: rd,
    blkWrite: wr,
    pids: s.pids_stats?.current ?? 0,
    invalid: false,
  };
}

class StatsContext extends FormatContext {
  private readonly s: StatsEntry;
  private readonly trunc: boolean;
  private readonly container: string;
  constructor(s: StatsEntry, trunc: boolean, container: string) {
    super();
    this.s = s;
    this.trunc = trunc;
    this.container = container;
  }
  fields(): string[] {
    return ['Container', 'Name', 'ID', 'CPUPerc', 'MemUsage', 'MemPerc', 'NetIO', 'BlockIO', 'PIDs'];
  }
  Container(): string {
    return this.container;
  }
  Name(): string {
    return this.s.name || '--';
  }
  ID(): string {
    return this.trunc ? truncateId(this.s.id) : this.s.id;
  }
  CPUPerc(): string {
    return this.s.invalid ? '--' : `${this.s.cpu.toFixed(2)}%`;
  }
  MemUsage(): string {
    return this.s.invalid ? '-- / --' : `${bytesSize(this.s.mem)} / ${bytesSize(this.s.memLimit)}`;
  }
  MemPerc(): string {
    return this.s.invalid ? '--' : `${this.s.memPerc.toFixed(2)}%`;
  }
  NetIO(): string {
    return this.s.invalid ? '--' : `${humanSize(this.s.netRx)} / ${humanSize(this.s.netTx)}`;
  }
  BlockIO(): string {
    return this.s.invalid ? '--' : `${humanSize(this.s.blkRead)} / ${humanSize(this.s.blkWrite)}`;
  }
  PIDs(): string {
    return this.s.invalid ? '--' : String(this.s.pids);
  }
}

const STATS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const STATS_HEADER = { Container: 'CONTAINER', Name: 'NAME', ID: 'CONTAINER ID', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' };

export const stats: CommandDef = {
  usage: '[OPTIONS] [CONTAINER...]',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all containers (default shows just running)' },
    FORMAT_FLAG,
    { name: 'no-stream', kind: 'bool', usage: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
  ],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const format = chooseFormat({ format: v.format, defaultTable: STATS_TABLE });
    const snapshot = async (): Promise<{ ctx: StatsContext[]; errs: string[] }> => {
      const names = p.args.length ? p.args : (await client.containers.list({ all: v.all })).map((c) => c.Id!);
      const errs: string[] = [];
      const ctx: StatsContext[] = [];
      await Promise.all(
        names.map(async (n, i) => {
          try {
            const it = await client.containers.stats(n, { stream: false });
            const first = await it.next();
            const s = first.value as ContainerStatsResponse;
            ctx[i] = new StatsContext(computeStats(s.id ?? n, s), !v['no-trunc'], n);
          } catch (e) {
            errs.push((e as Error).message);
          }
        }),
      );
      return { ctx: ctx.filter(Boolean), errs };
    };
    if (v['no-stream'] || !cli.out.isTTY) {
      const { ctx, errs } = await snapshot();
      if (errs.length && !ctx.length) throw new StatusError(1, errs.join('\n'));
      cli.print(renderFormat(format, ctx, STATS_HEADER));
      return errs.length ? 1 : 0;
    }
    const interrupted = new Promise<null>((r) => process.once('SIGINT', () => r(null)));
    for (;;) {
      const snap = await Promise.race([snapshot(), interrupted]);
      if (!snap) return 0;
      cli.print('\x1b[2J\x1b[H' + renderFormat(format, snap.ctx, STATS_HEADER));
      if ((await Promise.race([new Promise((r) => setTimeout(() => r(true), 500)), interrupted])) === null) return 0;
    }
  },
};



