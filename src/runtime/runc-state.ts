// runc's own state on disk (<root>/<id>: exec.fifo, state.json), read and changed in place of
// `runc start` and `runc delete` on the hot path of docker run: each of those would be a runc
// process started (a Go binary, 5-10 ms) for a few system calls. Whatever this does not know how
// to do exactly as runc would, it leaves to runc (the callers fall back to the command).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pidAlive, startTimeOf } from '../platform/linux/proc.ts';
import { removeCgroup } from '../platform/linux/cgroup-remove.ts';
import { conflict, systemError } from '../errdefs.ts';

/**
 * `runc start`: read runc init's byte from the exec fifo (it execs the process and the writer
 * closes), then remove the fifo, which marks the container as running. False when there is no
 * fifo (not a runc we know the internals of, or started already): runc is to decide.
 */
export async function startByExecFifo(root: string, id: string, timeoutMs = 30_000): Promise<boolean> {
  const fifo = path.join(root, id, 'exec.fifo');
  let fd: number;
  try {
    fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e: any) {
    if (e.code !== 'ENOENT') throw systemError(`start ${id}: ${e.message}`);
    return false;
  }
  const got = await new Promise<number>((resolve, reject) => {
    const sock = new net.Socket({ fd, readable: true, writable: false });
    let n = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(systemError(`OCI runtime start failed: timed out waiting for the container process`));
    }, timeoutMs);
    sock.on('data', (b: Buffer) => (n += b.length));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(systemError(`OCI runtime start failed: ${e.message}`));
    });
    sock.on('end', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(n);
    });
  });
  fs.rmSync(fifo, { force: true });
  if (got <= 0) throw conflict('OCI runtime start failed: container process is already dead');
  return true;
}

/**
 * `runc delete` of a container whose process has exited: remove its cgroups and runc's state
 * directory. Returns false (and changes nothing runc would miss) when the container may still have
 * processes or needs runc (hooks): then runc does it.
 */
export async function destroyStopped(root: string, id: string): Promise<boolean> {
  const dir = path.join(root, id);
  let state: { init_process_pid?: number; init_process_start?: number; cgroup_paths?: Record<string, string>; config?: { hooks?: unknown; namespaces?: { type: string; path?: string }[] } };
  try {
    state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  } catch {
    return false;
  }
  const hooks = state.config?.hooks as Record<string, unknown[]> | null | undefined;
  if (hooks && Object.values(hooks).some((h) => Array.isArray(h) && h.length > 0)) return false;
  // Without a private pid namespace other processes may outlive init; runc delete --force kills them.
  const pidns = state.config?.namespaces?.find((n) => n.type === 'NEWPID');
  if (!pidns || pidns.path) return false;
  const pid = state.init_process_pid ?? 0;
  if (pidAlive(pid) && startTimeOf(pid) === state.init_process_start) return false;
  // The controllers' directories are independent: remove them in parallel (memory cgroups are slow to go).
  const results = await Promise.all([...new Set(Object.values(state.cgroup_paths ?? {}))].map((p) => removeCgroup(p)));
  if (results.includes(false)) return false;
  await fs.promises.rm(dir, { recursive: true, force: true });
  return true;
}
