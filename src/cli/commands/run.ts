// berth run / berth create: docker's flow — create (pulling a missing image), attach, wait,
// start, then leave with the container's exit code.
import fs from 'node:fs';
import { StatusError, type Cli, type CommandDef } from '../cli.ts';
import { RUN_FLAGS, CONTAINER_FLAGS, buildContainerConfig, OptsError, type ContainerOptions } from '../container-opts.ts';
import type { Client } from '../../sdk/client.ts';
import { ApiError } from '../../sdk/errors.ts';
import { streamHijacked, monitorTtySize, forwardSignals, parseDetachKeys, EscapeError } from '../streams.ts';
import { PROG } from '../cli.ts';

/** docker 28's withHelp: "berth: <err>\n\nRun 'berth run --help' for more information". */
function withHelp(msg: string, cmd: string): string {
  return `${PROG}: ${msg}\n\nRun '${PROG} ${cmd} --help' for more information`;
}

/** toStatusError: 127 for "not found" failures, 126 for permission problems, else 125. */
export function runErrorCode(msg: string): number {
  if (msg.includes('executable file not found') || msg.includes('no such file or directory') || msg.includes('system cannot find the file specified')) return 127;
  if (msg.includes('permission denied') || msg.includes('is a directory')) return 126;
  return 125;
}

function statusError(e: unknown, cmd: string): StatusError {
  if (e instanceof StatusError) return e;
  const msg = (e as Error)?.message ?? String(e);
  return new StatusError(runErrorCode(msg), withHelp(msg, cmd));
}

/** Familiar reference with the default tag: "busybox" → "busybox:latest". */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  const tagColon = image.indexOf(':', lastSlash + 1);
  return tagColon >= 0 ? image : `${image}:latest`;
}

/** reference.ParseNormalizedNamed(...).Name(): "busybox" → "docker.io/library/busybox". */
export function normalizeRepo(repo: string): string {
  const parts = repo.split('/');
  if (parts.length === 1) return `docker.io/library/${repo}`;
  const first = parts[0];
  if (first.includes('.') || first.includes(':') || first === 'localhost') return repo;
  return `docker.io/${repo}`;
}

export async function pullImage(cli: Cli, client: Client, image: string, opts: { quiet?: boolean; platform?: string; out?: NodeJS.WriteStream } = {}): Promise<void> {
  const ref = withDefaultTag(image);
  const at = ref.indexOf('@');
  let name = ref;
  let tag: string | undefined;
  if (at < 0) {
    const i = ref.lastIndexOf(':');
    name = ref.slice(0, i);
    tag = ref.slice(i + 1);
  }
  const { registryAuthHeader } = await import('../auth.ts');
  const res = await client.images.pull(normalizeRepo(name), { tag, platform: opts.platform, registryAuth: registryAuthHeader(cli.opts.config, name) });
  const { displayJSONMessages } = await import('../progress.ts');
  const out = opts.quiet ? null : (opts.out ?? cli.err);
  if (!out) {
    await displayJSONMessages(res, new (await import('node:stream')).PassThrough().resume() as unknown as NodeJS.WriteStream, { tty: false });
    return;
  }
  await displayJSONMessages(res, out);
}

/** create with docker's pull policy; returns the new container's ID. */
export async function createContainer(cli: Cli, client: Client, o: ContainerOptions): Promise<string> {
  if (o.cidfile && fs.existsSync(o.cidfile)) throw new Error(`container ID file found, make sure the other container isn't running or delete ${o.cidfile}`);
  const image = o.body.Image!;
  if (o.pull === 'always') await pullImage(cli, client, image, { quiet: o.quiet, platform: o.platform });
  let res;
  try {
    res = await client.containers.create(o.body, { name: o.name, platform: o.platform });
  } catch (e) {
    // (any not-found from create means the image, as docker's create: a local image of another platform too)
    if (!(e instanceof ApiError && e.statusCode === 404 && o.pull === 'missing')) throw e;
    if (!o.quiet) cli.err.write(`Unable to find image '${withDefaultTag(image)}' locally\n`);
    try {
      await pullImage(cli, client, image, { quiet: o.quiet, platform: o.platform });
    } catch (pullErr) {
      // A daemon without pulling (no route, or not implemented): report the missing image itself.
      if (pullErr instanceof ApiError && (pullErr.statusCode === 501 || (pullErr.statusCode === 404 && /page not found|not found$/i.test(pullErr.reason) && !/image/i.test(pullErr.reason)))) throw e;
      throw pullErr;
    }
    res = await client.containers.create(o.body, { name: o.name, platform: o.platform });
  }
  for (const w of res.Warnings ?? []) cli.err.write(`WARNING: ${w}\n`);
  if (o.cidfile) fs.writeFileSync(o.cidfile, res.Id!);
  return res.Id!;
}

function parseOpts(p: Parameters<CommandDef['run']>[1], cmd: string, detach: boolean): ContainerOptions {
  try {
    return buildContainerConfig(p, { detach });
  } catch (e) {
    throw new StatusError(125, withHelp((e as Error).message, cmd));
  }
}

