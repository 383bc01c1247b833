// start, stop, restart, kill, pause, unpause, rm, rename, wait, container prune, update.
import { StatusError, forEachName, type Cli, type CommandDef } from '../cli.ts';
import { streamHijacked, monitorTtySize, forwardSignals, parseDetachKeys, untilSessionEnds } from '../streams.ts';
import { parseRestartPolicy } from '../container-opts.ts';
import { filterFlag, parseFilters } from './common.ts';
import { humanSize } from '../units.ts';
import type { Resources, RestartPolicy } from '../../sdk/types.ts';

export const start: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', usage: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'checkpoint', kind: 'string', usage: 'Restore from this checkpoint', hidden: true },
    { name: 'checkpoint-dir', kind: 'string', usage: 'Use a custom checkpoint storage directory', hidden: true },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: "Attach container's STDIN" },
  ],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    if (v.attach || v.interactive) {
      if (p.args.length > 1) throw new StatusError(1, 'you cannot start and attach multiple containers at once');
      return startAttached(cli, p.args[0], v);
    }
    const failed: string[] = [];
    for (const name of p.args) {
      try {
        await client.containers.start(name);
        cli.println(name);
      } catch (e) {
        cli.eprintln((e as Error).message);
        failed.push(name);
      }
    }
    if (failed.length) throw new StatusError(1, `Error: failed to start containers: ${failed.join(', ')}`);
  },
};

async function startAttached(cli: Cli, name: string, v: Record<string, any>): Promise<number> {
  const client = await cli.client();
  const c = await client.containers.inspect(name);
  const id = c.Id!;
  const tty = !!c.Config?.Tty;
  const withStdin = !!v.interactive && !!c.Config?.OpenStdin;
  if (v['detach-keys']) parseDetachKeys(v['detach-keys']);
  if (withStdin && tty && !cli.in.isTTY) throw new StatusError(1, 'the input device is not a TTY');
  const stopSignals = !tty ? forwardSignals((sig) => client.containers.kill(id, { signal: sig })) : null;
  try {
    const conn = await client.containers.attach(id, { stream: true, stdin: withStdin, stdout: true, stderr: true, detachKeys: v['detach-keys'] });
    const streaming = streamHijacked({ conn, tty, stdin: withStdin ? cli.in : null, stdout: cli.out, stderr: tty ? cli.out : cli.err, detachKeys: v['detach-keys'] });
    streaming.catch(() => {}); // observed here so that it never goes unhandled; awaited below
    const wait = await client.containers.beginWait(id, c.HostConfig?.AutoRemove ? 'removed' : 'next-exit');
    try {
      await client.containers.start(id);
    } catch (e) {
      conn.close();
      throw e;
    }
    const stopResize = tty && cli.out.isTTY ? monitorTtySize(cli.out, (h, w) => client.containers.resize(id, h, w)) : null;
    if (await untilSessionEnds(streaming, stopResize)) return 0;
    const r = await wait.result;
    return r.StatusCode ?? 0;
  } finally {
    stopSignals?.();
  }
}

const TIME_FLAG = { name: 'timeout', short: 't', kind: 'int' as const, usage: 'Seconds to wait before killing the container' };
const TIME_ALIAS = { name: 'time', kind: 'int' as const, usage: 'Seconds to wait before killing the container (deprecated: use --timeout)', hidden: true };
const SIGNAL_FLAG = { name: 'signal', short: 's', kind: 'string' as const, usage: 'Signal to send to the container' };

function timeoutOf(v: Record<string, any>): number | undefined {
  return v.timeout ?? v.time;
}

export const stop: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [SIGNAL_FLAG, TIME_FLAG, TIME_ALIAS],
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      await client.containers.stop(n, { timeout: timeoutOf(p.values), signal: p.values.signal });
      return n;
    });
  },
};

export const restart: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [SIGNAL_FLAG, TIME_FLAG, TIME_ALIAS],
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      await client.containers.restart(n, { timeout: timeoutOf(p.values), signal: p.values.signal });
      return n;
    });
  },
};

export const kill: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [{ name: 'signal', short: 's', kind: 'string', usage: 'Signal to send to the container' }],
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      await client.containers.kill(n, { signal: p.values.signal || undefined });
      return n;
    });
  },
};

export const pause: CommandDef = {
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      await client.containers.pause(n);
      return n;
    });
  },
};

export const unpause: CommandDef = {
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      await client.containers.unpause(n);
      return n;
    });
  },
};

