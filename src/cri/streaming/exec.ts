// Exec over the streaming server: validate as containerd does, hand out a URL, and on connection run
// the command with its streams on the channels of v4.channel.k8s.io, ending with its status.
import type { ExecService } from '../../engine/exec.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter } from '../../errdefs.ts';
import { getCri, notRunning } from '../lookup.ts';
import type { Handlers } from '../server.ts';
import type { StreamingServer } from './server.ts';
import { ERROR, STDERR, STDOUT, holdInput, type ChannelSession } from './sessions.ts';
import { log } from '../../util/log.ts';

export function execStreamHandlers(d: { containers: ContainerService; execs: ExecService; streaming: StreamingServer }): Handlers {
  return {
    Exec(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      // containerd's order: the container's state (a plain error), then the request
      if (!c.State.Running) throw notRunning(c);
      const cmd: string[] = req.cmd ?? [];
      if (!cmd.length) throw invalidParameter('cmd must not be empty');
      if (!req.stdin && !req.stdout && !req.stderr) throw invalidParameter('one of stdin, stdout, or stderr must be set');
      if (req.tty && req.stderr) throw invalidParameter('tty and stderr cannot both be true');
      const o = { cmd, tty: !!req.tty, stdin: !!req.stdin, stdout: !!req.stdout, stderr: !!req.stderr };
      return { url: d.streaming.url({ kind: 'exec', streams: o, serve: (s) => void serveExec(d, c.Id, o, s) }) };
    },
  };
}

async function serveExec(d: { execs: ExecService }, containerId: string, o: { cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, ws: ChannelSession): Promise<void> {
  const status = (s: object) => {
    if (ws.open) ws.send(ERROR, JSON.stringify({ metadata: {}, ...s }));
    ws.close();
  };
  // what the client sends while the command starts is kept for it
  const input = holdInput(ws, o);
  try {
    const id = d.execs.create(containerId, { Cmd: o.cmd, Tty: o.tty, AttachStdin: o.stdin, AttachStdout: o.stdout, AttachStderr: o.stderr });
    const e = await d.execs.start(id, { tty: o.tty });
    const h = e.handle!;
    h.attach.onData((stream, data) => {
      if (stream === 'stderr' ? o.stderr : o.stdout) ws.send(stream === 'stderr' && !o.tty ? STDERR : STDOUT, data);
    });
    input.connect({ write: (m) => h.attach.write(m), resize: (ht, w) => void h.resize(ht, w).catch(() => {}), endStdin: () => h.attach.endStdin() });
    // the client going away (or the idle timeout closing its connection) leaves the command running,
    // as containerd does: its stdin ends (containerd's execs are stdin-once), its output goes nowhere
    let exited = false;
    const gone = () => {
      if (!exited && o.stdin) h.attach.endStdin();
    };
    if (ws.open) ws.onClose(gone);
    else gone();
    const code = await h.exited;
    exited = true;
    await new Promise((r) => setTimeout(r, 50)); // let the last output through
    h.attach.close();
    if (code === 0) status({ status: 'Success' });
    else status({ status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${o.cmd.join(' ')}], exit code ${code}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } });
  } catch (err) {
    log.debug(`CRI exec stream: ${(err as Error).message}`);
    status({ status: 'Failure', message: (err as Error).message });
  }
}
