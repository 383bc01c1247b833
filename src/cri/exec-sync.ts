// ExecSync: run a command in a container and answer its output and exit code (the kubelet's exec
// probes). Output is bounded as containerd bounds it; a timeout kills the command.
import { status as Status } from '@grpc/grpc-js';
import type { ExecService } from '../engine/exec.ts';
import type { ContainerService } from '../engine/containers/service.ts';
import { invalidParameter } from '../errdefs.ts';
import { CriError } from './errors.ts';
import { getCri } from './lookup.ts';
import type { Handlers } from './server.ts';

/** containerd's limit on each of stdout and stderr of ExecSync */
export const MAX_EXEC_SYNC_OUTPUT = 16 << 20;

export function execSyncHandlers(d: { containers: ContainerService; execs: ExecService }): Handlers {
  return {
    async ExecSync(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      const cmd: string[] = req.cmd ?? [];
      if (!cmd.length) throw invalidParameter('no command given to ExecSync');
      const timeoutS = Number(req.timeout ?? 0);
      const id = d.execs.create(c.Id, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const e = await d.execs.start(id);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      const ended = new Promise<void>((resolve) => e.handle!.attach.onEnd(resolve));
      e.handle!.attach.onData((stream, data) => {
        if (stream === 'stderr') {
          if (errLen + data.length <= MAX_EXEC_SYNC_OUTPUT) err.push(data);
          errLen += data.length;
        } else {
          if (outLen + data.length <= MAX_EXEC_SYNC_OUTPUT) out.push(data);
          outLen += data.length;
        }
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        if (timeoutS > 0) timer = setTimeout(() => resolve('timeout'), timeoutS * 1000);
      });
      try {
        const r = await Promise.race([e.handle!.exited, timedOut]);
        if (r === 'timeout') {
          e.handle!.kill?.('SIGKILL');
          throw new CriError(Status.DEADLINE_EXCEEDED, `command ${JSON.stringify(cmd.join(' '))} timed out after ${timeoutS}s`);
        }
        // the output may still be on its way when the exit is known
        await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
        return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit_code: r };
      } finally {
        clearTimeout(timer);
        e.handle!.attach.close();
      }
    },
  };
}
