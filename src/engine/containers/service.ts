// The container service: owns every container's state transitions, locking and events.
// It composes the image service (root filesystems) and a runtime driver (processes); it knows nothing of HTTP.
import fs from 'node:fs';
import path from 'node:path';
import type { MetaDB, Collection } from '../../store/db.ts';
import type { EventsService } from '../events.ts';
import type { ImageService, ContainerConfig } from '../../images/types.ts';
import type { RuntimeDriver, AttachSession, RunSpec } from '../../runtime/types.ts';
import type { DaemonConfig } from '../../config.ts';
import { layout } from '../../config.ts';
import { conflict, invalidParameter, notFound, notModified, BerthError } from '../../errdefs.ts';
import { newId, shortId } from '../../util/ids.ts';
import { log } from '../../util/log.ts';
import { KeyedLock } from './lock.ts';
import { normalizeName, randomName } from './names.ts';
import { mergeConfig, commandOf } from './config-merge.ts';
import { initialState, type ContainerRecord, type HostConfig } from './record.ts';
import { writeEtcFiles } from './etc-files.ts';
import { resolveMounts } from './mounts.ts';
import { signalNumber } from './signals.ts';
import { mergeCommitConfig } from './commit.ts';
import type { NetworkService } from '../networks.ts';
import type { VolumeService } from '../volumes.ts';
import { HealthMonitor } from './health.ts';
import { checkResources, type ResourceFields } from './resources.ts';
import { updatedHostConfig } from './update.ts';
import { containerSeccomp } from '../../runtime/seccomp.ts';
import { hostDevicesFor } from './devices.ts';
import { chooseRuntime, isSandbox } from './isolation.ts';
import { daemonIdMap } from '../../platform/linux/idmap.ts';
import { createNetns, deleteNetns, loopbackUp, netnsPath } from '../../platform/linux/netns.ts';
import { Backoff, shouldRestart, restartOnDaemonStart, validatePolicy } from './restart-policy.ts';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Waiter {
  condition: WaitCondition;
  resolve: (r: { StatusCode: number; Error: { Message: string } | null }) => void;
}

export interface CreateRequest {
  name?: string;
  config: ContainerConfig & { HostConfig?: HostConfig; NetworkingConfig?: unknown };
}

export class ContainerService {
  private readonly db: MetaDB;
  private readonly docs: Collection<ContainerRecord>;
  private readonly events: EventsService;
  private readonly images: ImageService;
  private readonly runtime: RuntimeDriver;
  /** How many cp/export requests use each container's mounted rootfs (see rootfs()). */
  private readonly rootfsUsers = new Map<string, number>();
  private readonly dirs: ReturnType<typeof layout>;
  private readonly cfg: DaemonConfig;
  private readonly lock = new KeyedLock();
  /** In-memory cache of all records; the database is the source of truth written on every change. */
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Attach requests made before start: connected to the monitor between create and start so no output is lost. */
  private readonly pendingAttach = new Map<string, Set<(s: AttachSession | Error) => void>>();
  /** Exits we caused with stop/kill, to tell a stop from a crash. */
  private readonly stopping = new Set<string>();

