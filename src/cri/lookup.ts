// Finding CRI objects among Berth's containers: by full id or unique id prefix (never by name:
// the CRI speaks ids only), and only those of the kind asked for.
import { notFound, isKind } from '../errdefs.ts';
import type { ContainerService } from '../engine/containers/service.ts';
import type { ContainerRecord } from '../engine/containers/record.ts';
import { L, type CriType } from './labels.ts';

export function criObjects(containers: ContainerService, type: CriType): ContainerRecord[] {
  return containers.list().filter((c) => c.Config.Labels?.[L.type] === type);
}

export function findCri(containers: ContainerService, type: CriType, id: string): ContainerRecord | undefined {
  if (!id) return undefined;
  const matches = criObjects(containers, type).filter((c) => c.Id.startsWith(id));
  const exact = matches.find((c) => c.Id === id);
  if (exact) return exact;
  return matches.length === 1 ? matches[0] : undefined;
}

export function getCri(containers: ContainerService, type: CriType, id: string): ContainerRecord {
  const c = findCri(containers, type, id);
  if (!c) throw notFound(type === 'sandbox' ? `an error occurred when try to find sandbox "${id}": not found` : `an error occurred when try to find container "${id}": not found`);
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
