// The daemon is a composition: stores, drivers and engine services wired together behind the API server.
import fs from 'node:fs';
import path from 'node:path';
import type { DaemonConfig, RuntimeConfig } from './config.ts';
import { layout, SANDBOX_RUNTIME } from './config.ts';
import { resolveRemap, remappedRoot, setDaemonIdMap, type IdMap } from './platform/linux/idmap.ts';
import { BerthError } from './errdefs.ts';
import { parseNormalizedNamed, withTag } from './images/reference.ts';
import { MetaDB } from './store/db.ts';
import { EventsService } from './events/bus.ts';
import { ContainerService } from './engine/containers/service.ts';
import { ExecService } from './engine/exec.ts';
import { ApiServer } from './api/server.ts';
import { setServerHeader } from './api/context.ts';
import { hideHostPaths } from './api/errors.ts';
import { registerContainerRoutes } from './api/routes/containers.ts';
import { registerExecRoutes } from './api/routes/exec.ts';
import { registerSystemRoutes, BERTH_VERSION } from './api/routes/system.ts';
import { registerArchiveRoutes } from './api/routes/archive.ts';
import { registerImageRoutes } from './api/routes/images.ts';
import { registerStatsRoutes } from './api/routes/stats.ts';
import { StatsService } from './engine/stats.ts';
import { NetworkService } from './engine/networks.ts';
import { registerNetworkRoutes } from './api/routes/networks.ts';
import { VolumeService } from './engine/volumes.ts';
import { registerVolumeRoutes } from './api/routes/volumes.ts';
import { registerSwarmRoutes } from './api/routes/swarm.ts';
import { BuildService } from './engine/build.ts';
import { registerBuildRoutes } from './api/routes/build.ts';
import { DistributionService } from './engine/distribution.ts';
import { pullHandler, pushHandler, registerAuthRoute } from './api/routes/distribution.ts';
import { registerDistributionInspectRoute } from './api/routes/distribution-inspect.ts';
import { ImageStoreService } from './images/image-service.ts';
import { ImagesEngine } from './engine/images.ts';
import { RuncDriver, findExecutable } from './runtime/runc-driver.ts';
import { CopyFreezer } from './runtime/copy-freeze.ts';
import { isGvisor } from './runtime/oci-runtimes.ts';
import { fastExecHelper } from './runtime/fast-exec.ts';
import { newId } from './util/ids.ts';
import { log } from './util/log.ts';
import { writeFileAtomic } from './util/fs.ts';
import { useSpawner, closeSpawner } from './util/exec.ts';
import { lockDataRoot } from './store/daemon-lock.ts';
import { containerSizes } from './engine/containers/size.ts';
import { createCriServer, criAddress } from './cri/index.ts';
import type { CriFrontEnd } from './cri/index.ts';

export class Daemon {
  readonly cfg: DaemonConfig;
  readonly db: MetaDB;
  readonly events = new EventsService();
  readonly api = new ApiServer();
  private containers!: ContainerService;
  private readonly unlock: () => void;
  private networks?: NetworkService;
  private builds?: BuildService;
  private cri?: CriFrontEnd;

  constructor(given: DaemonConfig) {
    let cfg = given;
    if (cfg.usernsRemap) {
      // as dockerd: a separate store under <data-root>/<uid>.<gid>, its files owned by the remapped ids
      let map: IdMap;
      try {
        map = resolveRemap(cfg.usernsRemap);
      } catch (e) {
        throw new BerthError('invalid-parameter', `--userns-remap ${cfg.usernsRemap}: ${(e as Error).message}`);
      }
      setDaemonIdMap(map);
      try {
        cfg = { ...cfg, dataRoot: remappedRoot(cfg.dataRoot, map) };
      } catch (e) {
        throw new BerthError('invalid-parameter', `--userns-remap: ${(e as Error).message}`);
      }
      log.info(`user namespaces: container root is host ${map.uid}:${map.gid} (${map.size} ids of ${map.user})`);
    }
    this.cfg = cfg;
    const dirs = layout(cfg);
    for (const d of [cfg.dataRoot, cfg.execRoot, dirs.containers, dirs.tmp]) fs.mkdirSync(d, { recursive: true, mode: 0o711 });
    this.unlock = lockDataRoot(cfg.dataRoot);
    this.db = new MetaDB(dirs.db);
  }