  private readonly networks?: NetworkService;
  private readonly volumes?: VolumeService;
  private readonly health: HealthMonitor;
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  private readonly backoffs = new Map<string, Backoff>();

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; events: EventsService; images: ImageService; runtime: RuntimeDriver; networks?: NetworkService; volumes?: VolumeService }) {
    this.cfg = deps.cfg;
    this.networks = deps.networks;
    if (this.networks) this.networks.containers = () => this.list();
    this.volumes = deps.volumes;
    this.health = new HealthMonitor({
      runtime: deps.runtime,
      current: (id) => this.byId.get(id),
      onChange: (c, status) => {
        this.save(c);
        if (status) this.emit(c, `health_status: ${status}`);
      },
    });
    if (this.volumes) this.volumes.containers = () => this.list();
    this.db = deps.db;
    this.docs = deps.db.collection<ContainerRecord>('containers');
    this.events = deps.events;
    this.images = deps.images;
    this.runtime = deps.runtime;
    this.dirs = layout(deps.cfg);
    for (const c of this.docs.all()) this.byId.set(c.Id, c);
    this.runtime.onExit((id, code) => void this.handleExit(id, code));
    this.images.setInUseCheck((imageId) => {
      let found: { running: boolean; containerId?: string } | undefined;
      for (const c of this.byId.values()) {
        if (c.Image !== imageId) continue;
        if (c.State.Running) return { running: true, containerId: c.Id };
        found ??= { running: false, containerId: c.Id };
      }
      return found;
    });
  }

  // --- lookup --------------------------------------------------------------

  /** Find by full id, unique id prefix, or name (Docker's order). */
  get(ref: string): ContainerRecord {
    const c = this.find(ref);
    if (!c) throw notFound(`No such container: ${ref}`);
    return c;
  }

  find(ref: string): ContainerRecord | undefined {
    if (!ref) return undefined;
    const byId = this.byId.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('/') ? ref : '/' + ref;
    for (const c of this.byId.values()) if (c.Name === name) return c;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = [...this.byId.values()].filter((c) => c.Id.startsWith(ref));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) throw invalidParameter(`multiple IDs found with provided prefix: ${ref}`);
    }
    return undefined;
  }

  list(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  private save(c: ContainerRecord): void {
    this.byId.set(c.Id, c);
    this.docs.put(c.Id, c);
  }

  private attrs(c: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(c.Config.Labels ?? {}), image: c.Config.Image ?? '', name: c.Name.slice(1), ...extra };
  }

  private emit(c: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.events.publish('container', action, c.Id, this.attrs(c, extra));
  }

  containerDir(id: string): string {
    return path.join(this.dirs.containers, id);
  }

  // --- create --------------------------------------------------------------

  async create(req: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
    const { HostConfig: hcIn, NetworkingConfig: nc, ...userConfig } = req.config;
    const hc: HostConfig = { ...(hcIn ?? {}) };
    if (!userConfig.Image) throw invalidParameter('No image specified');
    validateConfig(userConfig, hc);
    const warnings = checkResources(hc as ResourceFields);
    const userns = (hc as { UsernsMode?: string }).UsernsMode ?? '';
    if (userns !== '' && userns !== 'host') throw invalidParameter(`invalid USER mode: ${userns}`);
    if (hc.Privileged && daemonIdMap() && userns !== 'host') throw invalidParameter('privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode');
    try {
      containerSeccomp(hc.SecurityOpt ?? [], !!hc.Privileged, []);
      hostDevicesFor(hc);
    } catch (e) {
      throw invalidParameter((e as Error).message);
    }
    const image = this.images.resolve(userConfig.Image);
    const config = mergeConfig(userConfig, image.config.config ?? {});
    const cmd = commandOf(config);
    if (cmd.length === 0) throw invalidParameter('No command specified');

    let name: string;
    if (req.name) {
      name = normalizeName(req.name);
      const other = this.find(name);
      if (other && other.Name === name)
        throw conflict(`Conflict. The container name "${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    } else {
      name = randomName((n) => [...this.byId.values()].some((c) => c.Name === n));
    }

    const id = newId();
    const explicitNetwork = !!hc.NetworkMode && hc.NetworkMode !== 'default';
    if (!hc.NetworkMode || hc.NetworkMode === 'default') hc.NetworkMode = 'bridge';
    hc.RestartPolicy ??= { Name: 'no', MaximumRetryCount: 0 };
    // Every container logs to a file docker logs reads; Docker's default driver name is what clients expect.
    if (!hc.LogConfig?.Type) hc.LogConfig = { Type: 'json-file', Config: hc.LogConfig?.Config ?? {} };
    if (!LOG_DRIVERS.includes(hc.LogConfig.Type)) {
      const t = hc.LogConfig.Type;
      // Docker's own drivers that ship logs elsewhere: name them as unsupported rather than unknown
      if (DOCKER_ONLY_LOG_DRIVERS.includes(t)) throw invalidParameter(`logger: the ${t} log driver is not supported by Berth; use one of: ${LOG_DRIVERS.join(', ')}`);
      throw invalidParameter(`error looking up logging plugin ${t}: plugin "${t}" not found`);
    }
    hc.Isolation ??= '';
    hc.Runtime = chooseRuntime(hc, { known: this.runtime.runtimes().map((r) => r.name), defaultRuntime: this.runtime.name, explicitNetwork, tty: !!config.Tty });
    // gVisor's own network stack cannot take over interfaces added after it started: sandboxed
    // containers get loopback only, unless a network was asked for (refused in chooseRuntime)
    if (isSandbox(hc.Isolation) && hc.NetworkMode === 'bridge' && !explicitNetwork) hc.NetworkMode = 'none';
    const hostNetwork = hc.NetworkMode === 'host';
    if (hc.NetworkMode.startsWith('container:')) this.get(hc.NetworkMode.slice('container:'.length));
    const networkSettings = this.networks?.settingsFor(hc.NetworkMode, (nc as { EndpointsConfig?: never } | undefined)?.EndpointsConfig, config.ExposedPorts);
    if (!config.Hostname) config.Hostname = hostNetwork ? readHostname() : id.slice(0, 12);
    config.Image = userConfig.Image;
    const mounts = resolveMounts(hc, {
      volumes: this.volumes,
      imageVolumes: config.Volumes,
      volumesFrom: (ref) => {
        const o = this.get(ref);
        return { points: o.Mounts, specs: o.mountSpecs ?? resolveMounts(o.HostConfig).specs };
      },
    });

    const dir = this.containerDir(id);
    fs.mkdirSync(dir, { recursive: true });
    const etc = writeEtcFiles(dir, {
      hostname: config.Hostname,
      hostNetwork,
      extraHosts: hc.ExtraHosts ?? [],
      dns: hc.Dns ?? [],
      dnsSearch: hc.DnsSearch ?? [],
      dnsOptions: hc.DnsOptions ?? [],
    });
    try {
      await this.images.createRWLayer(id, image.id);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const c: ContainerRecord = {
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Path: cmd[0],
      Args: cmd.slice(1),
      Image: image.id,
      Config: config,
      HostConfig: hc,
      State: initialState(),
      RestartCount: 0,
      LogPath: path.join(dir, 'container.log'),
      HostnamePath: etc.hostnamePath,
      HostsPath: etc.hostsPath,
      ResolvConfPath: etc.resolvConfPath,
      Mounts: mounts.points,
      mountSpecs: mounts.specs,
      ExecIDs: [],
      NetworkSettings: networkSettings,
    };
    this.save(c);
    this.emit(c, 'create');
    // Most containers are started right after they are created (docker run): mount the rootfs meanwhile.
    // (after this turn of the event loop, so that the answer to create goes out first)
    this.premounts.set(id, new Promise((resolve) => setImmediate(() => void this.images.mountRWLayer(id).then(() => resolve(), () => resolve()))));
    return { Id: id, Warnings: warnings };
  }

  // --- update --------------------------------------------------------------

  /** docker update: new limits (zero and absent fields keep theirs), applied at once to a running container. */
  async update(ref: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }> {
    const c0 = this.get(ref);
    return this.lock.run(c0.Id, async () => {
      const c = this.get(c0.Id);
      const next = updatedHostConfig(c.HostConfig, body, c.Id);
      const warnings = checkResources(next as ResourceFields, undefined, true);
      if (c.State.Running) {
        await this.runtime.update(c.Id, next as Record<string, unknown>).catch((e: Error) => {
          throw e instanceof BerthError ? new BerthError(e.kind, `Cannot update container ${c.Id}: ${e.message}`) : e;
        });
      }
      c.HostConfig = next;
      this.save(c);
      this.emit(c, 'update');
      return { Warnings: warnings };
    });
  }

  // --- start ---------------------------------------------------------------

  async start(ref: string): Promise<void> {
    const c0 = this.get(ref);
    await this.lock.run(c0.Id, async () => {
      const c = this.get(c0.Id);
      if (c.State.Paused) throw conflict('cannot start a paused container, try unpause instead');
      if (c.State.Running) throw notModified('container already started');
      if (c.State.Status === 'removing') throw conflict(`container is marked for removal and cannot be started`);
      this.cancelRestart(c);
      await this.startLocked(c);
    });
  }

  private async startLocked(c: ContainerRecord): Promise<void> {
    try {
      // A leftover runtime record (a previous run) must go before a new create.
      await this.runtime.delete(c.Id, true).catch(() => {});
      const pre = this.premounts.get(c.Id);
      this.premounts.delete(c.Id);
      if (pre) await pre;
      const rootfs = await this.images.mountRWLayer(c.Id);
      for (const m of c.Mounts) if (m.Type === 'volume' && m.Name && !m.Mode.includes('nocopy')) await this.volumes?.populate(m.Name, rootfs, m.Destination);
      const spec = this.runSpec(c, rootfs);
      // A container on networks gets a namespace made first, so that the CNI plugins wire it
      // while the runtime creates the container in it (the process starts only after both).
      // (Not with a user namespace: the container must own its network namespace to set its
      // net.* sysctls and mount sysfs, so runc makes it and the plugins wire it afterwards.)
      const wired = spec.network === 'none' && !!this.networks?.hasEndpoints(c);
      const early = wired && !spec.idMap;
      if (early) spec.network = { netnsPath: await createNetns(netnsName(c.Id)) };
      const [created, attached] = await Promise.allSettled([
        this.runtime.create(spec),
        early ? Promise.all([loopbackUp(netnsName(c.Id)), this.networks!.attach(c, (spec.network as { netnsPath: string }).netnsPath)]) : Promise.resolve(),
      ]);
      if (created.status === 'rejected') throw created.reason;
      if (attached.status === 'rejected') throw attached.reason;
      const { pid } = created.value;
      if (wired && !early) await this.networks!.attach(c, `/proc/${pid}/ns/net`);
      if (wired) this.writeNetworkFiles(c);
      const size = c.HostConfig.ConsoleSize as [number, number] | undefined;
      // The initial terminal size (docker run -t sends it at create) must be there before the process starts.
      if (c.Config.Tty && size && size[0] > 0 && size[1] > 0) await this.runtime.resize(c.Id, size[0], size[1]).catch(() => {});
      await this.connectPendingAttaches(c.Id);
      await this.runtime.start(c.Id);
      this.networks?.joined(c);
      c.State = { ...c.State, Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: pid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString() };
      c.HasBeenManuallyStopped = false;
      this.save(c);
      this.emit(c, 'start');
      this.health.start(c);
    } catch (e) {
      const msg = (e as Error).message;
      const code = /executable file not found|no such file or directory/.test(msg) ? 127 : /permission denied/.test(msg) ? 126 : 128;
      this.failPendingAttaches(c.Id, e as Error);
      await this.runtime.delete(c.Id, true).catch(() => {});
      await this.networks?.detach(c).catch(() => {});
      await deleteNetns(netnsName(c.Id)).catch(() => {});
      await this.images.unmountRWLayer(c.Id).catch(() => {});
      c.State = { ...c.State, Status: c.State.StartedAt.startsWith('0001') ? 'created' : 'exited', Running: false, Pid: 0, ExitCode: code, Error: msg };
      this.save(c);
      // Like dockerd, a container that was to be removed on exit is removed when it cannot start
      // (docker run --rm waits for condition=removed). After the lock: remove() takes it too.
      if (c.HostConfig.AutoRemove) setImmediate(() => void this.remove(c.Id, { force: true, volumes: true }).catch((err) => log.warn(`auto-remove ${c.Id}: ${err.message}`)));
      if (e instanceof BerthError && e.kind !== 'system') throw e;
      // Docker answers 400 for a command that cannot be run (the CLI turns it into exit code 126/127).
      if (code !== 128) throw invalidParameter(msg);
      throw e;
    }
  }

  private runSpec(c: ContainerRecord, rootfs: string): RunSpec {
    const hc = c.HostConfig;
    const mounts = c.mountSpecs ?? resolveMounts(hc).specs;
    const etcMounts = [
      { destination: '/etc/resolv.conf', source: c.ResolvConfPath },
      { destination: '/etc/hostname', source: c.HostnamePath },
      { destination: '/etc/hosts', source: c.HostsPath },
    ]
      .filter((m) => !mounts.some((x) => x.destination === m.destination))
      .map((m) => ({ ...m, type: 'bind', options: ['rbind', 'rprivate', hc.ReadonlyRootfs ? 'ro' : 'rw'] }));
    const nm = hc.NetworkMode ?? 'bridge';
    return {
      id: c.Id,
      rootfs,
      stateDir: path.join(this.cfg.execRoot, 'containers', c.Id),
      logPath: c.LogPath,
      args: [c.Path, ...c.Args],
      env: c.Config.Env ?? [],
      cwd: c.Config.WorkingDir || '/',
      user: c.Config.User ?? '',
      groupAdd: hc.GroupAdd ?? [],
      tty: !!c.Config.Tty,
      openStdin: !!c.Config.OpenStdin,
      stdinOnce: !!c.Config.StdinOnce,
      hostname: c.Config.Hostname ?? '',
      domainname: c.Config.Domainname,
      readonlyRootfs: !!hc.ReadonlyRootfs,
      // Until the network issue adds bridges, every non-host container gets its own namespace with loopback.
      network: nm === 'host' ? 'host' : nm.startsWith('container:') ? { netnsPath: this.joinedNetns(nm.slice('container:'.length)) } : 'none',
      mounts: [...etcMounts, ...mounts],
      privileged: !!hc.Privileged,
      capAdd: hc.CapAdd ?? [],
      capDrop: hc.CapDrop ?? [],
      ulimits: hc.Ulimits ?? [],
      shmSize: hc.ShmSize || 64 * 1024 * 1024,
      securityOpt: hc.SecurityOpt ?? [],
      sysctls: hc.Sysctls ?? {},
      stopSignal: c.Config.StopSignal,
      resources: hc,
      runtime: hc.Runtime || undefined,
      devices: hostDevicesFor(hc),
      idMap: hc.UsernsMode === 'host' ? undefined : daemonIdMap(),
    };
  }

  async connectNetwork(ref: string, network: string, cfg: { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string } }): Promise<void> {
    if (!this.networks) throw invalidParameter('networks are not available');
    const c0 = this.get(ref);
    await this.lock.run(c0.Id, async () => {
      const c = this.get(c0.Id);
      await this.networks!.connect(c, network, cfg, c.State.Running && c.State.Pid ? `/proc/${c.State.Pid}/ns/net` : undefined);
      this.save(c);
    });
  }

  async disconnectNetwork(ref: string, network: string): Promise<void> {
    if (!this.networks) throw invalidParameter('networks are not available');
    const c0 = this.get(ref);
    await this.lock.run(c0.Id, async () => {
      const c = this.get(c0.Id);
      await this.networks!.disconnect(c, network, c.State.Running);
      this.save(c);
    });
  }

  /** After an exit the policy asks to restart: wait the back-off, then start again (RestartCount + 1). */
  private scheduleRestart(c: ContainerRecord): void {
    let b = this.backoffs.get(c.Id);
    if (!b) this.backoffs.set(c.Id, (b = new Backoff()));
    const ran = Date.parse(c.State.FinishedAt) - Date.parse(c.State.StartedAt);
    const t = setTimeout(() => {
      this.restartTimers.delete(c.Id);
      void this.lock.run(c.Id, async () => {
        const cur = this.byId.get(c.Id);
        if (!cur?.State.Restarting) return;
        cur.RestartCount++;
        try {
          await this.startLocked(cur);
          cur.State.Restarting = false;
          this.save(cur);
        } catch (e) {
          log.warn(`restarting ${cur.Id.slice(0, 12)}: ${(e as Error).message}`);
          cur.State = { ...cur.State, Status: 'exited', Restarting: false };
          this.save(cur);
        }
      });
    }, b.next(Number.isFinite(ran) ? ran : 0));
    this.restartTimers.set(c.Id, t);
  }

  /** Stop a pending policy restart; true when there was one (the container is then simply exited). */
  private cancelRestart(c: ContainerRecord): boolean {
    const t = this.restartTimers.get(c.Id);
    if (!t && !c.State.Restarting) return false;
    if (t) clearTimeout(t);
    this.restartTimers.delete(c.Id);
    if (!c.State.Restarting) return false;
    c.State = { ...c.State, Status: 'exited', Restarting: false };
    c.HasBeenManuallyStopped = true;
    this.save(c);
    return true;
  }

  /** At daemon start: the containers whose policy says they run whenever the daemon does. */
  async startByPolicy(): Promise<void> {
    for (const c of this.list()) {
      if (c.State.Running) continue;
      if (!restartOnDaemonStart(c.HostConfig.RestartPolicy, !!c.HasBeenManuallyStopped) && !c.State.Restarting) continue;
      c.State.Restarting = false;
      await this.start(c.Id).catch((e) => log.warn(`starting ${c.Id.slice(0, 12)} by its restart policy: ${e.message}`));
    }
  }

  /** The network namespace of another running container (--network container:NAME). */
  private joinedNetns(ref: string): string {
    const other = this.get(ref);
    if (!other.State.Running || !other.State.Pid) throw conflict(`cannot join network of a non running container: ${other.Id}`);
    return `/proc/${other.State.Pid}/ns/net`;
  }

  /** The container's own address in /etc/hosts, and its network's DNS server in /etc/resolv.conf (files are bind-mounted: rewrite in place). */
  private writeNetworkFiles(c: ContainerRecord): void {
    const eps = Object.values(c.NetworkSettings?.Networks ?? {}).filter((e) => e.IPAddress);
    if (!eps.length) return;
    try {
      const hosts = fs.readFileSync(c.HostsPath, 'utf8').split('\n').filter((l) => !l.endsWith(`\t${c.Config.Hostname}`) || !/^\d+\.\d+\.\d+\.\d+\t/.test(l));
      while (hosts.length && hosts[hosts.length - 1] === '') hosts.pop();
      for (const e of eps) hosts.push(`${e.IPAddress}\t${c.Config.Hostname}`);
      fs.writeFileSync(c.HostsPath, hosts.join('\n') + '\n');
      const dns = this.networks?.dnsServerFor(c);
      // (with --dns too: the embedded DNS forwards to those servers what it does not know, as Docker's)
      if (dns) {
        const rest = fs.readFileSync(c.ResolvConfPath, 'utf8').split('\n').filter((l) => l && !l.startsWith('nameserver '));
        fs.writeFileSync(c.ResolvConfPath, [`nameserver ${dns}`, ...rest].join('\n') + '\n');
      }
    } catch (e) {
      log.warn(`network files of ${c.Id}: ${(e as Error).message}`);
    }
  }

  // --- attach --------------------------------------------------------------

  /** Attach to a container's stdio: now if it runs, or at its next start (docker run attaches before starting). */
  attach(ref: string): Promise<AttachSession> {
    const c = this.get(ref);
    if (c.State.Running) return this.runtime.attach(c.Id);
    return new Promise((resolve, reject) => {
      let set = this.pendingAttach.get(c.Id);
      if (!set) this.pendingAttach.set(c.Id, (set = new Set()));
      set.add((s) => (s instanceof Error ? reject(s) : resolve(s)));
    });
  }

  private async connectPendingAttaches(id: string): Promise<void> {
    const set = this.pendingAttach.get(id);
    if (!set) return;
    this.pendingAttach.delete(id);
    for (const cb of set) {
      try {
        cb(await this.runtime.attach(id));
      } catch (e) {
        cb(e as Error);
      }
    }
  }

  private failPendingAttaches(id: string, err: Error): void {
    const set = this.pendingAttach.get(id);
    this.pendingAttach.delete(id);
    for (const cb of set ?? []) cb(err);
  }

  async resize(ref: string, h: number, w: number): Promise<void> {
    const c = this.get(ref);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
    await this.runtime.resize(c.Id, h, w);
  }

  // --- exit ----------------------------------------------------------------

  private async handleExit(id: string, code: number, finishedAt?: Date): Promise<void> {
    await this.lock.run(id, async () => {
      const c = this.byId.get(id);
      if (!c || (!c.State.Running && c.State.Status !== 'removing')) return;
      this.health.stop(id);
      // conmon notes the cgroup's OOM kill; ask before teardown deletes the runtime's record
      const oomKilled = this.runtime.oomKilled?.(id) ?? false;
      const restart = !c.HostConfig.AutoRemove && shouldRestart(c.HostConfig.RestartPolicy, { exitCode: code, restartCount: c.RestartCount, manuallyStopped: !!c.HasBeenManuallyStopped || this.stopping.has(id) });
      c.State = { ...c.State, Status: restart ? 'restarting' : 'exited', Running: false, Restarting: restart, Paused: false, OOMKilled: oomKilled, Pid: 0, ExitCode: code, FinishedAt: (finishedAt ?? new Date()).toISOString() };
      this.save(c);
      if (restart) this.scheduleRestart(c);
      // A container removed on exit (docker run --rm) is torn down by its removal, off the client's path.
      if (!c.HostConfig.AutoRemove) await this.teardown(id, c);
      if (oomKilled) this.emit(c, 'oom');
      this.emit(c, 'die', { exitCode: String(code) });
      this.stopping.delete(id);
      this.notifyWaiters(c, ['not-running', 'next-exit']);
      if (c.HostConfig.AutoRemove) this.removeLocked(c, true);
    });
  }

  /** Undo what start did: the runtime's state (cgroups, runc's record) and the rootfs mount. */
  private async teardown(id: string, c?: ContainerRecord): Promise<void> {
    // Independent, so side by side.
    const netns = netnsName(id);
    await Promise.all([
      c && this.networks
        ? this.networks
            .detach(c, undefined, fs.existsSync(netnsPath(netns)) ? netnsPath(netns) : '')
            .then(() => this.byId.has(c.Id) && this.save(c))
            .finally(() => deleteNetns(netns))
        : deleteNetns(netns),
      this.runtime.delete(id, true).catch((e) => log.warn(`runtime delete ${id}: ${e.message}`)),
      this.images.unmountRWLayer(id).catch((e) => log.warn(`unmount ${id}: ${e.message}`)),
    ]);
  }

  private notifyWaiters(c: ContainerRecord, conditions: WaitCondition[]): void {
    const set = this.waiters.get(c.Id);
    if (!set) return;
    for (const w of [...set]) {
      if (!conditions.includes(w.condition)) continue;
      set.delete(w);
      w.resolve({ StatusCode: c.State.ExitCode, Error: null });
    }
    if (set.size === 0) this.waiters.delete(c.Id);
  }

  /** Wait for a container to reach a condition; resolves with its exit code. */
  wait(ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<{ StatusCode: number; Error: { Message: string } | null }> {
    const c = this.get(ref);
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidParameter(`invalid condition: "${condition}"`);
    if (condition === 'not-running' && !c.State.Running) return Promise.resolve({ StatusCode: c.State.ExitCode, Error: null });
    return new Promise((resolve) => {
      let set = this.waiters.get(c.Id);
      if (!set) this.waiters.set(c.Id, (set = new Set()));
      const w: Waiter = { condition, resolve };
      set.add(w);
      signal?.addEventListener('abort', () => set.delete(w));
    });
  }

  // --- stop / kill / restart ---------------------------------------------

  async kill(ref: string, signal = 'KILL'): Promise<void> {
    const c = this.get(ref);
    const sig = signalNumber(signal);
    if (this.cancelRestart(c)) return;
    if (!c.State.Running) throw conflict(`Cannot kill container: ${ref}: Container ${c.Id} is not running`);
    // As dockerd: a killed container is not restarted by its policy.
    c.HasBeenManuallyStopped = true;
    this.save(c);
    this.emit(c, 'kill', { signal: String(sig) });
    if (sig === 9) this.stopping.add(c.Id);
    await this.runtime.kill(c.Id, sig, true);
    if (c.State.Paused && sig === 9) await this.runtime.resume(c.Id).catch(() => {});
  }

  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c0 = this.get(ref);
    // A policy restart in flight finishes first; then it is either cancelled or stopped like any run.
    await this.lock.run(c0.Id, async () => {});
    const c = this.get(c0.Id);
    if (this.cancelRestart(c)) return;
    if (!c.State.Running) throw notModified('container already stopped');
    c.HasBeenManuallyStopped = true;
    this.save(c);
    const sig = signalNumber(opts.signal || c.Config.StopSignal || 'TERM');
    const timeout = opts.timeout ?? c.Config.StopTimeout ?? 10;
    const exited = this.wait(c.Id, 'not-running');
    this.stopping.add(c.Id);
    if (timeout !== 0 || sig === 9) {
      this.emit(c, 'kill', { signal: String(sig) });
      await this.runtime.kill(c.Id, sig).catch(() => {});
      if (c.State.Paused) await this.runtime.resume(c.Id).catch(() => {});
    }
    if (sig !== 9 && timeout >= 0) {
      const done = await Promise.race([exited.then(() => true), sleep(timeout * 1000).then(() => false)]);
      if (!done) {
        log.info(`Container ${c.Id} failed to exit within ${timeout} seconds of signal ${sig} - using the force`);
        this.emit(c, 'kill', { signal: '9' });
        await this.runtime.kill(c.Id, 9, true).catch(() => {});
        if (c.State.Paused) await this.runtime.resume(c.Id).catch(() => {});
      }
    }
    await exited;
    this.emit(this.byId.get(c.Id) ?? c, 'stop');
  }

  async restart(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const c = this.get(ref);
    if (c.State.Running) await this.stop(c.Id, opts).catch((e) => { if (!(e instanceof BerthError && e.kind === 'not-modified')) throw e; });
    await this.start(c.Id);
    this.emit(this.get(c.Id), 'restart');
  }

  // --- pause ---------------------------------------------------------------

  async pause(ref: string): Promise<void> {
    const c = this.get(ref);
    await this.lock.run(c.Id, async () => {
      if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
      if (c.State.Paused) throw conflict(`Container ${c.Id} is already paused`);
      await this.runtime.pause(c.Id);
      c.State = { ...c.State, Status: 'paused', Paused: true };
      this.save(c);
      this.emit(c, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    const c = this.get(ref);
    await this.lock.run(c.Id, async () => {
      if (!c.State.Paused) throw conflict(`Container ${c.Id} is not paused`);
      await this.runtime.resume(c.Id);
      c.State = { ...c.State, Status: 'running', Paused: false };
      this.save(c);
      this.emit(c, 'unpause');
    });
  }

  // --- commit --------------------------------------------------------------

  /** docker commit: the container's changes become a new image (paused meanwhile unless asked not to). */
  async commit(ref: string, o: { reference?: string; comment?: string; author?: string; changes: string[]; pause: boolean; config?: ContainerConfig | null }): Promise<string> {
    const c = this.get(ref);
    const pause = o.pause && c.State.Running && !c.State.Paused;
    if (pause) await this.runtime.pause(c.Id);
    try {
      const config = mergeCommitConfig(o.config as never, c.Config as never);
      delete (config as Record<string, unknown>).Image;
      const rec = await this.images.commit({
        config,
        changes: o.changes,
        comment: o.comment,
        author: o.author,
        reference: o.reference,
        parentImageId: c.Image,
        containerId: c.Id,
        containerConfig: c.Config,
      });
      this.emit(c, 'commit', { comment: o.comment ?? '', imageID: rec.id, imageRef: o.reference ?? '' });
      return rec.id;
    } finally {
      if (pause) await this.runtime.resume(c.Id).catch(() => {});
    }
  }

  // --- remove / rename -----------------------------------------------------

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const c0 = this.get(ref);
    if (c0.State.Restarting && !opts.force) throw conflict(`cannot remove container "${c0.Name}": container is restarting: stop the container before removing or force remove`);
    this.cancelRestart(c0);
    if (c0.State.Running && !opts.force) {
      throw conflict(`cannot remove container "${c0.Name}": container is running: stop the container before removing or force remove`);
    }
    if (c0.State.Running) {
      this.stopping.add(c0.Id);
      await this.runtime.kill(c0.Id, 9, true).catch(() => {});
      if (c0.State.Paused) await this.runtime.resume(c0.Id).catch(() => {});
      await Promise.race([this.wait(c0.Id, 'not-running'), sleep(10_000)]);
    }
    await this.lock.run(c0.Id, async () => {
      const c = this.byId.get(c0.Id);
      if (!c) throw notFound(`No such container: ${ref}`);
      if (c.State.Status === 'removing') throw conflict(`removal of container ${c.Id} is already in progress`);
      if (c.State.Running) {
        // The monitor did not report the exit in time: tear down the runtime state ourselves.
        await this.runtime.delete(c.Id, true).catch(() => {});
        c.State = { ...c.State, Running: false, Paused: false, Pid: 0, ExitCode: 137, FinishedAt: new Date().toISOString() };
      }
      this.removeLocked(c, !!opts.volumes);
    });
  }

  /**
   * The container ceases to exist for every client at once (record gone, name free, `destroy`, waiters
   * for `removed` answered); its files go in the background. A crash before they are gone leaves a
   * directory without a record, which recover() sweeps.
   */
  private removeLocked(c: ContainerRecord, withVolumes: boolean): void {
    this.docs.delete(c.Id);
    this.byId.delete(c.Id);
    // docker rm -v (and --rm): the container's anonymous volumes go with it; named ones stay.
    if (withVolumes && this.volumes) {
      for (const m of c.Mounts) {
        const v = m.Type === 'volume' && m.Name ? this.volumes.find(m.Name) : undefined;
        if (v && this.volumes.isAnonymous(v)) {
          try {
            this.volumes.remove(v.Name);
          } catch (e) {
            log.warn(`volume ${v.Name}: ${(e as Error).message}`);
          }
        }
      }
    }
    this.emit(c, 'destroy');
    this.notifyWaiters(c, ['removed', 'not-running', 'next-exit']);
    this.track(this.removeFiles(c.Id, c));
  }

  private async removeFiles(id: string, c?: ContainerRecord): Promise<void> {
    await this.premounts.get(id);
    this.premounts.delete(id);
    await this.teardown(id, c);
    await this.images.removeRWLayer(id).catch((e) => log.warn(`remove rw layer ${id}: ${e.message}`));
    await fs.promises.rm(this.containerDir(id), { recursive: true, force: true });
    await fs.promises.rm(path.join(this.cfg.execRoot, 'containers', id), { recursive: true, force: true });
  }

  private readonly pending = new Set<Promise<void>>();
  private readonly premounts = new Map<string, Promise<void>>();
  private track(p: Promise<void>): void {
    const q = p.catch((e) => log.warn(`cleanup: ${e.message}`)).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }

  /** Wait for background cleanups (daemon shutdown, tests). */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  rename(ref: string, newName: string): void {
    const c = this.get(ref);
    if (!newName) throw invalidParameter('Neither old nor new names may be empty');
    const name = normalizeName(newName);
    if (name === c.Name) throw invalidParameter(`Renaming a container with the same name as its current name`);
    const other = [...this.byId.values()].find((x) => x.Name === name);
    if (other) throw conflict(`Error when allocating new name: Conflict. The container name "${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
    const old = c.Name;
    c.Name = name;
    this.save(c);
    this.emit(c, 'rename', { oldName: old });
  }

  /** Mark containers whose name, label or id matches; used by prune. */
  async prune(keep: (c: ContainerRecord) => boolean): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    for (const c of this.list()) {
      if (c.State.Running || keep(c)) continue;
      await this.remove(c.Id).catch(() => {});
      deleted.push(c.Id);
    }
    this.events.publish('container', 'prune', '', { reclaimed: '0' });
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  // --- startup recovery ---------------------------------------------------

  /** After a daemon restart: find out what happened to containers that were running. */
  async recover(): Promise<void> {
    // Containers removed just before a crash: their record is gone, their files may not be.
    for (const id of fs.readdirSync(layout(this.cfg).containers)) {
      if (/^[0-9a-f]{64}$/.test(id) && !this.byId.has(id)) this.track(this.removeFiles(id));
    }
    for (const c of this.list()) {
      if (c.State.Status === 'removing') {
        await this.remove(c.Id, { force: true }).catch((e) => log.warn(`finishing removal of ${c.Id}: ${e.message}`));
        continue;
      }
      if (!c.State.Running) {
        // a start cut short by a crash may have left its network namespace
        await deleteNetns(netnsName(c.Id)).catch(() => {});
        continue;
      }
      const exit = this.runtime.exitCode(c.Id);
      if (exit) {
        await this.handleExit(c.Id, exit.code, exit.at);
        continue;
      }
      const st = await this.runtime.state(c.Id).catch(() => undefined);
      if (st && (st.status === 'running' || st.status === 'paused')) {
        this.runtime.recover(c.Id);
        this.health.start(c);
        continue;
      }
      // Neither an exit record nor a live process (e.g. the host rebooted): Docker reports such a container as exited.
      await this.handleExit(c.Id, 255);
    }
  }

  // --- misc -----------------------------------------------------------------

  async top(ref: string, psArgs = '-ef'): Promise<{ Titles: string[]; Processes: string[][] }> {
    const c = this.get(ref);
    if (!c.State.Running) throw conflict(`Container ${c.Id} is not running`);
    const own = await this.runtime.processTable?.(c.Id);
    if (own) return own;
    const pids = new Set(await this.runtime.pids(c.Id));
    const { run } = await import('../../util/exec.ts');
    const res = await run('ps', psArgs.split(/\s+/).filter(Boolean));
    const lines = res.stdout.trimEnd().split('\n');
    const Titles = lines[0].trim().split(/\s+/);
    const pidCol = Titles.indexOf('PID');
    if (pidCol < 0) throw invalidParameter(`Couldn't find PID field in ps output`);
    const Processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (!pids.has(Number(fields[pidCol]))) continue;
      Processes.push([...fields.slice(0, Titles.length - 1), fields.slice(Titles.length - 1).join(' ')]);
    }
    return { Titles, Processes };
  }

  /** Make sure the container's rootfs is mounted (for cp, export, diff on a stopped container).
   * Each call is one user until releaseRootfs: two clients copying at once must not unmount the
   * filesystem under each other. */
  async rootfs(ref: string): Promise<string> {
    const c = this.get(ref);
    this.rootfsUsers.set(c.Id, (this.rootfsUsers.get(c.Id) ?? 0) + 1);
    try {
      return await this.images.mountRWLayer(c.Id);
    } catch (e) {
      await this.releaseRootfs(c.Id);
      throw e;
    }
  }

  /** One user is done; unmount when it was the last and the container is not running. */
  async releaseRootfs(id: string): Promise<void> {
    const users = Math.max(0, (this.rootfsUsers.get(id) ?? 0) - 1);
    if (users) return void this.rootfsUsers.set(id, users);
    this.rootfsUsers.delete(id);
    const c = this.byId.get(id);
    if (c && !c.State.Running) await this.images.unmountRWLayer(id).catch(() => {});
  }

  emitEvent(ref: string, action: string, extra: Record<string, string> = {}): void {
    this.emit(this.get(ref), action, extra);
  }

  shortId(id: string): string {
    return shortId(id);
  }
}

