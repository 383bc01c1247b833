// --pid container:X and --ipc container:X: the namespaces (and, for IPC, the /dev/shm) of another
// running container, by path, as dockerd joins them at start (moby daemon/oci_linux.go WithNamespaces).
import path from 'node:path';
import { conflict, invalidParameter } from '../../errdefs.ts';
import type { ContainerRecord, HostConfig } from './record.ts';

export function runNamespaces(hc: HostConfig, get: (ref: string) => ContainerRecord, stateDirOf: (id: string) => string): { joinNamespaces?: Record<string, string>; shmSource?: string; shareableShm?: boolean } {
  if (hc.IpcMode === 'shareable') return { shareableShm: true };
  const out: Record<string, string> = {};
  let shmSource: string | undefined;
  const donor = (mode: unknown, what: 'PID' | 'IPC'): ContainerRecord | undefined => {
    if (typeof mode !== 'string' || !mode.startsWith('container:')) return undefined;
    const other = get(mode.slice('container:'.length));
    if (!other.State.Running || !other.State.Pid) throw conflict(`cannot join ${what} of a non running container: ${other.Id}`);
    return other;
  };
  const pid = donor(hc.PidMode, 'PID');
  if (pid) out.pid = `/proc/${pid.State.Pid}/ns/pid`;
  const ipc = donor(hc.IpcMode, 'IPC');
  if (ipc) {
    const mode = (ipc.HostConfig.IpcMode as string | undefined) || 'private';
    if (mode !== 'shareable' && mode !== 'host') throw invalidParameter('non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
    out.ipc = `/proc/${ipc.State.Pid}/ns/ipc`;
    // the donor's /dev/shm: a tmpfs in its bundle on the host (runtime/shm.ts)
    shmSource = mode === 'host' ? '/dev/shm' : path.join(stateDirOf(ipc.Id), 'shm');
  }
  return Object.keys(out).length ? { joinNamespaces: out, shmSource } : {};
}
