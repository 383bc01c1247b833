// The CRI's container calls over Berth's container service: a CRI container is a Berth container
// that joins its pod's network and IPC namespaces, logs in the CRI format where the kubelet says.
import fs from 'node:fs';
import type { ContainerService, CreateRequest } from '../engine/containers/service.ts';
import type { ImagesEngine } from '../engine/images.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import { invalidParameter, isKind, notFound } from '../errdefs.ts';
import { planContainer, resources, refuseUnsupportedResources } from './container-config.ts';
import { L, readJsonLabel, matchesSelector, nanos, stringMap } from './labels.ts';
import { criObjects, criStateName, findCri, getCri, killNow, removeGone, serialPerPod } from './lookup.ts';
import { criImage } from './image-view.ts';
import type { Handlers, Msg } from './server.ts';
import { status } from '@grpc/grpc-js';
import { CriError } from './errors.ts';

export interface ContainerDeps {
  containers: ContainerService;
  images: ImagesEngine;
  /** the runtime handlers that run each container as its own gVisor sandbox */
  gvisorHandlers?: () => string[];
}

export function containerHandlers(d: ContainerDeps): Handlers {
  return {
    async CreateContainer(req) {
      const podId = String(req.pod_sandbox_id ?? '');
      const found = getCri(d.containers, 'sandbox', podId);
      // containerd's words and code (plain errors)
      if (!req.config?.metadata) throw new CriError(status.UNKNOWN, 'container config must include metadata');
      // one at a time with the pod's stop and removal: never a container made in a pod they went past
      return serialPerPod(found.Id, async () => {
        const sb = d.containers.find(found.Id);
        if (!sb) throw notFound(`failed to find sandbox id ${JSON.stringify(podId)}: not found`);
        if (!sb.State.Running) throw notFound(`failed to get sandbox container task: no running task found: task ${sb.Id} not found: not found`);
        const imageName = String(req.config.image?.image ?? '');
        let imageId: string;
        try {
          imageId = d.images.resolve(imageName).id;
        } catch (e) {
          throw notFound(`failed to resolve image "${imageName}": not found`, e);
        }
        const ns = req.config.linux?.security_context?.namespace_options;
        let targetId = '';
        if (ns?.pid === 'TARGET' && ns.target_id) {
          const target = getCri(d.containers, 'container', String(ns.target_id));
          if (target.Config.Labels?.[L.sandboxId] !== sb.Id) throw invalidParameter(`target container ${target.Id} is not in sandbox ${sb.Id}`);
          targetId = target.Id;
        }
        const plan = planContainer(req.config, sb, imageId, ownOomScoreAdj(), targetId, (d.gvisorHandlers?.() ?? []).includes(sb.HostConfig.Runtime ?? ''));
        const { Id } = await createNamed(d.containers, plan.request, 'container');
        return { container_id: Id };
      });
    },

    async StartContainer(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      if (c.State.Status !== 'created') throw new CriError(status.UNKNOWN, `failed to set starting state for container ${JSON.stringify(c.Id)}: container is in ${stateOf(c)} state`);
      await d.containers.start(c.Id);
      return {};
    },

    async StopContainer(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      const timeout = Number(req.timeout ?? 0);
      if (timeout <= 0) await killNow(d.containers, c.Id);
      else {
        try {
          await d.containers.stop(c.Id, { timeout });
        } catch (e) {
          if (!isKind(e, 'not-modified')) throw e;
        }
      }
      return {};
    },

    async RemoveContainer(req) {
      const c = findCri(d.containers, 'container', String(req.container_id ?? ''));
      if (c) await removeGone(d.containers, c.Id);
      return {};
    },

    ListContainers(req) {
      const f = req.filter ?? {};
      let items = criObjects(d.containers, 'container');
      if (f.id) items = items.filter((c) => c.Id.startsWith(f.id));
      if (f.pod_sandbox_id) items = items.filter((c) => (c.Config.Labels?.[L.sandboxId] ?? '').startsWith(f.pod_sandbox_id));
      if (f.state) items = items.filter((c) => stateOf(c) === f.state.state);
      const selector = stringMap(f.label_selector);
      items = items.filter((c) => matchesSelector(readJsonLabel(c.Config.Labels, L.labels, {}), selector));
      return { containers: items.map((c) => containerView(d, c)) };
    },

    ContainerStatus(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      const info: Record<string, string> = {};
      if (req.verbose) info.info = JSON.stringify({ pid: c.State.Pid, name: c.Name, sandboxID: c.Config.Labels?.[L.sandboxId], runtimeHandler: c.HostConfig.Runtime ?? '', config: c.Config, hostConfig: c.HostConfig });
      return { status: containerStatus(d, c), info };
    },

    async ReopenContainerLog(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      // containerd's words and code (a plain error) for a container that is not running
      if (!c.State.Running) throw new CriError(status.UNKNOWN, 'container is not running');
      const logPath = c.Config.Labels?.[L.logPath] ?? '';
      const renamed = !!logPath && !fs.existsSync(logPath);
      await d.containers.reopenLog(c.Id);
      // containerd answers once the new file is open (the kubelet's log rotation goes on from there);
      // conmon makes it when it reads the request from its control fifo: wait for it
      if (renamed && !(await appears(logPath, 5000))) throw new CriError(status.UNKNOWN, `failed to reopen container log: ${logPath} was not created`);
      return {};
    },

    async UpdateContainerResources(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      if (req.windows) throw invalidParameter('berthd does not support windows resources');
      const res = req.linux ?? {};
      refuseUnsupportedResources(res);
      if (Number(res.oom_score_adj ?? 0) !== 0) throw invalidParameter('berthd cannot change the oom_score_adj of a created container');
      try {
        await d.containers.update(c.Id, resources(res));
      } catch (e) {
        // the engine's "conflict" (limits at odds with those set) is no name in use: containerd's plain error
        if (isKind(e, 'conflict')) throw new CriError(status.UNKNOWN, `failed to update resources: ${(e as Error).message}`, { cause: e });
        throw e;
      }
      return {};
    },
  };
}

