// Container filters: GET /containers/json (docker ps) and POST /containers/prune, with Docker's
// keys, value checks and matching (moby daemon/list.go, daemon/prune.go).
import { invalidParameter } from '../../errdefs.ts';
import type { ContainerRecord } from '../../engine/containers/record.ts';
import { FilterArgs, boolKey, type FilterTable, type ValueCheck } from './args.ts';
import { getTimestamp, untilValue } from '../../util/timestamp.ts';

const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
const HEALTHS = ['none', 'starting', 'healthy', 'unhealthy'];

const statusValue: ValueCheck = (v) => {
  if (!STATES.includes(v)) throw invalidParameter(`invalid filter 'status=${v}': invalid value for state (${v}): must be one of ${STATES.join(', ')}`);
};
const healthValue: ValueCheck = (v) => {
  if (!HEALTHS.includes(v)) throw invalidParameter(`invalid filter 'health=${v}': invalid value for health (${v}): must be one of ${HEALTHS.join(', ')}`);
};
const exitedValue: ValueCheck = (v) => {
  if (!/^[+-]?\d+$/.test(v)) throw invalidParameter(`invalid filter 'exited=${v}': strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
};
const portValue = (key: string): ValueCheck => (v) => void portSet(key, v);

/** docker ps: moby's acceptedPsFilterTags. (No `label!` here: Docker refuses it on ps.) */
export const CONTAINER_LIST_FILTERS: FilterTable = {
  ancestor: true,
  before: true,
  exited: exitedValue,
  id: true,
  isolation: true,
  label: true,
  name: true,
  status: statusValue,
  health: healthValue,
  since: true,
  volume: true,
  network: true,
  'is-task': boolKey('is-task'),
  publish: portValue('publish'),
  expose: portValue('expose'),
};

export const CONTAINER_PRUNE_FILTERS: FilterTable = { label: true, 'label!': true, until: untilValue };

/** What matching needs besides the record: image lookups (ancestor) and the container's ports as listed. */
export interface ContainerFilterDeps {
  /** the id of the image `ref` names, or undefined when there is none */
  imageId(ref: string): string | undefined;
  /** ids of the images built on top of `id` */
  imageChildren(id: string): string[];
  /** the container's ports as docker ps shows them */
  ports(c: ContainerRecord): { PrivatePort: number; PublicPort?: number; Type: string }[];
}

/**
 * The containers docker ps shows, from `list` (newest first): Docker's includeContainerInList.
 * `before`/`since` name containers (by id, id prefix or name) that must exist.
 */
export function filterContainerList(list: ContainerRecord[], f: FilterArgs, o: { all: boolean; limit: number; find: (ref: string) => ContainerRecord }, deps: ContainerFilterDeps): ContainerRecord[] {
  const all = o.all || f.has('status');
  const exited = (f.get('exited') ?? []).map(Number);
  const isTask = f.has('is-task') ? f.boolOrDefault('is-task', false) : undefined;
  const before = (f.get('before') ?? []).map((r) => o.find(r)).at(-1);
  const since = (f.get('since') ?? []).map((r) => o.find(r)).at(-1);
  const publish = new Set((f.get('publish') ?? []).flatMap((v) => portSet('publish', v)));
  const expose = new Set((f.get('expose') ?? []).flatMap((v) => portSet('expose', v)));
  const images = f.has('ancestor') ? ancestorImages(f.get('ancestor')!, deps) : undefined;

  const out: ContainerRecord[] = [];
  let beforeSeen = !before;
  for (const c of list) {
    if (!beforeSeen) {
      if (c.Id === before!.Id) beforeSeen = true;
      continue;
    }
    if (since && c.Id === since.Id) break;
    if (!c.State.Running && !all && o.limit <= 0) continue;
    if (!f.match('name', c.Name) && !f.match('name', c.Name.replace(/^\//, ''))) continue;
    if (!f.match('id', c.Id)) continue;
    // Berth runs no swarm tasks: is-task=true matches none, is-task=false all
    if (isTask === true) continue;
    if (!f.matchKVList('label', c.Config.Labels)) continue;
    if (!f.match('isolation', (c.HostConfig.Isolation || 'default').toLowerCase())) continue;
    if (o.limit > 0 && out.length === o.limit) break;
    if (exited.length && !(exited.includes(c.State.ExitCode) && !c.State.Running && c.State.StartedAt !== '0001-01-01T00:00:00Z')) continue;
    if (!f.match('status', c.State.Status)) continue;
    if (!f.exactMatch('health', c.State.Health?.Status ?? 'none')) continue;
    if (f.has('volume') && !(f.get('volume') ?? []).some((v) => c.Mounts.some((m) => m.Destination === v || (m.Name ? m.Name === v : m.Source === v)))) continue;
    if (images && !images.has(c.Image)) continue;
    if (f.has('network') && !(f.get('network') ?? []).some((v) => onNetwork(c, v))) continue;
    if (publish.size || expose.size) {
      const ports = deps.ports(c);
      if (!ports.some((p) => publish.has(`${p.PublicPort ?? 0}/${p.Type}`) || expose.has(`${p.PrivatePort}/${p.Type}`))) continue;
    }
    out.push(c);
  }
  return out;
}

/** The prune predicate: stopped containers created no later than `until`, whose labels match. */
export function containerPruneMatcher(f: FilterArgs, nowMs = Date.now()): (c: ContainerRecord) => boolean {
  const until = f.has('until') ? getTimestamp(f.get('until')![0]!, nowMs) : undefined;
  return (c) => (until === undefined || Date.parse(c.Created) / 1000 <= until) && f.matchLabels(c.Config.Labels);
}

function onNetwork(c: ContainerRecord, v: string): boolean {
  const nets = c.NetworkSettings?.Networks;
  if (!nets) return false;
  return Object.prototype.hasOwnProperty.call(nets, v) || Object.values(nets).some((ep) => ep?.NetworkID && ep.NetworkID.startsWith(v));
}

/** The images an ancestor filter names and every image built on them; names that resolve to nothing are skipped. */
function ancestorImages(refs: string[], deps: ContainerFilterDeps): Set<string> {
  const out = new Set<string>();
  const walk = (id: string) => {
    if (out.has(id)) return;
    out.add(id);
    for (const child of deps.imageChildren(id)) walk(child);
  };
  for (const r of refs) {
    const id = deps.imageId(r);
    if (id) walk(id);
  }
  return out;
}

/** "80", "80/udp", "8000-8002/tcp" → ["80/tcp"], ... (go-connections' SplitProtoPort and ParsePortRange). */
export function portSet(key: string, value: string): string[] {
  if (value.includes(':')) throw invalidParameter(`filter for '${key}' should not contain ':': ${value}`);
  const parts = value.split('/');
  let proto = '';
  let port = '';
  if (value !== '' && parts[0] !== '') [port, proto] = parts.length === 1 || parts[1] === '' ? [parts[0]!, 'tcp'] : [parts[0]!, parts[1]!];
  const fail = (msg: string) => invalidParameter(`error while looking up for ${key} ${value}: ${msg}`);
  if (port === '') throw fail('empty string specified for ports');
  const u16 = (s: string) => {
    if (!/^\d+$/.test(s)) throw fail(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
    const n = Number(s);
    if (n > 65535) throw fail(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
    return n;
  };
  const [a, b] = port.includes('-') ? port.split('-') : [port, port];
  const start = u16(a!);
  const end = u16(b!);
  if (end < start) throw fail(`invalid range specified for port: ${port}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}
