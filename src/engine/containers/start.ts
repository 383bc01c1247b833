// docker start. The intent (`starting`) is written before the runtime is touched, so that a
// daemon killed anywhere in between finds it at recover() and undoes the half-made runtime
// container, network namespace and mount; the record says `running` only once the process runs.
import fs from 'node:fs';
import { conflict, invalidParameter, notModified, systemError, BerthError } from '../../errdefs.ts';
import { log } from '../../util/log.ts';
import { createNetns, deleteNetns, loopbackUp } from '../../platform/linux/netns.ts';
import type { ContainerRecord } from './record.ts';
import { initialHealth } from './health.ts';
import { runSpec } from './run-spec.ts';
import { cancelRestart } from './restart.ts';
import { connectPendingAttaches, failPendingAttaches } from './attach.ts';
import { remove } from './remove.ts';
import { makeWorkingDir } from './workdir.ts';
import { translateStartError } from './start-error.ts';
import { writeLinkHosts } from './links.ts';
import { crashPoint, emit, emitVolumeEvents, netnsName, type Ctx } from './context.ts';
import { phases } from '../../util/phases.ts';

export async function start(ctx: Ctx, ref: string): Promise<void> {
  const c0 = ctx.store.get(ref);
  await ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.get(c0.Id);
    if (c.State.Paused) throw conflict('cannot start a paused container, try unpause instead');
    if (c.State.Running) throw notModified('container already started');
    if (c.State.Status === 'removing') throw conflict(`container is marked for removal and cannot be started`);
    cancelRestart(ctx, c);
    await startLocked(ctx, c.Id);
  });
}

/** Start a container whose lock the caller holds. */
export async function startLocked(ctx: Ctx, id: string): Promise<ContainerRecord> {
  const t = phases(`start ${id.slice(0, 12)}`);
  ctx.store.update(id, (x) => void (x.Intent = 'start'));
  t.mark('intent');
  crashPoint('start:after-intent');
  // The network service fills the endpoints (addresses, ports) into this working copy; it is
  // written with the state at the end, whichever way the start ends.
  const w = structuredClone(ctx.store.get(id));
  let volumesMounted = false;
  try {
    // A leftover runtime record (a previous run) must go before a new create; none is the usual case.
    await ctx.runtime.delete(id, true).catch((e) => log.debug(`no leftover runtime container ${id}: ${e.message}`));
    const pre = ctx.premounts.get(id);
    ctx.premounts.delete(id);
    t.mark('leftover');
    if (pre) await pre;
    const rootfs = await ctx.images.mountRWLayer(id);
    for (const m of w.Mounts) if (m.Type === 'volume' && m.Name) await ctx.volumes?.mount(m.Name);
    emitVolumeEvents(ctx, w, 'mount');
    volumesMounted = true;
    t.mark('mount');
    for (const m of w.Mounts) if (m.Type === 'volume' && m.Name && !m.Mode.includes('nocopy')) await ctx.volumes?.populate(m.Name, rootfs, m.Destination);
    const spec = runSpec(ctx, w, rootfs);
    makeWorkingDir(rootfs, w.Config.WorkingDir, spec.idMap);
    t.mark('spec');
    // A container on networks gets a namespace made first, so that the CNI plugins wire it
    // while the runtime creates the container in it (the process starts only after both).
    // (Not with a user namespace: the container must own its network namespace to set its
    // net.* sysctls and mount sysfs, so runc makes it and the plugins wire it afterwards.)
    const wired = spec.network === 'none' && !!ctx.networks?.hasEndpoints(w);
    const early = wired && !spec.idMap;
    if (early) spec.network = { netnsPath: await createNetns(netnsName(id)), own: true };
    const [created, attached] = await Promise.allSettled([
      ctx.runtime.create(spec),
      early ? Promise.all([loopbackUp(netnsName(id)), ctx.networks!.attach(w, (spec.network as { netnsPath: string }).netnsPath)]) : Promise.resolve(),
    ]);
    if (created.status === 'rejected') throw created.reason;
    if (attached.status === 'rejected') throw attached.reason;
    crashPoint('start:after-runtime-create');
    t.mark('runtime create');
    const { pid } = created.value;
    if (wired && !early) await ctx.networks!.attach(w, `/proc/${pid}/ns/net`);
    if (wired) {
      // published at once: the ports taken are what the next container's allocation avoids
      ctx.store.update(id, (x) => void (x.NetworkSettings = w.NetworkSettings));
      writeLinkHosts(ctx, w);
      writeNetworkFiles(ctx, w);
    }
    const size = w.HostConfig.ConsoleSize as [number, number] | undefined;
    // The initial terminal size (docker run -t sends it at create) must be there before the process
    // starts; a terminal that refuses it still works, at the default size.
    if (w.Config.Tty && size && size[0] > 0 && size[1] > 0) await ctx.runtime.resize(id, size[0], size[1]).catch((e) => log.debug(`initial tty size of ${id}: ${e.message}`));
    await connectPendingAttaches(ctx, id);
    t.mark('attach');
    await ctx.runtime.start(id);
    t.mark('runtime start');
    crashPoint('start:after-runtime-start');
    const c = ctx.store.update(id, (x) => {
      x.State = { ...x.State, Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: pid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString() };
      const health = initialHealth(x);
      if (health) x.State.Health = health;
      x.HasBeenManuallyStopped = false;
      x.NetworkSettings = w.NetworkSettings;
      // the network's connect events, as dockerd emits them once the container runs; the endpoint ids
      // it gives host/none endpoints are part of this write (their disconnect events need them)
      ctx.networks?.joined(x);
      delete x.Intent;
    });
    crashPoint('start:after-save');
    t.mark('save');
    emit(ctx, c, 'start');
    ctx.health.start(c);
    t.mark('event');
    t.end();
    return c;
  } catch (e) {
    // (the runtime's errors are system errors; Berth's own checks before it keep their words)
    const fromRuntime = !(e instanceof BerthError && e.kind !== 'system');
    const failure = fromRuntime ? translateStartError(w.Path, (e as Error).message) : { message: (e as Error).message, exitCode: 128, invalid: false };
    const { message: msg, exitCode: code } = failure;
    failPendingAttaches(ctx, id, e as Error);
    await undoStart(ctx, w);
    if (volumesMounted) emitVolumeEvents(ctx, w, 'unmount');
    const c = ctx.store.update(id, (x) => {
      x.State = { ...x.State, Status: x.State.StartedAt.startsWith('0001') ? 'created' : 'exited', Running: false, Restarting: false, Pid: 0, ExitCode: code, Error: msg };
      x.NetworkSettings = w.NetworkSettings;
      delete x.Intent;
    });
    // Like dockerd, a container that was to be removed on exit is removed when it cannot start
    // (docker run --rm waits for condition=removed). After the lock: remove() takes it too.
    if (c.HostConfig.AutoRemove) setImmediate(() => void remove(ctx, id, { force: true, volumes: true }).catch((err) => log.warn(`auto-remove ${id}: ${err.message}`)));
    if (e instanceof BerthError && e.kind !== 'system') throw e;
    // Docker answers 400 for a command that cannot be run (the CLI turns it into exit code 126/127).
    if (failure.invalid) throw invalidParameter(msg, e);
    if (msg !== (e as Error).message) throw systemError(msg, e);
    throw e;
  }
}