/** Create a Berth container for a sandbox or CRI container; a name in use is containerd's answer
 * (a plain error) for a name reserved, not the Engine API's conflict. */
export async function createNamed(containers: ContainerService, request: CreateRequest, type: 'sandbox' | 'container'): Promise<{ Id: string }> {
  const name = request.name ?? '';
  const reserved = () => new CriError(status.UNKNOWN, `failed to reserve ${type} name ${JSON.stringify(name)}: name ${JSON.stringify(name)} is reserved for ${JSON.stringify(containers.find(name)?.Id ?? '')}`);
  if (name && containers.find(name)) throw reserved();
  try {
    return await containers.create(request);
  } catch (e) {
    if (isKind(e, 'conflict') && /already in use/.test((e as Error).message)) throw reserved();
    throw e;
  }
}

/** The daemon's own oom_score_adj: the floor for its children without CAP_SYS_RESOURCE. */
function ownOomScoreAdj(): number {
  try {
    return Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** The CRI state of a container (CONTAINER_CREATED...). */
export const stateOf = criStateName;

function imageRefs(d: ContainerDeps, c: ContainerRecord): { spec: string; ref: string } {
  const img = d.images.store.images.get(c.Image);
  const view = img ? criImage(img, d.images.store.images.refs(img.id)) : undefined;
  return { spec: view?.repo_tags[0] ?? c.Image, ref: view?.repo_digests[0] ?? c.Image };
}

function containerView(d: ContainerDeps, c: ContainerRecord): Msg {
  const labels = c.Config.Labels ?? {};
  const img = imageRefs(d, c);
  return {
    id: c.Id,
    pod_sandbox_id: labels[L.sandboxId] ?? '',
    metadata: readJsonLabel(labels, L.metadata, {}),
    image: { image: img.spec },
    image_ref: img.ref,
    image_id: c.Image,
    state: stateOf(c),
    created_at: nanos(c.Created),
    labels: readJsonLabel(labels, L.labels, {}),
    annotations: readJsonLabel(labels, L.annotations, {}),
  };
}

export function containerStatus(d: ContainerDeps, c: ContainerRecord): Msg {
  const labels = c.Config.Labels ?? {};
  const img = imageRefs(d, c);
  const state = stateOf(c);
  let reason = '';
  if (state === 'CONTAINER_EXITED') reason = c.State.OOMKilled ? 'OOMKilled' : c.State.ExitCode === 0 ? 'Completed' : 'Error';
  return {
    id: c.Id,
    metadata: readJsonLabel(labels, L.metadata, {}),
    state,
    created_at: nanos(c.Created),
    started_at: nanos(c.State.StartedAt),
    finished_at: state === 'CONTAINER_EXITED' ? nanos(c.State.FinishedAt) : '0',
    exit_code: c.State.ExitCode,
    image: { image: img.spec },
    image_ref: img.ref,
    image_id: c.Image,
    reason,
    message: c.State.Error ?? '',
    labels: readJsonLabel(labels, L.labels, {}),
    annotations: readJsonLabel(labels, L.annotations, {}),
    mounts: c.Mounts.filter((m) => m.Type === 'bind').map((m) => ({ container_path: m.Destination, host_path: m.Source, readonly: !m.RW, propagation: m.Propagation === 'rshared' ? 'PROPAGATION_BIDIRECTIONAL' : m.Propagation === 'rslave' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE' })),
    log_path: labels[L.logPath] ?? '',
    resources: { linux: linuxResources(c) },
    ...(c.Config.StopSignal ? { stop_signal: c.Config.StopSignal } : {}),
  };
}

/** The resources a container runs with (created with, or updated to), as containerd answers them
 * from its spec: the kubelet's in-place resize reads them back. */
function linuxResources(c: ContainerRecord): Msg {
  const h = c.HostConfig;
  return {
    cpu_period: String(h.CpuPeriod ?? 0),
    cpu_quota: String(h.CpuQuota ?? 0),
    cpu_shares: String(h.CpuShares ?? 0),
    memory_limit_in_bytes: String(h.Memory ?? 0),
    oom_score_adj: String(h.OomScoreAdj ?? 0),
    cpuset_cpus: h.CpusetCpus ?? '',
    cpuset_mems: h.CpusetMems ?? '',
    hugepage_limits: [],
    unified: {},
    memory_swap_limit_in_bytes: String(h.MemorySwap ?? 0),
  };
}

/** Whether `file` exists within `ms` (polled: conmon makes it on its own schedule). */
async function appears(file: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 5))) if (fs.existsSync(file)) return true;
  return fs.existsSync(file);
}
