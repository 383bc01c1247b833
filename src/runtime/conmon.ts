// Launching conmon, the per-container (and per-exec) monitor. This is the one place in Berth that spawns a
// long-lived process directly: conmon double-forks, outlives the daemon, and talks back over inherited pipes
// (_OCI_SYNCPIPE: the pid, or runc's error; _OCI_STARTPIPE / _OCI_ATTACHPIPE: the exec attach handshake).
import { spawn } from 'node:child_process';
import net, { type Socket } from 'node:net';
import { systemError } from '../errdefs.ts';
import { log } from '../util/log.ts';
import { activeSpawner } from '../util/exec.ts';
import path from 'node:path';
import type { RunSpec } from './types.ts';
import { conmonLogArgs } from './log-args.ts';
import { conmonRuntimeArgs, type OciRuntime } from './oci-runtimes.ts';

export interface SyncMessage {
  data: number;
  message?: string;
}

/** Newline-delimited JSON messages from one of conmon's pipes. */
export class MessageReader {
  private buf = '';
  private readonly queue: (SyncMessage | undefined)[] = [];
  private readonly waiters: ((m: SyncMessage | undefined) => void)[] = [];
  private ended = false;
  private socket?: Socket;
  private closed = false;

  /** A promise: the pipe is to come (undefined: it never will, which reads as its end). */
  constructor(socket: Socket | Promise<Socket | undefined>) {
    if (!(socket instanceof Promise)) {
      this.read(socket);
      return;
    }
    void socket.then((s) => {
      if (!s) return this.end();
      if (this.closed) return void s.destroy();
      this.read(s);
    });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(undefined);
  }

