// Filters of images, networks, volumes and the build cache: Docker's accepted keys per endpoint,
// value checks, and the network and volume predicates (moby daemon/network/filter.go,
// volume/service/convert.go, daemon/prune.go). Image matching stays in the image engine, which
// owns the references and the image graph; it receives checked FilterArgs.
import { invalidParameter, systemError } from '../../errdefs.ts';
import type { NetworkRecord } from '../../engine/networks.ts';
import type { VolumeRecord } from '../../engine/volumes.ts';
import { FilterArgs, boolKey, type FilterTable, type ValueCheck } from './args.ts';
import { getTimestamp, untilValue } from '../../util/timestamp.ts';

export const IMAGE_LIST_FILTERS: FilterTable = {
  dangling: boolKey('dangling'),
  label: true,
  before: true,
  since: true,
  reference: true,
  until: (v) => void getTimestamp(v),
};

export const IMAGE_PRUNE_FILTERS: FilterTable = { dangling: boolKey('dangling'), label: true, 'label!': true, until: untilValue };

const danglingNetworkValue: ValueCheck = (v, values) => {
  if (values.length > 1) throw invalidParameter('got more than one value for filter key "dangling"');
  if (!['0', '1', 'true', 'false'].includes(v)) throw invalidParameter(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
};
const networkTypeValue: ValueCheck = (v) => {
  // (a plain error in dockerd, so its 500: 20.10 and current alike)
  if (v !== 'builtin' && v !== 'custom') throw systemError(`invalid filter: 'type'='${v}'`);
};

export const NETWORK_LIST_FILTERS: FilterTable = {
  dangling: danglingNetworkValue,
  driver: true,
  id: true,
  label: true,
  name: true,
  scope: true,
  type: networkTypeValue,
};

export const NETWORK_PRUNE_FILTERS: FilterTable = { label: true, 'label!': true, until: untilValue };

/** What network matching needs to know about a network beyond its record. */
export interface NetworkFacts {
  builtin: boolean;
  /** containers attached to it */
  inUse: boolean;
}

/** docker network ls (FilterNetworks). */
export function networkListMatcher(f: FilterArgs): (n: NetworkRecord, facts: NetworkFacts) => boolean {
  const dangling = f.get('dangling')?.[0];
  const types = f.get('type');
  return (n, facts) => {
    if (!f.exactMatch('driver', n.Driver)) return false;
    if (f.has('name') && !f.match('name', n.Name)) return false;
    if (f.has('id') && !f.match('id', n.Id)) return false;
    if (!f.matchKVList('label', n.Labels)) return false;
    if (!f.exactMatch('scope', n.Scope)) return false;
    if (dangling !== undefined) {
      const isDangling = !facts.builtin && !facts.inUse;
      if ((dangling === '1' || dangling === 'true') !== isDangling) return false;
    }
    if (types?.length && !types.some((t) => (t === 'builtin') === facts.builtin)) return false;
    return true;
  };
}

/** docker network prune: unused user networks created no later than `until`, labels matching. */
export function networkPruneMatcher(f: FilterArgs, nowMs = Date.now()): (n: NetworkRecord) => boolean {
  const until = f.has('until') ? getTimestamp(f.get('until')![0]!, nowMs) : undefined;
  return (n) => (until === undefined || Date.parse(n.Created) / 1000 <= until) && f.matchLabels(n.Labels);
}

export const VOLUME_LIST_FILTERS: FilterTable = { dangling: boolKey('dangling'), driver: true, label: true, name: true };

const volumeAllValue: ValueCheck = (v, values) => {
  if (values.length > 1) throw invalidParameter(`invalid filter 'all=[${values.join(' ')}]': only one value is expected`);
  if (goParseBool(v) === undefined) throw invalidParameter(`invalid filter 'all': strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
};

export const VOLUME_PRUNE_FILTERS: FilterTable = { label: true, 'label!': true, all: volumeAllValue };

/** docker volume ls (filtersToBy). `inUse`: whether a container refers to the volume. */
export function volumeListMatcher(f: FilterArgs): (v: VolumeRecord, inUse: boolean) => boolean {
  const dangling = f.has('dangling') ? f.boolOrDefault('dangling', false) : undefined;
  return (v, inUse) =>
    f.exactMatch('driver', v.Driver) &&
    (!f.has('name') || f.match('name', v.Name)) &&
    f.matchLabels(v.Labels) &&
    (dangling === undefined || dangling === !inUse);
}

/**
 * docker volume prune: which unused local volumes go. Since API 1.42 only anonymous ones unless
 * `all=true`; clients older than 1.42 get every unused volume (moby's router adds all=true).
 */
export function volumePruneMatcher(f: FilterArgs, apiVersion: string, isAnonymous: (v: VolumeRecord) => boolean): (v: VolumeRecord) => boolean {
  const allValue = f.get('all')?.[0];
  const all = (allValue !== undefined && goParseBool(allValue) === true) || versionLess(apiVersion, '1.42');
  return (v) => (all || isAnonymous(v)) && f.matchLabels(v.Labels);
}

/** until (or its old name unused-for): one duration or time, as moby's toBuildkitPruneInfo reads it. */
const buildUntilValue = (key: string): ValueCheck => (v, values) => {
  if (values.length > 1) throw invalidParameter('filters expect only one value');
  try {
    getTimestamp(v);
  } catch (e) {
    throw invalidParameter(`"${key}" filter expects a duration (e.g., '24h') or a timestamp: ${(e as Error).message}`);
  }
};

/**
 * Build cache prune. Berth's cache entries have no BuildKit record fields (id, parent, type,
 * description, inuse, shared, private), so those keys are refused rather than ignored.
 */
export const BUILD_PRUNE_FILTERS: FilterTable = { until: buildUntilValue('until'), 'unused-for': buildUntilValue('unused-for') };

/** The time before which an unused cache entry goes, in Unix seconds, or undefined for all. */
export function buildPruneUntil(f: FilterArgs, nowMs = Date.now()): number | undefined {
  if (f.has('until') && f.has('unused-for')) throw invalidParameter('conflicting filters: "until" and "unused-for"');
  const v = f.get('until')?.[0] ?? f.get('unused-for')?.[0];
  return v === undefined ? undefined : getTimestamp(v, nowMs);
}

/** Go's strconv.ParseBool. */
export function goParseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function versionLess(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
