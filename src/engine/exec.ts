// Exec sessions: extra processes in a running container (docker exec). Kept in memory as dockerd does.
import { isGvisor } from '../runtime/oci-runtimes.ts';
import type { RuntimeDriver, ExecHandle } from '../runtime/types.ts';
import type { ContainerService } from './containers/service.ts';
import { conflict, invalidParameter, notFound } from '../errdefs.ts';
import { newId } from '../util/ids.ts';
import { log } from '../util/log.ts';
import { detachKeyBytes } from '../util/detach-keys.ts';

/** inspect's DetachKeys: the key bytes, base64-encoded (moby's []byte field), "" when none were given. */
function detachKeysView(spec: string | undefined): string {
  if (!spec) return '';
  try {
    return detachKeyBytes(spec).toString('base64');
  } catch {
    // refused when the exec starts; until then there are no keys to show
    return '';
  }
}

export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd?: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
  ConsoleSize?: [number, number] | null;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  handle?: ExecHandle;
}

export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();
  private readonly containers: ContainerService;
  private readonly runtime: RuntimeDriver;

  constructor(deps: { containers: ContainerService; runtime: RuntimeDriver }) {
    this.containers = deps.containers;
    this.runtime = deps.runtime;
  }

  create(containerRef: string, config: ExecConfig): string {
    const c = this.containers.get(containerRef);
    if (!Array.isArray(config.Cmd) || config.Cmd.length === 0) throw invalidParameter('No exec command specified');
    if (!c.State.Running) throw conflict(`container ${c.Id} is not running`);
    // dockerd names the container as the client did here (and by its ID when the exec starts)
    if (c.State.Paused) throw conflict(`Container ${containerRef} is paused, unpause the container before exec`);
    const rt = this.runtime.runtimes().find((r) => r.name === c.HostConfig.Runtime);
    if (config.Tty && rt && isGvisor(rt.path)) throw invalidParameter('the sandbox runtime (runsc) cannot give a process a terminal on this host: run it without -t');
    const id = newId();
    this.execs.set(id, { id, containerId: c.Id, config, running: false, started: false, exitCode: null, pid: 0 });
    c.ExecIDs.push(id);
    this.containers.emitEvent(c.Id, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
    return id;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /** Start the process; resolves once it runs. */
  /** The checks dockerd makes before it hijacks the connection. */
  checkStartable(id: string): void {
    const e = this.get(id);
    if (e.started) throw conflict(`Error: Exec command ${id} has already run`);
    const c = this.containers.get(e.containerId);
    if (!c.State.Running) throw conflict(`container ${c.Id} is not running`);
    if (c.State.Paused) throw conflict(`Container ${c.Id} is paused, unpause the container before exec`);
  }

  async start(id: string, opts: { tty?: boolean } = {}): Promise<ExecRecord> {
    this.checkStartable(id);
    const e = this.get(id);
    const c = this.containers.get(e.containerId);
    e.started = true;
    const tty = opts.tty ?? !!e.config.Tty;
    let handle;
    try {
      handle = await this.runtime.exec(c.Id, {
      execId: id,
      args: e.config.Cmd!,
      // (a legacy link's variables too, as dockerd gives them to execs)
      env: [...this.containers.linkEnv(c), ...(c.Config.Env ?? []), ...(e.config.Env ?? [])],
      cwd: e.config.WorkingDir || c.Config.WorkingDir || '/',
      user: e.config.User || c.Config.User || '',
      tty,
      openStdin: !!e.config.AttachStdin,
      privileged: !!e.config.Privileged,
    });
    } catch (err) {
      // As dockerd (translateContainerdStartErr, then 126 when it set none): 127 when the message names
      // the command as not found, 126 for permission denied, 127 for "not a directory", else 126 (a
      // missing working directory is 126: the message does not name the command)
      const msg = (err as Error).message;
      const cmd = e.config.Cmd?.[0] ?? '';
      let code = 126;
      if (cmd && msg.includes(cmd) && /executable file not found|no such file or directory/.test(msg)) code = 127;
      if (msg.includes('permission denied')) code = 126;
      if (msg.includes('not a directory')) code = 127;
      e.exitCode = code;
      setTimeout(() => this.execs.delete(id), 5 * 60_000).unref();
      throw err;
    }
    e.handle = handle;
    e.running = true;
    e.pid = handle.pid;
    this.containers.emitEvent(c.Id, `exec_start: ${e.config.Cmd!.join(' ')}`, { execID: id });
    void handle.exited.then((code) => {
      e.running = false;
      e.exitCode = code;
      const cur = this.containers.find(c.Id);
      if (cur) {
        cur.ExecIDs = cur.ExecIDs.filter((x) => x !== id);
        this.containers.emitEvent(c.Id, 'exec_die', { execID: id, exitCode: String(code) });
      }
      // Forget finished execs after a while, as dockerd does when the container goes.
      setTimeout(() => this.execs.delete(id), 5 * 60_000).unref();
    });
    if (e.config.ConsoleSize && tty) await handle.resize(e.config.ConsoleSize[0], e.config.ConsoleSize[1]).catch((err) => log.debug(`exec ${id}: initial console size: ${err.message}`)); // the process may have exited already
    return e;
  }

  async resize(id: string, h: number, w: number): Promise<void> {
    const e = this.get(id);
    if (!e.handle) throw conflict(`Exec ${id} is not running`);
    await e.handle.resize(h, w);
  }

  inspect(id: string) {
    const e = this.get(id);
    const [entrypoint, ...args] = e.config.Cmd ?? [];
    return {
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: detachKeysView(e.config.DetachKeys),
      ExitCode: e.exitCode,
      ID: e.id,
      OpenStderr: !!e.config.AttachStderr,
      OpenStdin: !!e.config.AttachStdin,
      OpenStdout: !!e.config.AttachStdout,
      ProcessConfig: { arguments: args, entrypoint, privileged: !!e.config.Privileged, tty: !!e.config.Tty, user: e.config.User ?? '' },
      Running: e.running,
      Pid: e.pid,
    };
  }
}