  private read(socket: Socket): void {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        try {
          this.push(JSON.parse(line) as SyncMessage);
        } catch {
          log.warn(`conmon: unparsable message: ${line}`);
        }
      }
    });
    const end = () => this.end();
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  private push(m: SyncMessage | undefined): void {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
    // After the end, every further next() answers undefined.
    if (m === undefined) for (const x of this.waiters.splice(0)) x(undefined);
  }

  /** The next message, or undefined once the pipe is closed. */
  next(): Promise<SyncMessage | undefined> {
    if (this.queue.length) {
      const m = this.queue.shift();
      if (m === undefined) this.queue.unshift(undefined);
      return Promise.resolve(m);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}

export interface ConmonProcess {
  sync: MessageReader;
  /** Exec only: the start pipe (write once conmon may run, once more when the attach socket is connected). */
  start?: Socket;
  /** Exec only: conmon reports here when its attach socket listens. */
  attach?: MessageReader;
  /** conmon's own stderr (before it daemonizes), for error messages. */
  stderr: () => string;
  /** settles when the started process has exited and its stderr is in (started by the spawner) */
  exited?: Promise<void>;
}

/** conmon's arguments for a container's monitor (its bundle is the working directory). */
export function containerMonitorArgs(o: { id: string; bundle: string; rt: OciRuntime; spec: RunSpec; exitDir: string; socketDir: string }): string[] {
  const { id, bundle, spec } = o;
  const args = [
    '--api-version',
    '-c', id,
    '-u', id,
    '-r', o.rt.monitorPath,
    '-b', bundle,
    '-p', path.join(bundle, 'pidfile'),
    ...conmonLogArgs(spec.logPath, spec.log),
    '--exit-dir', o.exitDir,
    '--full-attach',
    '--socket-dir-path', o.socketDir,
    '--conmon-pidfile', path.join(bundle, 'conmon.pid'),
    ...conmonRuntimeArgs(o.rt),
    '--no-sync-log',
    // conmon logs its progress at info level by default; only errors are worth its time
    '--log-level', 'error',
  ];
  if (spec.tty) args.push('-t');
  if (spec.openStdin) {
    args.push('-i');
    // Docker closes a container's stdin when the (first) attached client goes only for StdinOnce without a TTY;
    // a TTY's input stays open so `docker attach` works after a detach.
    if (!spec.stdinOnce || spec.tty) args.push('--leave-stdin-open');
  }
  return args;
}

/**
 * Spawn conmon. It forks at once (the spawned process exits) and the monitor keeps our pipe ends; nothing of
 * it stays referenced in the daemon's event loop after the caller closes the pipes.
 */
export function spawnConmon(conmonPath: string, args: string[], opts: { exec?: boolean; cwd?: string }): ConmonProcess {
  log.debug(`exec: ${conmonPath} ${args.join(' ')}`);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3' };
  const spawner = activeSpawner();
  // A container's monitor through the daemon's spawner shell (util/spawner.ts: why), its sync pipe a fifo
  if (!opts.exec && opts.cwd && spawner?.pipesSupported()) {
    const m = spawner.startWithPipes(conmonPath, args, { fds: [3], env, cwd: opts.cwd });
    let stderr = '';
    m.done.then(
      (r) => void (stderr = r.stderr + (r.code !== 0 ? `${r.stderr ? '\n' : ''}${conmonPath}: exit status ${r.code}` : '')),
      (e: Error) => void (stderr = `${conmonPath}: ${e.message}`),
    );
    const sync = new MessageReader(m.pipes.then((fds) => (fds ? new net.Socket({ fd: fds.get(3)!, readable: true, writable: false }) : undefined)));
    return { sync, stderr: () => stderr.trim(), exited: m.done.then(() => {}, () => {}) };
  }
  if (opts.exec) {
    env._OCI_STARTPIPE = '4';
    env._OCI_ATTACHPIPE = '5';
  }
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe', 'pipe'];
  if (opts.exec) stdio.push('pipe', 'pipe');
  const child = spawn(conmonPath, args, { stdio, env, cwd: opts.cwd, detached: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (stderr += c));
  // a broken stderr pipe only shortens the text reported with a failure
  child.stderr!.on('error', () => {});
  child.on('error', (e) => {
    stderr += `${conmonPath}: ${e.message}`;
    for (const s of child.stdio.slice(3)) (s as Socket | null)?.destroy();
  });
  child.unref();
  const pipes = child.stdio as unknown as (Socket | null)[];
  const sync = new MessageReader(pipes[3]!);
  const out: ConmonProcess = { sync, stderr: () => stderr.trim() };
  if (opts.exec) {
    out.start = pipes[4]!;
    // conmon gone before it reads the start message: its exit reports the failure
    out.start.on('error', () => {});
    out.attach = new MessageReader(pipes[5]!);
  }
  return out;
}

/** Turn runc's stderr (logrus text or JSON lines) into its message: `msg="..."` → the message. */
export function runtimeMessage(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  const msgs: string[] = [];
  for (const line of lines) {
    const m = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m) {
      try {
        msgs.push(JSON.parse(`"${m[1]}"`));
      } catch {
        msgs.push(m[1]);
      }
      continue;
    }
    if (line.startsWith('{')) {
      try {
        const j = JSON.parse(line) as { msg?: string; level?: string };
        if (j.msg) {
          msgs.push(j.msg);
          continue;
        }
      } catch {
        // not JSON: kept as a plain line below
      }
    }
    msgs.push(line);
  }
  // runc repeats the root cause; the last error line is the one that matters.
  return (msgs.length ? msgs[msgs.length - 1] : text).trim();
}

/** Wait for conmon's first sync message: the process pid, or runc's failure. */
export async function awaitPid(c: ConmonProcess, what: 'create' | 'exec', timeoutMs = 60_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const m = await Promise.race([c.sync.next(), timeout]);
  clearTimeout(timer);
  if (m === 'timeout') throw systemError(`OCI runtime ${what} failed: timed out waiting for conmon`);
  if (!m) {
    await c.exited;
    const err = c.stderr();
    throw systemError(`OCI runtime ${what} failed: conmon exited without reporting${err ? `: ${err}` : ''}`);
  }
  if (m.data < 0) {
    const msg = m.message ? runtimeMessage(m.message) : `exit status ${-m.data}`;
    // Docker 28's words for a container the runtime could not create: moby's and containerd's
    // prefixes around runc's message, and the gRPC code containerd's error carries ("unknown").
    if (what === 'create') throw systemError(`failed to create task for container: failed to create shim task: OCI runtime create failed: ${msg}: unknown`);
    throw systemError(`OCI runtime ${what} failed: ${msg}`);
  }
  return m.data;
}
