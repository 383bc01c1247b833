// ExecSync: run a command in a container and answer its output and exit code (the kubelet's exec
// probes). Output is capped as containerd caps it; a timeout kills the command.
import { status as Status } from '@grpc/grpc-js';
import type { ExecService } from '../engine/exec.ts';
import type { ContainerService } from '../engine/containers/service.ts';
import { CriError } from './errors.ts';
import { getCri, notRunning } from './lookup.ts';
import type { Handlers } from './server.ts';

/** containerd's cap on each of stdout and stderr of ExecSync: what is beyond it is dropped. A full
 * 16 MiB is then more than the 16 MiB a gRPC answer may be, and the call fails RESOURCE_EXHAUSTED,
 * as containerd's does. */
export const MAX_EXEC_SYNC_OUTPUT = 16 << 20;
/** once the command has exited, how long output still held open (by a child it left behind) is read */
const DRAIN_MS = 2000;

/** Keeps the first MAX_EXEC_SYNC_OUTPUT bytes written to it. */
class Capped {
  private readonly parts: Buffer[] = [];
  private size = 0;
  add(data: Buffer): void {
    const room = MAX_EXEC_SYNC_OUTPUT - this.size;
    if (room <= 0) return;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.parts.push(part);
    this.size += part.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function execSyncHandlers(d: { containers: ContainerService; execs: ExecService }): Handlers {
  return {
    async ExecSync(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      // containerd's words and codes (plain errors), checked in its order
      if (!c.State.Running) throw notRunning(c, 'failed to exec in container: ');
      const cmd: string[] = req.cmd ?? [];
      if (!cmd.length) throw new CriError(Status.UNKNOWN, 'failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: args must not be empty: unknown');
      const timeoutS = Number(req.timeout ?? 0);
      let e;
      try {
        e = await d.execs.start(d.execs.create(c.Id, { Cmd: cmd, AttachStdout: true, AttachStderr: true }));
      } catch (err) {
        throw new CriError(Status.UNKNOWN, `failed to exec in container: ${(err as Error).message}`, { cause: err });
      }
      const h = e.handle!;
      const out = new Capped();
      const err = new Capped();
      const ended = new Promise<void>((resolve) => h.attach.onEnd(resolve));
      h.attach.onData((stream, data) => (stream === 'stderr' ? err : out).add(data));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        if (timeoutS > 0) timer = setTimeout(() => resolve('timeout'), timeoutS * 1000);
      });
      const drained = () => Promise.race([ended, new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
      try {
        const r = await Promise.race([h.exited, timedOut]);
        if (r === 'timeout') {
          // as containerd: the command is killed and its end awaited before the answer (a gVisor
          // sandbox's process cannot be signalled from the host: nothing to wait for then)
          if (h.kill) {
            h.kill('SIGKILL');
            await Promise.race([h.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
            await drained();
          }
          throw new CriError(Status.DEADLINE_EXCEEDED, `failed to exec in container: timeout ${timeoutS}s exceeded: context deadline exceeded`);
        }
        // the output may still be on its way when the exit is known
        await drained();
        return { stdout: out.bytes(), stderr: err.bytes(), exit_code: r };
      } finally {
        clearTimeout(timer);
        h.attach.close();
      }
    },
  };
}
