// A container service over fakes: a runtime driver that keeps its containers in a map and an
// image service whose read-write layer step is truly asynchronous (it awaits a timer), on a real
// metadata database in a temporary directory. For the unit tests of the operation files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { MetaDB } from '../../../../src/store/db.ts';
import { EventsService, type EngineEvent } from '../../../../src/events/bus.ts';
import { ContainerService } from '../../../../src/engine/containers/service.ts';
import { VolumeService } from '../../../../src/engine/volumes.ts';
import type { RuntimeDriver, RunSpec, RuntimeState, AttachSession, ExecSpec, ExecHandle } from '../../../../src/runtime/types.ts';
import type { ImageService, ImageRecord } from '../../../../src/images/types.ts';
import type { DaemonConfig } from '../../../../src/config.ts';

export interface FakeContainer {
  status: RuntimeState['status'];
  pid: number;
  spec: RunSpec;
}

/** What the fake process does with a signal: exit with a code, or (undefined) ignore it. */
export type SignalBehaviour = (id: string, signal: number) => number | undefined;

export class FakeRuntime implements RuntimeDriver {
  readonly name = 'runc';
  readonly containers = new Map<string, FakeContainer>();
  readonly exits = new Map<string, { code: number; at: Date }>();
  readonly calls: string[] = [];
  private readonly bus = new EventEmitter();
  private nextPid = 1000;
  /** default: TERM, INT and KILL end the process with 128+signal */
  onSignal: SignalBehaviour = (_id, sig) => ([2, 9, 15].includes(sig) ? 128 + sig : undefined);
  /** make create fail with this error */
  failCreate?: Error;
  /** called at the start of create (e.g. to look at the store meanwhile) */
  beforeCreate?: (spec: RunSpec) => void;
  /** exec handles never exit unless killed */
  execKilled: string[] = [];