export const rm: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', kind: 'bool', usage: 'Remove the specified link' },
    { name: 'volumes', short: 'v', kind: 'bool', usage: 'Remove anonymous volumes associated with the container' },
  ],
  async run(cli, p) {
    const client = await cli.client();
    const v = p.values;
    let failed = false;
    for (const raw of p.args) {
      const name = raw.replace(/^\/+/, '');
      if (!name) {
        cli.eprintln('Error: Container name cannot be empty');
        failed = true;
        continue;
      }
      try {
        await client.containers.remove(name, { force: v.force, volumes: v.volumes, link: v.link });
        cli.println(name);
      } catch (e) {
        // With --force, a missing container is not an error (docker ignores not-found then).
        if (v.force && (e as { statusCode?: number }).statusCode === 404) continue;
        cli.eprintln((e as Error).message);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

export const rename: CommandDef = {
  usage: 'CONTAINER NEW_NAME',
  args: { min: 2, max: 2 },
  async run(cli, p) {
    const [oldName, newName] = p.args.map((s) => s.trim());
    if (!oldName || !newName) throw new StatusError(1, 'Error: Neither old nor new names may be empty');
    const client = await cli.client();
    try {
      await client.containers.rename(oldName, newName);
    } catch (e) {
      throw new StatusError(1, `${(e as Error).message}\nError: failed to rename container named ${oldName}`);
    }
  },
};

export const wait: CommandDef = {
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  async run(cli, p) {
    const client = await cli.client();
    return forEachName(cli, p.args, async (n) => {
      const r = await client.containers.wait(n, 'not-running');
      if (r.Error?.Message) throw new Error(r.Error.Message);
      return String(r.StatusCode ?? 0);
    });
  },
};

/** Prompt "[y/N]" on the terminal; false when stdin is not interactive and no answer comes. */
export async function confirm(cli: Cli, message: string): Promise<boolean> {
  cli.print(`${message} [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        done(buf.slice(0, nl));
      }
    };
    const done = (s: string) => {
      cli.in.off('data', onData);
      cli.in.off('end', onEnd);
      cli.in.pause();
      resolve(s);
    };
    const onEnd = () => done(buf);
    cli.in.on('data', onData);
    cli.in.once('end', onEnd);
    cli.in.resume();
  });
  const a = answer.trim().toLowerCase();
  if (!process.stdin.isTTY && !answer.endsWith('\n')) cli.println();
  return a === 'y' || a === 'yes';
}

export const prune: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [filterFlag('Provide filter values (e.g. "until=<timestamp>")'), { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' }],
  async run(cli, p) {
    if (!p.values.force && !(await confirm(cli, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) {
      return 0;
    }
    const client = await cli.client();
    const r = await client.containers.prune(parseFilters(p.values.filter));
    if (r.ContainersDeleted?.length) cli.println(`Deleted Containers:\n${r.ContainersDeleted.join('\n')}\n`);
    cli.println(`Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}`);
  },
};

export const update: CommandDef = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [
    { name: 'blkio-weight', kind: 'uint', usage: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', typeName: 'uint16' },
    { name: 'cpu-period', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) period' },
    { name: 'cpu-quota', kind: 'int', usage: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
    { name: 'cpu-rt-period', kind: 'int', usage: 'Limit the CPU real-time period in microseconds' },
    { name: 'cpu-rt-runtime', kind: 'int', usage: 'Limit the CPU real-time runtime in microseconds' },
    { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
    { name: 'cpus', kind: 'decimal', usage: 'Number of CPUs' },
    { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
    { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
    { name: 'memory', short: 'm', kind: 'bytes', usage: 'Memory limit' },
    { name: 'memory-reservation', kind: 'bytes', usage: 'Memory soft limit' },
    { name: 'memory-swap', kind: 'string', typeName: 'bytes', usage: "Swap limit equal to memory plus swap: -1 to enable unlimited swap" },
    { name: 'pids-limit', kind: 'int', usage: 'Tune container pids limit (set -1 for unlimited)' },
    { name: 'restart', kind: 'string', usage: 'Restart policy to apply when a container exits' },
  ],
  async run(cli, p) {
    const v = p.values;
    if (!p.changed.size) throw new StatusError(1, 'you must provide one or more flags when using this command');
    const body: Partial<Resources> & { RestartPolicy?: RestartPolicy } = {};
    const map: [string, keyof Resources][] = [
      ['blkio-weight', 'BlkioWeight'],
      ['cpu-period', 'CpuPeriod'],
      ['cpu-quota', 'CpuQuota'],
      ['cpu-rt-period', 'CpuRealtimePeriod'],
      ['cpu-rt-runtime', 'CpuRealtimeRuntime'],
      ['cpu-shares', 'CpuShares'],
      ['cpuset-cpus', 'CpusetCpus'],
      ['cpuset-mems', 'CpusetMems'],
      ['memory', 'Memory'],
      ['memory-reservation', 'MemoryReservation'],
      ['pids-limit', 'PidsLimit'],
    ];
    for (const [flag, field] of map) if (p.changed.has(flag)) (body as Record<string, unknown>)[field] = v[flag];
    if (p.changed.has('cpus')) body.NanoCpus = Math.round(v.cpus * 1e9);
    if (p.changed.has('memory-swap')) {
      const { ramInBytes } = await import('../units.ts');
      body.MemorySwap = v['memory-swap'] === '-1' ? -1 : ramInBytes(v['memory-swap']);
    }
    if (p.changed.has('restart')) body.RestartPolicy = parseRestartPolicy(v.restart);
    const client = await cli.client();
    // docker 28: names of the updated ones on stdout, then every warning, then the errors joined
    const warns: string[] = [];
    const errs: string[] = [];
    for (const n of p.args) {
      try {
        const r = await client.containers.update(n, body);
        warns.push(...(r?.Warnings ?? []));
        cli.println(n);
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    if (warns.length) cli.println(warns.join('\n'));
    if (errs.length) throw new StatusError(1, errs.join('\n'));
  },
};
