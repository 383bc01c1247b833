// Exec over the streaming server: validate as containerd does, hand out a URL, and on connection run
// the command with its streams on the channels of v4.channel.k8s.io, ending with its status.
import type { WebSocket } from 'ws';
import type { ExecService } from '../../engine/exec.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter, conflict } from '../../errdefs.ts';
import { getCri } from '../lookup.ts';
import type { Handlers } from '../server.ts';
import type { StreamingServer } from './server.ts';
import { log } from '../../util/log.ts';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

export function execStreamHandlers(d: { containers: ContainerService; execs: ExecService; streaming: StreamingServer }): Handlers {
  return {
    Exec(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      const cmd: string[] = req.cmd ?? [];
      if (!cmd.length) throw invalidParameter('cmd must not be empty');
      if (!req.stdin && !req.stdout && !req.stderr) throw invalidParameter('one of stdin, stdout, or stderr must be set');
      if (req.tty && req.stderr) throw invalidParameter('tty and stderr cannot both be true');
      if (!c.State.Running) throw conflict(`container ${c.Id} is not running`);
      const o = { cmd, tty: !!req.tty, stdin: !!req.stdin, stdout: !!req.stdout, stderr: !!req.stderr };
      return { url: d.streaming.url('exec', (ws) => void serveExec(d, c.Id, o, ws)) };
    },
  };
}

const frame = (channel: number, data: Buffer | string) => Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);

async function serveExec(d: { execs: ExecService }, containerId: string, o: { cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }, ws: WebSocket): Promise<void> {
  const status = (s: object) => {
    if (ws.readyState === ws.OPEN) ws.send(frame(ERROR, JSON.stringify({ metadata: {}, ...s })));
    ws.close(1000);
  };
  // what the client sends while the command starts is kept for it
  const early: Buffer[] = [];
  let deliver = (m: Buffer) => void early.push(m);
  ws.on('message', (m: Buffer, isBinary: boolean) => {
    if (isBinary && m.length >= 1) deliver(m);
  });
  try {
    const id = d.execs.create(containerId, { Cmd: o.cmd, Tty: o.tty, AttachStdin: o.stdin, AttachStdout: o.stdout, AttachStderr: o.stderr });
    const e = await d.execs.start(id, { tty: o.tty });
    const h = e.handle!;
    h.attach.onData((stream, data) => {
      if (stream === 'stderr' ? o.stderr : o.stdout) ws.send(frame(stream === 'stderr' && !o.tty ? STDERR : STDOUT, data));
    });
    deliver = (m: Buffer) => {
      if (m[0] === STDIN && o.stdin) h.attach.write(m.subarray(1));
      else if (m[0] === RESIZE && o.tty) {
        try {
          const { Width, Height } = JSON.parse(m.subarray(1).toString('utf8')) as { Width: number; Height: number };
          void h.resize(Height, Width).catch(() => {});
        } catch {
          /* a malformed resize is dropped, as the kubelet's library drops it */
        }
      }
    };
    for (const m of early.splice(0)) deliver(m);
    // the client going away ends the command, as the kubelet's streaming server does
    let exited = false;
    ws.on('close', () => {
      if (!exited) h.kill?.('SIGKILL');
    });
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