/**
 * Take back what a start made (runtime container, endpoints, namespace, mount). Each step is
 * best effort: what it could not undo is logged, and the next start or removal tries again.
 */
export async function undoStart(ctx: Ctx, w: ContainerRecord): Promise<void> {
  const id = w.Id;
  await ctx.runtime.delete(id, true).catch((e) => log.debug(`undo start ${id}: runtime delete: ${e.message}`));
  await ctx.networks?.detach(w).catch((e) => log.warn(`undo start ${id}: network detach: ${e.message}`));
  await deleteNetns(netnsName(id)).catch((e) => log.debug(`undo start ${id}: netns: ${e.message}`));
  await ctx.images.unmountRWLayer(id).catch((e) => log.warn(`undo start ${id}: unmount: ${e.message}`));
}

/** The container's own address in /etc/hosts, and its network's DNS server in /etc/resolv.conf (files are bind-mounted: rewrite in place). */
function writeNetworkFiles(ctx: Ctx, c: ContainerRecord): void {
  const eps = Object.values(c.NetworkSettings?.Networks ?? {}).filter((e) => e.IPAddress);
  if (!eps.length) return;
  try {
    // as moby's etchosts: "ip<TAB>host.domain host" when there is a domain name
    const names = c.Config.Domainname ? `${c.Config.Hostname}.${c.Config.Domainname} ${c.Config.Hostname}` : c.Config.Hostname;
    const hosts = fs.readFileSync(c.HostsPath, 'utf8').split('\n').filter((l) => !l.endsWith(`\t${names}`) || !/^\d+\.\d+\.\d+\.\d+\t/.test(l));
    while (hosts.length && hosts[hosts.length - 1] === '') hosts.pop();
    for (const e of eps) hosts.push(`${e.IPAddress}\t${names}`);
    fs.writeFileSync(c.HostsPath, hosts.join('\n') + '\n');
    const conf = ctx.networks?.resolvConf(c, () => fs.readFileSync(c.ResolvConfPath, 'utf8'));
    if (conf) fs.writeFileSync(c.ResolvConfPath, conf);
  } catch (e) {
    log.warn(`network files of ${c.Id}: ${(e as Error).message}`);
  }
}