function validateConfig(cfg: ContainerConfig, hc: HostConfig): void {
  const arr = (v: unknown, field: string) => {
    if (v !== undefined && v !== null && (!Array.isArray(v) || v.some((x) => typeof x !== 'string')))
      throw invalidParameter(`json: cannot unmarshal ${typeof v} into Go struct field ${field} of type []string`);
  };
  arr(cfg.Env, 'Config.Env');
  arr(cfg.Cmd, 'Config.Cmd');
  arr(cfg.Entrypoint, 'Config.Entrypoint');
  arr(hc.Binds, 'HostConfig.Binds');
  if (cfg.WorkingDir && !cfg.WorkingDir.startsWith('/')) throw invalidParameter(`the working directory '${cfg.WorkingDir}' is invalid, it needs to be an absolute path`);
  const policyError = validatePolicy(hc.RestartPolicy, !!hc.AutoRemove);
  if (policyError) throw invalidParameter(policyError);
  for (const e of cfg.Env ?? []) if (e.startsWith('=')) throw invalidParameter(`invalid environment variable: ${e}`);
}

function readHostname(): string {
  try {
    return fs.readFileSync('/etc/hostname', 'utf8').trim();
  } catch {
    return 'localhost';
  }
}

/** The log drivers Berth has (conmon writes json-file; `local` is accepted as its alias). */
const LOG_DRIVERS = ['json-file', 'local', 'k8s-file'];
const DOCKER_ONLY_LOG_DRIVERS = ['none', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];

/** The named network namespace of a container on networks (see startLocked). */
const netnsName = (id: string) => `berth-${id}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
