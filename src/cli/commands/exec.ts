// berth exec / berth attach
import { StatusError, type CommandDef } from '../cli.ts';
import { streamHijacked, monitorTtySize, forwardSignals, parseDetachKeys, ttySize, untilSessionEnds } from '../streams.ts';
import { readEnv, OptsError } from '../container-opts.ts';

export const exec: CommandDef = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  args: { min: 2 },
  interspersed: false,
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: run command in the background' },
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'env', short: 'e', kind: 'list', usage: 'Set environment variables' },
    { name: 'env-file', kind: 'list', usage: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open even if not attached' },
    { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', kind: 'string', usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  ],
  async run(cli, p) {
    const v = p.values;
    const [container, ...cmd] = p.args;
    let env: string[];
    try {
      env = readEnv(v['env-file'], v.env);
    } catch (e) {
      if (e instanceof OptsError) throw new StatusError(1, e.message);
      throw e;
    }
    if (v['detach-keys']) parseDetachKeys(v['detach-keys']);
    const detach = !!v.detach;
    const tty = !!v.tty;
    const attachStdin = !detach && !!v.interactive;
    const client = await cli.client();
    await client.containers.inspect(container);
    if (!detach && attachStdin && tty && !cli.in.isTTY) throw new StatusError(1, 'the input device is not a TTY');
    const size = tty ? ttySize(cli.out) : null;
    const consoleSize: [number, number] | undefined = size ? [size.rows, size.cols] : undefined;
    const { Id: execId } = await client.exec.create(container, {
      User: v.user ?? '',
      Privileged: !!v.privileged,
      Tty: tty,
      AttachStdin: attachStdin,
      AttachStdout: !detach,
      AttachStderr: !detach,
      DetachKeys: v['detach-keys'] ?? '',
      Env: env,
      WorkingDir: v.workdir ?? '',
      Cmd: cmd,
      ConsoleSize: consoleSize,
    });
    if (!execId) throw new StatusError(1, 'exec ID empty');
    if (detach) {
      await client.exec.startDetached(execId, { Tty: tty, ConsoleSize: consoleSize });
      return 0;
    }
    const conn = await client.exec.start(execId, { Tty: tty, ConsoleSize: consoleSize });
    const streaming = streamHijacked({
      conn,
      tty,
      stdin: attachStdin ? cli.in : null,
      stdout: cli.out,
      stderr: tty ? cli.out : cli.err,
      detachKeys: v['detach-keys'],
    });
    const stopResize = tty && cli.in.isTTY ? monitorTtySize(cli.out, (h, w) => client.exec.resize(execId, h, w)) : null;
    const detached = await untilSessionEnds(streaming, stopResize);
    if (detached) throw new StatusError(1, detached.message);
    const r = await client.exec.inspect(execId);
    return r.ExitCode ?? 0;
  },
};

export const attach: CommandDef = {
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'detach-keys', kind: 'string', usage: 'Override the key sequence for detaching a container' },
    { name: 'no-stdin', kind: 'bool', usage: 'Do not attach STDIN' },
    { name: 'sig-proxy', kind: 'bool', usage: 'Proxy all received signals to the process', def: true },
  ],
  async run(cli, p) {
    const v = p.values;
    if (v['detach-keys']) {
      try {
        parseDetachKeys(v['detach-keys']);
      } catch (e) {
        throw new StatusError(1, (e as Error).message);
      }
    }
    const client = await cli.client();
    const c = await client.containers.inspect(p.args[0]);
    if (!c.State?.Running) throw new StatusError(1, 'You cannot attach to a stopped container, start it first');
    if (c.State?.Paused) throw new StatusError(1, 'You cannot attach to a paused container, unpause it first');
    if (c.State?.Restarting) throw new StatusError(1, 'You cannot attach to a restarting container, wait until it is running');
    const id = c.Id!;
    const tty = !!c.Config?.Tty;
    const withStdin = !v['no-stdin'] && !!c.Config?.OpenStdin;
    if (withStdin && tty && !cli.in.isTTY) throw new StatusError(1, 'the input device is not a TTY');
    const stopSignals = v['sig-proxy'] && !tty ? forwardSignals((sig) => client.containers.kill(id, { signal: sig })) : null;
    try {
      const conn = await client.containers.attach(id, { stream: true, stdin: withStdin, stdout: true, stderr: true, detachKeys: v['detach-keys'] });
      const wait = await client.containers.beginWait(id, 'not-running');
      const streaming = streamHijacked({ conn, tty, stdin: withStdin ? cli.in : null, stdout: cli.out, stderr: tty ? cli.out : cli.err, detachKeys: v['detach-keys'] });
      let stopResize: (() => void) | null = null;
      if (tty && cli.out.isTTY) {
        // Nudge the size (+1, then the real one) so that a shell redraws its prompt, as docker does.
        const s = ttySize(cli.out);
        if (s) await client.containers.resize(id, s.rows + 1, s.cols + 1).catch(() => {}); // only a nudge so that the shell redraws; the real size follows
        stopResize = monitorTtySize(cli.out, (h, w) => client.containers.resize(id, h, w));
      }
      const detached = await untilSessionEnds(streaming, stopResize);
      if (detached) throw new StatusError(1, detached.message);
      const r = await wait.result;
      return r.StatusCode ?? 0;
    } finally {
      stopSignals?.();
    }
  },
};
