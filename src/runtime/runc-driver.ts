// The runc runtime driver: an OCI bundle per container (RunSpec.stateDir), conmon as the per-container monitor
// (it owns stdio, the k8s-file log, the attach socket and the exit file, and outlives the daemon), and runc
// for lifecycle operations. The hot path (create → start → exit → delete) spawns only conmon (which runs
// `runc create`): start reads runc's exec fifo itself, exits come by inotify, and deleting a container whose
// process has exited removes its cgroups and runc state in-process (runc delete is the fallback; runc-state.ts).
// Each container's bundle, spec and sidecar are kept by bundles.ts.
import { rotationOf, type LogSettings } from './log-args.ts';
import { LogPipelines, type PipelineTarget } from './log-pipeline.ts';
import { readRotatedLog } from './log-reader.ts';
import { shmDir, mountShm, unmountShm } from './shm.ts';
import { checkPropagation } from './propagation.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { RuntimeDriver, RunSpec, RuntimeState, AttachSession, ExecSpec, ExecHandle, LogEntry, LogOptions } from './types.ts';
import { toJson } from './oci.ts';
import { buildSpec, hostInfo, rootfsUserFiles } from './spec.ts';
import { containerResources } from './cgroup-resources.ts';
import { Bundles } from './bundles.ts';
import { startByExecFifo, destroyStopped } from './runc-state.ts';
import { spawnConmon, awaitPid, runtimeMessage, containerMonitorArgs } from './conmon.ts';
import { connectAttach } from './attach.ts';
import { runcExec } from './runc-exec.ts';
import { writeCtl, writeCtlEvent } from './conmon-ctl.ts';
import { ExitWatcher } from './exits.ts';
import { readLog } from './logs.ts';
import { run, findExecutable } from '../util/exec.ts';
import { log } from '../util/log.ts';
import { phases } from '../util/phases.ts';
import { conflict, invalidParameter, notFound, systemError, BerthError } from '../errdefs.ts';
import { runscShim, forRunsc, isGvisor, NO_TTY_IN_RUNSC, type OciRuntime, type OciRuntimeConfig } from './oci-runtimes.ts';

export type { OciRuntimeConfig } from './oci-runtimes.ts';
export { findExecutable } from '../util/exec.ts';

export interface RuncDriverOptions {
  /** The driver's own state directory (exit files, bundle links). Survives daemon restarts (exec root). */
  root: string;
  /** where an attach session keeps the output a slow client has not taken yet (runtime/attach.ts) */
  spoolDir?: string;
  /** runc's state root (`runc --root`); default: <root>/runc. Other runtimes get <root>/<name>. */
  runcRoot?: string;
  /** Path of runc; default: found on PATH (/usr/sbin, /usr/bin, ...). */
  runtimePath?: string;
  /** More runtimes besides runc, chosen per container by RunSpec.runtime. */
  runtimes?: OciRuntimeConfig[];
  /** The runtime of a container that names none; default runc. */
  defaultRuntime?: string;
  /** Path of conmon; default: found on PATH (/usr/bin, /usr/libexec/podman, ...). */
  conmonPath?: string;
  /** Fallback poll interval for exits (ms); inotify does the real work. */
  exitPollMs?: number;
}

export class RuncDriver implements RuntimeDriver {
  /** the default runtime's name */
  readonly name: string;
  readonly root: string;
  private readonly spoolDir?: string;
  readonly runcRoot: string;
  readonly runtimePath: string;
  private readonly table = new Map<string, OciRuntime>();
  private readonly runtimeById = new Map<string, OciRuntime>();
  readonly conmonPath: string;
  private readonly exits: ExitWatcher;
  private readonly exitDir: string;
  private readonly bundles: Bundles;
  private readonly exitSubscribers = new Map<string, Set<() => void>>();
  private readonly logPipes = new LogPipelines({
    reopen: (id) => writeCtlEvent(this.bundles.get(id), '2 0 0\n'),
    monitorAlive: (id) => this.bundles.monitorAlive(id) === true,
  });

