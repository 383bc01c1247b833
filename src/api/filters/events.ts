// Event filters (GET /events): Docker's matching (moby daemon/events/filter.go). Docker itself
// ignores keys it does not know on this endpoint; Berth refuses them like every other filter.
import type { EngineEvent } from '../../events/bus.ts';
import { familiarName, parseNormalizedNamed } from '../../images/reference.ts';
import type { FilterArgs, FilterTable } from './args.ts';

export const EVENT_FILTERS: FilterTable = {
  config: true,
  container: true,
  daemon: true,
  event: true,
  image: true,
  label: true,
  network: true,
  node: true,
  plugin: true,
  scope: true,
  secret: true,
  service: true,
  type: true,
  volume: true,
};

/** The object types an event filter key names by id prefix or name. */
const BY_NAME = ['daemon', 'container', 'plugin', 'volume', 'network', 'service', 'node', 'secret', 'config'] as const;

export function eventMatcher(f: FilterArgs): (e: EngineEvent) => boolean {
  // health_status, exec_create and exec_start carry a ": detail" suffix; Docker matches them by prefix
  const fuzzyEvent = (f.get('event') ?? []).some((v) => v === 'health_status' || v === 'exec_create' || v === 'exec_start');
  return (e) => {
    if (!(fuzzyEvent ? f.fuzzyMatch('event', e.Action) : f.exactMatch('event', e.Action))) return false;
    if (!f.exactMatch('type', e.Type)) return false;
    if (f.has('scope') && !f.exactMatch('scope', e.scope)) return false;
    for (const key of BY_NAME) {
      if (!f.has(key)) continue;
      // Docker's fuzzyMatchName: the key's values are compared with every event's actor, whatever its type
      if (!f.fuzzyMatch(key, e.Actor.ID) && !f.fuzzyMatch(key, e.Actor.Attributes.name ?? '')) return false;
    }
    if (f.has('image')) {
      const name = e.Actor.Attributes[e.Type === 'image' ? 'name' : 'image'] ?? '';
      const candidates = [e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name)];
      if (!candidates.some((c) => f.exactMatch('image', c))) return false;
    }
    if (f.has('label') && !f.matchKVList('label', e.Actor.Attributes)) return false;
    return true;
  };
}

function stripTag(image: string): string {
  try {
    return familiarName(parseNormalizedNamed(image));
  } catch {
    return image;
  }
}
