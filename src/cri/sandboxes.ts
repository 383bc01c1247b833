// The CRI's pod sandbox calls. A sandbox is a Berth container running the holder (pause-image.ts):
// it owns the pod's network (the default bridge network, through the same CNI plugins as every
// Berth container, or the host's), IPC and UTS namespaces, which the pod's containers join.
import type { ContainerService } from '../engine/containers/service.ts';
import type { ImagesEngine } from '../engine/images.ts';

import type { ContainerRecord } from '../engine/containers/record.ts';
import { ensurePauseImage } from './pause-image.ts';
import { planSandbox } from './sandbox-config.ts';
import { applyPodResources } from './pod-resources.ts';
import { L, readJsonLabel, matchesSelector, nanos, stringMap } from './labels.ts';
import { criObjects, findCri, getCri, killNow, removeGone, serialPerPod } from './lookup.ts';
import { createNamed } from './containers.ts';
import { CriError } from './errors.ts';
import { status as Status } from '@grpc/grpc-js';
import type { Handlers, Msg } from './server.ts';

export interface SandboxDeps {
  containers: ContainerService;
  images: ImagesEngine;
  runtimeHandlers: () => string[];
  /** the handlers whose containers are each their own gVisor sandbox (they cannot share a PID namespace) */
  gvisorHandlers: () => string[];
}

export function checkRuntimeHandler(h: string, known: string[]): void {
  // containerd's words and code (a plain error)
  if (h && !known.includes(h)) throw new CriError(Status.UNKNOWN, `failed to get sandbox runtime: no runtime for "${h}" is configured`);
}

export function sandboxHandlers(d: SandboxDeps): Handlers {
  const podContainers = (sandboxId: string) => criObjects(d.containers, 'container').filter((c) => c.Config.Labels?.[L.sandboxId] === sandboxId);

  return {
    async RunPodSandbox(req) {
      const handler = String(req.runtime_handler ?? '');
      checkRuntimeHandler(handler, d.runtimeHandlers());
      if (!req.config?.metadata) throw new CriError(Status.UNKNOWN, 'sandbox config must include metadata');
      const image = await ensurePauseImage(d.images);
      const plan = planSandbox(req.config, handler, image, d.gvisorHandlers().includes(handler));
      // the pod's cgroup is held to its resources before anything runs in it
      const linux = req.config.linux ?? {};
      applyPodResources(String(plan.request.config.HostConfig?.CgroupParent ?? ''), linux.resources, linux.overhead);
      const { Id } = await createNamed(d.containers, plan.request, 'sandbox');
      try {
        await d.containers.start(Id);
      } catch (e) {
        // never a half-made pod: the holder, its network and its name go back
        await d.containers.remove(Id, { force: true }).catch(() => {});
        throw e;
      }
      return { pod_sandbox_id: Id };
    },

    async StopPodSandbox(req) {
      const sb = getCri(d.containers, 'sandbox', String(req.pod_sandbox_id ?? ''));
      return serialPerPod(sb.Id, async () => {
        for (const c of podContainers(sb.Id)) await killNow(d.containers, c.Id);
        await killNow(d.containers, sb.Id);
        return {};
      });
    },

    async RemovePodSandbox(req) {
      const id = String(req.pod_sandbox_id ?? '');
      const sb = findCri(d.containers, 'sandbox', id);
      // (a pod already gone may have left containers a crash or a race kept: given its full id, they go too)
      const sandboxId = sb?.Id ?? (/^[0-9a-f]{64}$/.test(id) ? id : '');
      if (!sandboxId) return {};
      return serialPerPod(sandboxId, async () => {
        for (const c of podContainers(sandboxId)) await removeGone(d.containers, c.Id);
        if (sb) await removeGone(d.containers, sb.Id);
        return {};
      });
    },

    UpdatePodSandboxResources(req) {
      const sb = getCri(d.containers, 'sandbox', String(req.pod_sandbox_id ?? ''));
      applyPodResources(String(sb.HostConfig.CgroupParent ?? ''), req.resources, req.overhead);
      return {};
    },

    PodSandboxStatus(req) {
      const sb = getCri(d.containers, 'sandbox', String(req.pod_sandbox_id ?? ''));
      const info: Record<string, string> = {};
      if (req.verbose) info.info = JSON.stringify({ pid: sb.State.Pid, holder: sb.Name, image: sb.Image, runtimeHandler: sb.HostConfig.Runtime ?? '' });
      return { status: sandboxStatus(sb), info, containers_statuses: [], timestamp: String(BigInt(Date.now()) * 1_000_000n) };
    },

    ListPodSandbox(req) {
      const f = req.filter ?? {};
      let items = criObjects(d.containers, 'sandbox');
      if (f.id) items = items.filter((c) => c.Id.startsWith(f.id));
      if (f.state) items = items.filter((c) => sandboxState(c) === f.state.state);
      const selector = stringMap(f.label_selector);
      items = items.filter((c) => matchesSelector(readJsonLabel(c.Config.Labels, L.labels, {}), selector));
      return { items: items.map(sandboxView) };
    },
  };
}

export function sandboxState(c: ContainerRecord): 'SANDBOX_READY' | 'SANDBOX_NOTREADY' {
  return c.State.Running ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

function sandboxView(c: ContainerRecord): Msg {
  const labels = c.Config.Labels ?? {};
  return {
    id: c.Id,
    metadata: readJsonLabel(labels, L.metadata, {}),
    state: sandboxState(c),
    created_at: nanos(c.Created),
    labels: readJsonLabel(labels, L.labels, {}),
    annotations: readJsonLabel(labels, L.annotations, {}),
    runtime_handler: labels[L.runtimeHandler] ?? '',
  };
}

export function sandboxStatus(c: ContainerRecord): Msg {
  const labels = c.Config.Labels ?? {};
  const host = labels[L.hostNetwork] === 'true';
  const ep = c.State.Running && !host ? Object.values(c.NetworkSettings?.Networks ?? {})[0] : undefined;
  return {
    ...sandboxView(c),
    network: { ip: ep?.IPAddress ?? '', additional_ips: [] },
    linux: { namespaces: { options: { network: host ? 'NODE' : 'POD', pid: labels[L.pidMode] ?? 'CONTAINER', ipc: c.HostConfig.IpcMode === 'host' ? 'NODE' : 'POD', target_id: '' } } },
  };
}