  constructor(opts: RuncDriverOptions) {
    this.root = opts.root;
    this.spoolDir = opts.spoolDir;
    this.runcRoot = opts.runcRoot ?? path.join(opts.root, 'runc');
    const runtimePath = opts.runtimePath ?? findExecutable('runc');
    const conmonPath = opts.conmonPath ?? findExecutable('conmon');
    if (!runtimePath) throw systemError('runc not found in PATH');
    if (!conmonPath) throw systemError('conmon not found in PATH');
    this.runtimePath = runtimePath;
    this.conmonPath = conmonPath;
    this.table.set('runc', { name: 'runc', path: runtimePath, args: [], root: this.runcRoot, runcLayout: true, gvisor: false, monitorPath: runtimePath });
    for (const r of opts.runtimes ?? []) {
      const gvisor = isGvisor(r.path);
      const monitorPath = gvisor ? runscShim(this.root, r.path) : r.path;
      this.table.set(r.name, { name: r.name, path: r.path, args: r.args ?? [], root: path.join(this.root, r.name), runcLayout: false, gvisor, monitorPath });
    }
    this.name = opts.defaultRuntime ?? 'runc';
    if (!this.table.has(this.name)) throw systemError(`default runtime ${this.name} is not configured`);
    for (const r of this.table.values()) fs.mkdirSync(r.root, { recursive: true, mode: 0o700 });
    this.exitDir = path.join(this.root, 'exits');
    for (const d of [this.root, this.runcRoot, this.exitDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    this.bundles = new Bundles(path.join(this.root, 'bundles'));
    this.exits = new ExitWatcher(this.exitDir, { pollMs: opts.exitPollMs, monitorAlive: (id) => this.bundles.monitorAlive(id) });
    // After the engine's handler has recorded the exit (docker run --rm's wait answers from there):
    // the log's last conversion and its readers' wake-ups need not hold it up (a reader syncs first)
    this.exits.onExit((id) =>
      setImmediate(() => {
        this.logPipes.exited(id);
        for (const cb of this.exitSubscribers.get(id) ?? []) cb();
      }),
    );
  }

  // --- bookkeeping ------------------------------------------------------------

  /** The bundle directory of a container, or undefined if the driver has no record of it. */
  bundleOf(id: string): string | undefined {
    return this.bundles.of(id);
  }

  /** The runtimes this driver can use, by name (for `docker info`). */
  runtimes(): OciRuntimeConfig[] {
    return [...this.table.values()].map((r) => ({ name: r.name, path: r.path, args: r.args }));
  }

  /** The runtime a container was created with. */
  private runtimeOf(id: string): OciRuntime {
    let rt = this.runtimeById.get(id);
    if (!rt) {
      const name = this.bundles.of(id) ? (this.bundles.sidecar(id).runtime ?? 'runc') : this.name;
      rt = this.table.get(name);
      if (!rt) throw systemError(`container ${id} was created with runtime ${name}, which is no longer configured`);
      this.runtimeById.set(id, rt);
    }
    return rt;
  }

  private globalArgs(rt: OciRuntime): string[] {
    return [...rt.args, '--root', rt.root];
  }

  private runc(id: string, args: string[], opts: { allowFailure?: boolean; timeoutMs?: number } = {}) {
    const rt = this.runtimeOf(id);
    return run(rt.path, [...this.globalArgs(rt), ...args], { allowFailure: opts.allowFailure, timeoutMs: opts.timeoutMs ?? 30_000 });
  }

  /** A runtime failure as a Berth error with the runtime's own message. */
  private runcError(op: string, id: string, stderr: string): BerthError {
    const msg = runtimeMessage(stderr);
    if (/does not exist|not found|cannot load container/i.test(msg)) return notFound(`No such container: ${id}`);
    if (/not running|not stopped|already finished|is paused|not paused|is stopped|cannot signal/i.test(msg)) return conflict(msg);
    return systemError(`${this.runtimeOf(id).name} ${op} failed: ${msg}`);
  }

  private async runcOp(op: string, id: string, args: string[]): Promise<string> {
    const res = await this.runc(id, args, { allowFailure: true });
    if (res.code !== 0) throw this.runcError(op, id, res.stderr || res.stdout);
    return res.stdout;
  }

  // --- lifecycle ----------------------------------------------------------------

  async create(spec: RunSpec): Promise<{ pid: number }> {
    const id = spec.id;
    const t = phases(`runtime create ${id.slice(0, 12)}`);
    if (spec.logPath.includes(':')) throw invalidParameter(`log path must not contain ':': ${spec.logPath}`);
    const bundle = spec.stateDir;
    fs.mkdirSync(bundle, { recursive: true, mode: 0o711 });
    for (const f of ['attach', 'ctl', 'winsz', 'pidfile', 'conmon.pid', 'oom']) fs.rmSync(path.join(bundle, f), { force: true });
    this.exits.disarm(id);
    this.exits.clear(id);

    const rt = this.table.get(spec.runtime ?? this.name);
    if (!rt) throw invalidParameter(`unknown or invalid runtime name: ${spec.runtime}`);
    if (spec.tty && rt.gvisor) throw invalidParameter(NO_TTY_IN_RUNSC);
    this.runtimeById.set(id, rt);
    checkPropagation(spec.mounts);
    if (spec.shareableShm) {
      await mountShm(shmDir(bundle), spec.shmSize);
      spec = { ...spec, shmSource: shmDir(bundle) };
    }
    const oci = buildSpec(forRunsc(spec, rt), hostInfo(), rootfsUserFiles(spec.rootfs));
    this.bundles.write(id, bundle, toJson(oci), oci, { groupAdd: spec.groupAdd ?? [], runtime: rt.name });
    if (spec.logPath) fs.mkdirSync(path.dirname(spec.logPath), { recursive: true });
    const pipe = pipelineTarget(id, spec.log);
    if (pipe) {
      fs.mkdirSync(path.dirname(pipe.file), { recursive: true, mode: 0o700 });
      try {
        this.logPipes.prepare(pipe);
      } catch (e) {
        // what a previous run left unconverted stays in the buffer, which conmon appends to
        log.warn(`log of ${id.slice(0, 12)}: ${(e as Error).message}`);
      }
    }
    t.mark('bundle');

    const args = containerMonitorArgs({ id, bundle, rt, spec, exitDir: this.exitDir, socketDir: this.root });
    const mon = spawnConmon(this.conmonPath, args, { cwd: bundle });
    t.mark('spawn');
    try {
      const pid = await awaitPid(mon, 'create');
      t.mark('conmon+runc create');
      if (pipe) this.logPipes.watch(pipe);
      this.exits.arm(id);
      t.end();
      return { pid };
    } finally {
      mon.sync.close();
    }
  }

  async start(id: string): Promise<void> {
    const rt = this.runtimeOf(id);
    if (rt.runcLayout && (await startByExecFifo(rt.root, id))) return;
    // not a runc we know the internals of, or already started: let the runtime decide
    await this.runcOp('start', id, ['start', id]);
  }

  async kill(id: string, signal: string | number, all = false): Promise<void> {
    await this.runcOp('kill', id, ['kill', ...(all ? ['--all'] : []), id, String(signal)]);
  }

  async pause(id: string): Promise<void> {
    await this.runcOp('pause', id, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.runcOp('resume', id, ['resume', id]);
  }

  async delete(id: string, force = false): Promise<void> {
    const rt = this.runtimeOf(id);
    // runc keeps a directory per container; for other runtimes, ask them
    const known = rt.runcLayout ? fs.existsSync(path.join(rt.root, id)) : true;
    if (known && !(rt.runcLayout && (await destroyStopped(this.runcRoot, id)))) {
      const res = await this.runc(id, ['delete', ...(force ? ['--force'] : []), id], { allowFailure: true });
      if (res.code !== 0) {
        const err = this.runcError('delete', id, res.stderr || res.stdout);
        if (err.kind !== 'not-found') throw err;
      }
    }
    this.exits.disarm(id);
    const bundle = this.bundles.of(id);
    // a container with a bundle has files to unlink, off the daemon's thread; one without (the
    // leftover check of every start) has none, and a thread pool round trip would only delay the start
    if (bundle) await this.exits.clearAsync(id);
    else this.exits.clear(id);
    if (bundle) await unmountShm(shmDir(bundle)).catch((e) => log.warn(`unmount ${shmDir(bundle)}: ${e.message}`));
    this.runtimeById.delete(id);
    await this.bundles.remove(id);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const res = await this.runc(id, ['state', id], { allowFailure: true });
    if (res.code !== 0) {
      const err = this.runcError('state', id, res.stderr || res.stdout);
      if (err.kind === 'not-found') return undefined;
      throw err;
    }
    const st = JSON.parse(res.stdout) as { status: string; pid: number };
    const status = (['created', 'running', 'paused', 'stopped'].includes(st.status) ? st.status : 'unknown') as RuntimeState['status'];
    return { status, pid: st.pid };
  }

  exitCode(id: string): { code: number; at: Date } | undefined {
    return this.exits.read(id);
  }

  /** conmon creates `oom` in its working directory (the bundle) when the cgroup's OOM killer fires. */
  oomKilled(id: string): boolean {
    const b = this.bundles.of(id);
    return !!b && fs.existsSync(path.join(b, 'oom'));
  }

  onExit(cb: (id: string, code: number) => void): void {
    this.exits.onExit(cb);
  }

  recover(id: string): void {
    if (!this.bundles.of(id)) log.warn(`recover ${id}: no bundle recorded`);
    this.exits.arm(id);
  }

  resumeLog(id: string, settings: LogSettings, running: boolean): void {
    const pipe = pipelineTarget(id, settings);
    if (!pipe) return;
    // catch up with what conmon wrote while berthd was down, and go on converting while it runs
    if (running) return this.logPipes.watch(pipe);
    if (!fs.existsSync(pipe.buffer) && !fs.existsSync(`${pipe.buffer}.draining`)) return;
    this.logPipes.sync(pipe);
    this.logPipes.exited(id);
  }

  forgetLog(id: string): void {
    this.logPipes.forget(id);
  }

  // --- stdio ------------------------------------------------------------------------

  async attach(id: string): Promise<AttachSession> {
    try {
      return await connectAttach(path.join(this.bundles.get(id), 'attach'), undefined, this.spoolDir);
    } catch (e) {
      if (e instanceof BerthError && e.kind === 'conflict') throw conflict(`Container ${id} is not running`);
      throw e;
    }
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    try {
      writeCtl(this.bundles.get(id), height, width);
    } catch (e) {
      if (e instanceof BerthError && e.kind === 'conflict') throw conflict(`Container ${id} is not running`);
      throw e;
    }
  }

  async reopenLog(id: string): Promise<void> {
    // conmon closes its k8s-file log and opens a new one at the same path (REOPEN_LOGS_EVENT)
    try {
      writeCtlEvent(this.bundles.get(id), '2 0 0\n');
    } catch (e) {
      if (e instanceof BerthError && e.kind === 'conflict') throw conflict(`Container ${id} is not running`);
      throw e;
    }
  }

  logs(id: string, settings: LogSettings, opts: LogOptions, signal: AbortSignal): AsyncIterable<LogEntry> {
    const done = () => this.exits.read(id) !== undefined || this.bundles.monitorAlive(id) !== true;
    const subscribe = (cb: () => void) => {
      let set = this.exitSubscribers.get(id);
      if (!set) this.exitSubscribers.set(id, (set = new Set()));
      set.add(cb);
      return () => {
        set!.delete(cb);
        if (set!.size === 0) this.exitSubscribers.delete(id);
      };
    };
    const pipe = pipelineTarget(id, settings);
    if (!pipe) return readLog(settings.path, opts, signal, { done, subscribe });
    const pipes = this.logPipes;
    return readRotatedLog(pipe.file, opts, signal, {
      done,
      sync: () => void pipes.sync(pipe),
      onRotate: (cb) => pipes.onRotate(pipe, cb),
      subscribe: (cb) => {
        const a = subscribe(cb);
        const b = pipes.subscribe(pipe, cb);
        return () => (a(), b());
      },
    });
  }

  async update(id: string, resources: Record<string, unknown>): Promise<void> {
    const rt = this.runtimeOf(id);
    if (rt.gvisor) throw invalidParameter(`the ${rt.name} runtime cannot change the limits of a running container; stop it first`);
    const file = path.join(this.bundles.get(id), 'update.json');
    fs.writeFileSync(file, JSON.stringify(containerResources(resources)));
    try {
      await this.runcOp('update', id, ['update', '--resources', file, id]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** For a runtime whose processes are not host processes (gVisor's live in its own kernel), the
   * runtime's own process table; undefined when `pids` gives host pids that `ps` can describe. */
  async processTable(id: string): Promise<{ Titles: string[]; Processes: string[][] } | undefined> {
    if (!this.runtimeOf(id).gvisor) return undefined;
    const out = await this.runcOp('ps', id, ['ps', id]);
    const lines = out.trimEnd().split('\n').filter(Boolean);
    const Titles = (lines[0] ?? '').trim().split(/\s+/);
    const Processes = lines.slice(1).map((l) => {
      const f = l.trim().split(/\s+/);
      return [...f.slice(0, Titles.length - 1), f.slice(Titles.length - 1).join(' ')];
    });
    return { Titles, Processes };
  }

  async pids(id: string): Promise<number[]> {
    const out = await this.runcOp('ps', id, ['ps', '--format', 'json', id]);
    const list = JSON.parse(out || '[]') as number[] | null;
    return list ?? [];
  }

  // --- exec ---------------------------------------------------------------------------

  async exec(id: string, spec: ExecSpec): Promise<ExecHandle> {
    const rt = this.runtimeOf(id);
    return runcExec({ id, bundle: this.bundles.get(id), rt, spec: this.bundles.spec(id), groupAdd: this.bundles.sidecar(id).groupAdd, globalArgs: this.globalArgs(rt), socketDir: this.root, spoolDir: this.spoolDir, conmonPath: this.conmonPath }, spec);
  }

  /** Stop watching (for tests and shutdown); containers keep running under their monitors. */
  close(): void {
    this.exits.close();
  }
}

/** The pipeline of a driver berthd converts conmon's buffer for (json-file, local), or undefined. */
function pipelineTarget(id: string, log: LogSettings | undefined): PipelineTarget | undefined {
  if (!log?.buffer) return undefined;
  return { id, buffer: log.buffer, file: log.path, rotation: rotationOf(log), attrs: log.attrs };
}
