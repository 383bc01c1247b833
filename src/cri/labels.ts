// How CRI objects live in Berth's one container store: a pod sandbox and each CRI container are
// Berth containers, named as the kubelet's dockershim (and cri-dockerd) named them, so `docker ps`
// shows them; what the CRI must give back exactly (its metadata, labels, annotations) is kept in
// labels of Berth's own, beside the pod's labels as plain Docker labels.
import { status } from '@grpc/grpc-js';
import { CriError } from './errors.ts';
import type { Msg } from './server.ts';

export const L = {
  type: 'io.berth.cri.type',
  metadata: 'io.berth.cri.metadata',
  labels: 'io.berth.cri.labels',
  annotations: 'io.berth.cri.annotations',
  sandboxId: 'io.berth.cri.sandbox-id',
  logDirectory: 'io.berth.cri.log-directory',
  runtimeHandler: 'io.berth.cri.runtime-handler',
  hostNetwork: 'io.berth.cri.host-network',
  /** the pod's namespace_options.pid (POD, CONTAINER or NODE), for PodSandboxStatus */
  pidMode: 'io.berth.cri.pid-mode',
  imageRef: 'io.berth.cri.image',
  logPath: 'io.berth.cri.log-path',
} as const;

export type CriType = 'sandbox' | 'container';

export interface PodMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

/** The sandbox's metadata: required, as containerd requires it (a plain error); its fields may be
 * empty there, and here too (the name made of them stays unique per pod attempt). */
export function podMetadata(config: Msg): PodMetadata {
  const m = config?.metadata;
  if (!m) throw new CriError(status.UNKNOWN, 'sandbox config must include metadata');
  return { name: String(m.name ?? ''), uid: String(m.uid ?? ''), namespace: String(m.namespace ?? ''), attempt: Number(m.attempt ?? 0) };
}

export function containerMetadata(config: Msg): ContainerMetadata {
  const m = config?.metadata;
  if (!m) throw new CriError(status.UNKNOWN, 'container config must include metadata');
  return { name: String(m.name ?? ''), attempt: Number(m.attempt ?? 0) };
}

/** A Docker container name may not hold every character a pod name may (none today, but keep it safe). */
const part = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '-');

/** k8s_POD_<pod>_<namespace>_<uid>_<attempt>: unique per pod attempt, as the CRI's name rule asks. */
export function sandboxName(m: PodMetadata): string {
  return `k8s_POD_${part(m.name)}_${part(m.namespace)}_${part(m.uid)}_${m.attempt}`;
}

/** k8s_<container>_<pod>_<namespace>_<uid>_<attempt>. */
export function containerName(c: ContainerMetadata, pod: PodMetadata): string {
  return `k8s_${part(c.name)}_${part(pod.name)}_${part(pod.namespace)}_${part(pod.uid)}_${c.attempt}`;
}

/** The CRI's map<string,string> fields as plain objects (no prototype keys). */
export function stringMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (m && typeof m === 'object') for (const [k, v] of Object.entries(m)) out[k] = String(v);
  return out;
}

export function readJsonLabel<T>(labels: Record<string, string> | null | undefined, key: string, dflt: T): T {
  const v = labels?.[key];
  if (v === undefined) return dflt;
  try {
    return JSON.parse(v) as T;
  } catch {
    return dflt;
  }
}

/** Does a label selector (all pairs equal) match? */
export function matchesSelector(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A timestamp in nanoseconds since the epoch (int64 as a decimal string); 0 for Go's zero time. */
export function nanos(iso: string | undefined): string {
  if (!iso || iso.startsWith('0001-')) return '0';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '0';
  // keep the sub-millisecond digits the ISO string may carry
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const extra = frac.length > 3 ? frac.slice(3, 9).padEnd(6, '0') : '000000';
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(extra)).toString();
}
