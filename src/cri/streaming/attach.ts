// Attach over the streaming server: the container's own stdio on the channels of v4.channel.k8s.io,
// until the container's output ends (it exited) or the client goes away (the container keeps running).
import type { WebSocket } from 'ws';
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter, conflict } from '../../errdefs.ts';
import { getCri } from '../lookup.ts';
import type { Handlers } from '../server.ts';
import type { StreamingServer } from './server.ts';
import { log } from '../../util/log.ts';

const frame = (channel: number, data: Buffer | string) => Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]);

export function attachStreamHandlers(d: { containers: ContainerService; streaming: StreamingServer }): Handlers {
  return {
    Attach(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      if (!req.stdin && !req.stdout && !req.stderr) throw invalidParameter('one of stdin, stdout, or stderr must be set');
      if (req.tty && req.stderr) throw invalidParameter('tty and stderr cannot both be true');
      if (!c.State.Running) throw conflict(`container ${c.Id} is in ${c.State.Status} state`);
      if (req.stdin && !c.Config.OpenStdin) throw invalidParameter('tty and stdin are only allowed for a container created with stdin');
      if (!!req.tty !== !!c.Config.Tty) throw invalidParameter(`tty must be ${!!c.Config.Tty}, as the container was created with`);
      const o = { stdin: !!req.stdin, stdout: !!req.stdout, stderr: !!req.stderr, tty: !!req.tty };
      return { url: d.streaming.url('attach', (ws) => void serveAttach(d.containers, c.Id, o, ws)) };
    },
  };
}

async function serveAttach(containers: ContainerService, id: string, o: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }, ws: WebSocket): Promise<void> {
  const early: Buffer[] = [];
  let deliver = (m: Buffer) => void early.push(m);
  ws.on('message', (m: Buffer, isBinary: boolean) => {
    if (isBinary && m.length >= 1) deliver(m);
  });
  try {
    const s = await containers.attach(id);
    s.onData((stream, data) => {
      if (stream === 'stderr' ? o.stderr : o.stdout) ws.send(frame(stream === 'stderr' && !o.tty ? 2 : 1, data));
    });
    s.onEnd(() => {
      if (ws.readyState === ws.OPEN) ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
      ws.close(1000);
    });
    deliver = (m: Buffer) => {
      if (m[0] === 0 && o.stdin) s.write(m.subarray(1));
      else if (m[0] === 4 && o.tty) {
        try {
          const { Width, Height } = JSON.parse(m.subarray(1).toString('utf8')) as { Width: number; Height: number };
          void containers.resize(id, Height, Width).catch(() => {});
        } catch {
          /* a malformed resize is dropped */
        }
      }
    };
    for (const m of early.splice(0)) deliver(m);
    // the client going away detaches; the container keeps running
    ws.on('close', () => s.close());
  } catch (err) {
    log.debug(`CRI attach stream: ${(err as Error).message}`);
    if (ws.readyState === ws.OPEN) ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Failure', message: (err as Error).message })));
    ws.close(1000);
  }
}