  runtimes() {
    return [{ name: 'runc', path: '/usr/sbin/runc' }];
  }
  async create(spec: RunSpec): Promise<{ pid: number }> {
    this.calls.push(`create ${spec.id}`);
    this.beforeCreate?.(spec);
    if (this.failCreate) throw this.failCreate;
    const pid = this.nextPid++;
    this.containers.set(spec.id, { status: 'created', pid, spec });
    this.exits.delete(spec.id);
    return { pid };
  }
  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    this.must(id).status = 'running';
  }
  async kill(id: string, signal: string | number): Promise<void> {
    this.calls.push(`kill ${id} ${signal}`);
    const c = this.must(id);
    const code = this.onSignal(id, Number(signal));
    if (code !== undefined && c.status !== 'stopped') setImmediate(() => this.exit(id, code));
  }
  /** The process ends by itself (as conmon would report it). */
  exit(id: string, code: number): void {
    const c = this.containers.get(id);
    if (!c || c.status === 'stopped') return;
    c.status = 'stopped';
    this.exits.set(id, { code, at: new Date() });
    this.bus.emit('exit', id, code);
  }
  async pause(id: string): Promise<void> {
    this.must(id).status = 'paused';
  }
  async resume(id: string): Promise<void> {
    this.must(id).status = 'running';
  }
  async delete(id: string): Promise<void> {
    this.calls.push(`delete ${id}`);
    this.containers.delete(id);
  }
  async state(id: string): Promise<RuntimeState | undefined> {
    const c = this.containers.get(id);
    return c ? { status: c.status, pid: c.pid } : undefined;
  }
  exitCode(id: string) {
    return this.exits.get(id);
  }
  onExit(cb: (id: string, code: number) => void): void {
    // one daemon at a time: a reopened service replaces the one before
    this.bus.removeAllListeners('exit');
    this.bus.on('exit', cb);
  }
  async attach(id: string): Promise<AttachSession> {
    this.must(id);
    return fakeSession();
  }
  async resize(): Promise<void> {}
  async exec(id: string, spec: ExecSpec): Promise<ExecHandle> {
    this.must(id);
    let done!: (code: number) => void;
    const exited = new Promise<number>((r) => (done = r));
    return { attach: fakeSession(), exited, pid: 1, resize: async () => {}, kill: () => (this.execKilled.push(spec.execId), done(137)) };
  }
  async *logs() {}
  async update(): Promise<void> {}
  async pids(id: string): Promise<number[]> {
    return [this.must(id).pid];
  }
  recover(id: string): void {
    this.calls.push(`recover ${id}`);
  }
  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} does not exist`);
    return c;
  }
}

function fakeSession(): AttachSession {
  return { onData() {}, onEnd() {}, write() {}, endStdin() {}, close() {} };
}

export const IMAGE_ID = 'sha256:' + 'a'.repeat(64);

/** The image side: one image; the writable layer is a directory. */
export class FakeImages {
  failLayer?: Error;
  readonly layers = new Set<string>();
  mounted = new Set<string>();
  private readonly containersDir: string;
  constructor(containersDir: string) {
    this.containersDir = containersDir;
  }
  resolve(ref: string): ImageRecord {
    if (ref !== 'busybox') throw Object.assign(new Error(`No such image: ${ref}`), {});
    return { id: IMAGE_ID, config: { config: { Cmd: ['sh'] } } as never, size: 0, loaded: '' };
  }
  setInUseCheck(): void {}
  setContainerLister(): void {}
  /** (synchronous, as the real one is: a create runs from its name reservation to its save without yielding) */
  createRWLayer(id: string): void {
    if (this.failLayer) throw this.failLayer;
    fs.mkdirSync(path.join(this.containersDir, id, 'rw'), { recursive: true });
    this.layers.add(id);
  }
  async mountRWLayer(id: string): Promise<string> {
    this.mounted.add(id);
    return path.join(this.containersDir, id, 'rw');
  }
  async unmountRWLayer(id: string): Promise<void> {
    this.mounted.delete(id);
  }
  async removeRWLayer(id: string): Promise<void> {
    this.layers.delete(id);
    this.mounted.delete(id);
  }
  rwLayerSize(): number {
    return 0;
  }
  rwLayerIds(): string[] {
    return [...this.layers];
  }
  async commit(): Promise<{ id: string }> {
    return { id: 'sha256:' + 'c'.repeat(64) };
  }
}

export interface Harness {
  svc: ContainerService;
  volumes: VolumeService;
  runtime: FakeRuntime;
  images: FakeImages;
  db: MetaDB;
  events: EngineEvent[];
  root: string;
  cfg: DaemonConfig;
  /** A new service on the same database and directories, as after a daemon restart. */
  reopen(): Harness;
  close(): void;
}

export function harness(prev?: { root: string; runtime: FakeRuntime; images: FakeImages }): Harness {
  const root = prev?.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ct-'));
  const cfg = { socketPath: path.join(root, 's'), dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'exec'), logLevel: 'error' } as DaemonConfig;
  const containersDir = path.join(cfg.dataRoot, 'containers');
  fs.mkdirSync(containersDir, { recursive: true });
  const db = new MetaDB(path.join(cfg.dataRoot, 'berth.db'));
  const bus = new EventsService();
  const events: EngineEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const runtime = prev?.runtime ?? new FakeRuntime();
  const images = prev?.images ?? new FakeImages(containersDir);
  const volumes = new VolumeService({ cfg, db, events: bus });
  const svc = new ContainerService({ cfg, db, events: bus, images: images as unknown as ImageService, runtime, volumes });
  const h: Harness = {
    svc,
    volumes,
    runtime,
    images,
    db,
    events,
    root,
    cfg,
    reopen: () => {
      db.close();
      return harness({ root, runtime, images });
    },
    close: () => {
      db.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return h;
}

export const actions = (h: Harness, id?: string) => h.events.filter((e) => !id || e.Actor.ID === id).map((e) => e.Action);