  async start(): Promise<void> {
    const { cfg, db, events } = this;
    // refused before any work, as dockerd refuses its listeners: unauthenticated TCP, bad certificates
    await this.api.prepare({ hosts: cfg.hosts ?? [`unix://${cfg.socketPath}`], socketGroup: cfg.socketGroup, tls: cfg.tls, tlsChosen: cfg.tlsChosen });
    // the programs it runs (mount, runc, …) start from a small shell, not by forking the daemon;
    // the exec helper from the sealed copy of it that the shell holds (fast-exec.ts)
    useSpawner(path.join(cfg.execRoot, 'spawn'), { sealed: fastExecHelper() ?? undefined });
    const images = new ImageStoreService({ cfg, db, events });
    const freezer = new CopyFreezer(new RuncDriver({ root: layout(cfg).runtimeState, spoolDir: layout(cfg).tmp, runcRoot: path.join(cfg.execRoot, 'runc'), runtimes: [...builtinRuntimes(cfg), ...(cfg.runtimes ?? [])], defaultRuntime: cfg.defaultRuntime }));
    const runtime = freezer.runtime;
    const networks = (this.networks = new NetworkService({ cfg, db, events, hostId: this.daemonId() }));
    await networks.init();
    const volumes = new VolumeService({ cfg, db, events });
    const containers = (this.containers = new ContainerService({ cfg, db, events, images, runtime, networks, volumes }));
    const execs = new ExecService({ containers, runtime });
    const imagesEngine = new ImagesEngine({ cfg, db, events, store: images });

    setServerHeader(BERTH_VERSION);
    hideHostPaths([cfg.dataRoot, cfg.execRoot]);
    const r = this.api.router;
    registerSystemRoutes(r, {
      cfg,
      events,
      containers,
      daemonId: this.daemonId(),
      runtimes: Object.fromEntries(runtime.runtimes().map((r) => [r.name, { path: r.path, ...(r.args?.length ? { runtimeArgs: r.args } : {}) }])),
      defaultRuntime: runtime.name,
      imageCount: () => imagesEngine.count(),
      diskUsage: () => imagesEngine.diskUsage(),
      containerSizes: (c) => {
        let imageSize = 0;
        try {
          imageSize = images.resolve(c.Image).size;
        } catch {
          // the image was removed (rmi -f): its size counts as 0
        }
        return containerSizes(images.graphDriverData?.(c.Id)?.UpperDir ?? '', imageSize);
      },
      volumes,
    });
    registerContainerRoutes(r, { containers, images, runtime, freezer, spoolDir: layout(cfg).tmp, imageChildren: (id) => images.images.children(id).map((i) => i.id) });
    registerArchiveRoutes(r, { containers, freezer, spoolDir: layout(cfg).tmp });
    registerExecRoutes(r, { execs });
    const dist = new DistributionService({ cfg, db, images, events });
    registerImageRoutes(r, { images: imagesEngine, pull: pullHandler(dist), push: pushHandler(dist) });
    registerAuthRoute(r, { dist });
    registerDistributionInspectRoute(r, { dist });
    registerStatsRoutes(r, { stats: new StatsService({ containers }) });
    registerNetworkRoutes(r, { networks, containers });
    registerVolumeRoutes(r, { volumes });
    registerSwarmRoutes(r);
    registerBuildRoutes(r, {
      builds: (this.builds = new BuildService({
        cfg,
        db,
        containers,
        images,
        // FROM images the daemon lacks (or all of them with --pull) come from their registry
        pull: (ref, platform, write) => {
          const named = parseNormalizedNamed(ref);
          return dist.pull(named.tag || named.digest ? named : withTag(named, 'latest'), { platform }, write);
        },
      })),
    });

    // What containers that died or went while the daemon was down still hold on networks goes first.
    await networks.releaseOrphans();
    await containers.recover();
    await containers.startByPolicy();
    await this.api.listen();
    const criAt = criAddress(cfg);
    if (criAt) {
      this.cri = createCriServer({ cfg, images: imagesEngine, dist, containers, execs, events, runtimes: () => runtime.runtimes().map((r) => r.name), gvisorRuntimes: () => runtime.runtimes().filter((r) => isGvisor(r.path)).map((r) => r.name) });
      await this.cri.listen(criAt);
      log.info(`CRI listen on ${criAt}`);
    }
  }

  /** A stable daemon id, kept in the data root. */
  private daemonId(): string {
    const file = path.join(this.cfg.dataRoot, 'engine-id');
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch {
      const id = newId().slice(0, 36);
      writeFileAtomic(file, id);
      return id;
    }
  }

  async stop(): Promise<void> {
    // Containers keep running: their monitors hold them, and the next daemon picks them up.
    await this.api.close();
    await this.cri?.close();
    await this.containers?.drain();
    this.builds?.close();
    this.networks?.close();
    this.db.close();
    closeSpawner();
    this.unlock();
  }
}

/** gVisor, when installed and not configured by the operator: the runtime of --isolation=hyperv.
 * Its default ptrace platform is the one that works everywhere (kvm needs /dev/kvm and hangs in
 * nested VMs); --network=none because its own network stack cannot adopt interfaces that are
 * attached after the sandbox started; --file-access=shared so that it sees files that docker cp
 * puts into the root filesystem from outside. */
function builtinRuntimes(cfg: DaemonConfig): RuntimeConfig[] {
  if (cfg.runtimes?.some((r) => r.name === SANDBOX_RUNTIME)) return [];
  const runsc = findExecutable('runsc');
  return runsc ? [{ name: SANDBOX_RUNTIME, path: runsc, args: ['--network=none', '--file-access=shared'] }] : [];
}
