// Finding CRI objects among Berth's containers: by full id or unique id prefix (never by name:
// the CRI speaks ids only), and only those of the kind asked for. As containerd's id index
// (truncindex): an empty id and a prefix of several ids are plain errors (UNKNOWN), not NotFound.
import { status as Status } from '@grpc/grpc-js';
import { notFound, isKind } from '../errdefs.ts';
import type { ContainerService } from '../engine/containers/service.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import { CriError } from './errors.ts';
import { L, type CriType } from './labels.ts';

export function criObjects(containers: ContainerService, type: CriType): ContainerRecord[] {
  return containers.list().filter((c) => c.Config.Labels?.[L.type] === type);
}

const what = (type: CriType, id: string) => `an error occurred when try to find ${type === 'sandbox' ? 'sandbox' : 'container'} ${JSON.stringify(id)}`;

/** The object `id` names; undefined when none; throws (UNKNOWN) for an empty id or a prefix of several. */
export function findCri(containers: ContainerService, type: CriType, id: string): ContainerRecord | undefined {
  if (!id) throw new CriError(Status.UNKNOWN, `${what(type, id)}: Prefix can't be empty`);
  const matches = criObjects(containers, type).filter((c) => c.Id.startsWith(id));
  const exact = matches.find((c) => c.Id === id);
  if (exact) return exact;
  if (matches.length > 1) throw new CriError(Status.UNKNOWN, `${what(type, id)}: Multiple IDs found with provided prefix: ${id}`);
  return matches[0];
}

export function getCri(containers: ContainerService, type: CriType, id: string): ContainerRecord {
  const c = findCri(containers, type, id);
  if (!c) throw notFound(`${what(type, id)}: not found`);
  return c;
}

/** Stop a Berth container now (SIGKILL at once), fine when it is not running. */
export async function killNow(containers: ContainerService, id: string): Promise<void> {
  try {
    await containers.stop(id, { timeout: 0 });
  } catch (e) {
    if (!isKind(e, 'not-modified') && !isKind(e, 'not-found')) throw e;
  }
}

/** Remove a Berth container (killed first), fine when it is gone or another call is removing it
 * (containerd's concurrent removals answer OK): then it waits for that removal to end. */
export async function removeGone(containers: ContainerService, id: string): Promise<void> {
  try {
    await containers.remove(id, { force: true });
  } catch (e) {
    if (isKind(e, 'not-found')) return;
    if (!(isKind(e, 'conflict') && /already in progress/.test((e as Error).message))) throw e;
    for (const end = Date.now() + 60_000; containers.find(id) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    if (containers.find(id)) throw e;
  }
}

/** The CRI state name of a container ("CONTAINER_EXITED"...), for containerd's error messages. */
export function criStateName(c: ContainerRecord): string {
  switch (c.State.Status) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'CONTAINER_RUNNING';
    case 'exited':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

/** containerd's answer (a plain error) to an exec or attach in a container that does not run. */
export function notRunning(c: ContainerRecord, prefix = ''): CriError {
  return new CriError(Status.UNKNOWN, `${prefix}container is in ${criStateName(c)} state`);
}

/** Calls on one pod run one after another (create a container, stop, remove), so that a container
 * is never created into a pod that a concurrent stop or removal has already gone past. */
const podQueues = new Map<string, Promise<unknown>>();
export function serialPerPod<T>(sandboxId: string, fn: () => Promise<T>): Promise<T> {
  const prev = podQueues.get(sandboxId) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => {});
  podQueues.set(sandboxId, tail);
  void tail.then(() => {
    if (podQueues.get(sandboxId) === tail) podQueues.delete(sandboxId);
  });
  return run;
}
