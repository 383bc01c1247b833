// GetContainerEvents, the stream behind the kubelet's evented PLEG: the engine's container events
// (create, start, die, destroy) of CRI containers and sandboxes, each with the pod's status and its
// containers' statuses as they are at that moment.
import type { EventsService, EngineEvent } from '../events/bus.ts';
import type { ContainerService } from '../engine/containers/service.ts';
import type { ImagesEngine } from '../engine/images.ts';
import { L } from './labels.ts';
import { criObjects, findCri } from './lookup.ts';
import { sandboxStatus } from './sandboxes.ts';
import { containerStatus } from './containers.ts';
import type { Handlers, Msg } from './server.ts';

const TYPES: Record<string, string> = { create: 'CONTAINER_CREATED_EVENT', start: 'CONTAINER_STARTED_EVENT', die: 'CONTAINER_STOPPED_EVENT', destroy: 'CONTAINER_DELETED_EVENT' };

export function eventHandlers(d: { events: EventsService; containers: ContainerService; images: ImagesEngine }): Handlers {
  const response = (e: EngineEvent): Msg | undefined => {
    const type = TYPES[e.Action];
    const kind = e.Actor.Attributes[L.type];
    if (!type || (kind !== 'container' && kind !== 'sandbox')) return undefined;
    const sandboxId = kind === 'sandbox' ? e.Actor.ID : (e.Actor.Attributes[L.sandboxId] ?? '');
    const sb = sandboxId ? findCri(d.containers, 'sandbox', sandboxId) : undefined;
    const members = sb ? criObjects(d.containers, 'container').filter((c) => c.Config.Labels?.[L.sandboxId] === sb.Id) : [];
    return {
      container_id: e.Actor.ID,
      container_event_type: type,
      created_at: String(e.timeNano),
      ...(sb ? { pod_sandbox_status: sandboxStatus(sb) } : {}),
      containers_statuses: members.map((c) => containerStatus({ containers: d.containers, images: d.images }, c)),
    };
  };
  return {
    GetContainerEvents: {
      stream(_req, call) {
        const unsubscribe = d.events.subscribe((e) => {
          if (e.Type !== 'container') return;
          const r = response(e);
          if (r) call.write(r);
        });
        const end = () => unsubscribe();
        call.on('cancelled', end);
        call.on('close', end);
        call.on('error', end);
      },
    },
  };
}