export const create: CommandDef = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  args: { min: 1 },
  interspersed: false,
  flags: CONTAINER_FLAGS,
  async run(cli, p) {
    const o = parseOpts(p, 'create', false);
    const client = await cli.client();
    // unlike run, docker create reports the daemon's errors as they are, with exit code 1
    const id = await createContainer(cli, client, o);
    cli.println(id);
  },
};

export const run: CommandDef = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  args: { min: 1 },
  interspersed: false,
  flags: RUN_FLAGS,
  async run(cli, p) {
    const v = p.values;
    const detach = !!v.detach;
    if (detach && (v.attach as string[]).length) throw new StatusError(125, withHelp('conflicting options: cannot specify both --attach and --detach', 'run'));
    const o = parseOpts(p, 'run', detach);
    const cfg = o.body;
    if (!detach && cfg.AttachStdin && cfg.Tty && !cli.in.isTTY) throw new StatusError(1, 'the input device is not a TTY');
    if (v['detach-keys']) {
      try {
        parseDetachKeys(v['detach-keys']);
      } catch (e) {
        throw new StatusError(125, withHelp((e as Error).message, 'run'));
      }
    }
    const client = await cli.client();
    let id: string;
    try {
      id = await createContainer(cli, client, o);
    } catch (e) {
      throw statusError(e, 'run');
    }

    let stopSignals: (() => void) | null = null;
    if (v['sig-proxy'] && !detach) stopSignals = forwardSignals((sig) => client.containers.kill(id, { signal: sig }));
    try {
      return await runAttached(cli, client, id, o, v, detach);
    } finally {
      stopSignals?.();
    }
  },
};

async function runAttached(cli: Cli, client: Client, id: string, o: ContainerOptions, v: Record<string, any>, detach: boolean): Promise<number> {
  const cfg = o.body;
  const attach = !detach && (cfg.AttachStdin || cfg.AttachStdout || cfg.AttachStderr);
  let streaming: Promise<void> | null = null;
  let conn: Awaited<ReturnType<Client['containers']['attach']>> | null = null;
  const abort = new AbortController();
  if (attach) {
    try {
      conn = await client.containers.attach(id, { stream: true, stdin: cfg.AttachStdin, stdout: cfg.AttachStdout, stderr: cfg.AttachStderr, detachKeys: v['detach-keys'] });
    } catch (e) {
      throw statusError(e, 'run');
    }
    streaming = streamHijacked({
      conn,
      tty: !!cfg.Tty,
      stdin: cfg.AttachStdin ? cli.in : null,
      stdout: cfg.AttachStdout ? cli.out : null,
      stderr: cfg.AttachStderr ? (cfg.Tty ? cli.out : cli.err) : null,
      detachKeys: v['detach-keys'],
      signal: abort.signal,
    });
    streaming.catch(() => {}); // observed here so that it never goes unhandled; awaited below
  }

  let status: Promise<number> | null = null;
  try {
    const w = await client.containers.beginWait(id, o.autoRemove ? 'removed' : 'next-exit');
    status = w.result.then(
      (r) => {
        if (r.Error?.Message) {
          cli.eprintln(`Error waiting for container: ${r.Error.Message}`);
          return 125;
        }
        return r.StatusCode ?? 0;
      },
      (e) => {
        cli.eprintln(`error waiting for container: ${(e as Error).message}`);
        return 125;
      },
    );
  } catch (e) {
    // Waiting is best effort before start: report later like docker.
    status = Promise.resolve(125);
    void e;
  }

  try {
    await client.containers.start(id);
  } catch (e) {
    if (attach) {
      abort.abort();
      await streaming!.catch(() => {}); // the start error below is what is reported
    }
    // docker waits for the removal here; bound it so that a daemon that never removes cannot hang us.
    if (o.autoRemove) await Promise.race([status, new Promise((r) => setTimeout(r, 10_000).unref())]);
    throw statusError(e, 'run');
  }

  if (!attach) {
    cli.println(id);
    return 0;
  }

  let stopResize: (() => void) | null = null;
  if (cfg.Tty && cli.out.isTTY) {
    stopResize = monitorTtySize(cli.out, (h, w) => client.containers.resize(id, h, w), () => cli.eprintln('failed to resize tty, using default size'));
  }
  try {
    const first = await Promise.race([
      streaming!.then(
        () => ({ kind: 'stream' as const, err: null as Error | null }),
        (err: Error) => ({ kind: 'stream' as const, err }),
      ),
      status!.then((code) => ({ kind: 'status' as const, code })),
    ]);
    if (first.kind === 'stream') {
      if (first.err) {
        if (first.err instanceof EscapeError) return 0;
        throw first.err;
      }
      return await status!;
    }
    // The container exited first: let the output drain (unless none is attached).
    if (!cfg.AttachStdout && !cfg.AttachStderr) abort.abort();
    await streaming!.catch(() => {}); // the exit code is the result; a stream broken after the exit changes nothing
    return first.code;
  } finally {
    stopResize?.();
  }
}
