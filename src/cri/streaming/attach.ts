// Attach over the streaming server: the container's own stdio on the channels of v4.channel.k8s.io,
// until the container's output ends (it exited) or the client goes away (the container keeps running).
import type { ContainerService } from '../../engine/containers/service.ts';
import { invalidParameter } from '../../errdefs.ts';
import { getCri, notRunning } from '../lookup.ts';
import type { Handlers } from '../server.ts';
import type { StreamingServer } from './server.ts';
import { ERROR, STDERR, STDOUT, holdInput, type ChannelSession } from './sessions.ts';
import { log } from '../../util/log.ts';

export function attachStreamHandlers(d: { containers: ContainerService; streaming: StreamingServer }): Handlers {
  return {
    Attach(req) {
      const c = getCri(d.containers, 'container', String(req.container_id ?? ''));
      // containerd's order: the container's state (a plain error), then the request
      if (!c.State.Running) throw notRunning(c);
      if (!req.stdin && !req.stdout && !req.stderr) throw invalidParameter('one of stdin, stdout, and stderr must be set');
      if (req.tty && req.stderr) throw invalidParameter('tty and stderr cannot both be true');
      if (req.stdin && !c.Config.OpenStdin) throw invalidParameter('tty and stdin are only allowed for a container created with stdin');
      if (!!req.tty !== !!c.Config.Tty) throw invalidParameter(`tty must be ${!!c.Config.Tty}, as the container was created with`);
      const o = { stdin: !!req.stdin, stdout: !!req.stdout, stderr: !!req.stderr, tty: !!req.tty };
      return { url: d.streaming.url({ kind: 'attach', streams: o, serve: (s) => void serveAttach(d.containers, c.Id, { ...o, stdinOnce: !!c.Config.StdinOnce }, s) }) };
    },
  };
}

async function serveAttach(containers: ContainerService, id: string, o: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; stdinOnce: boolean }, ws: ChannelSession): Promise<void> {
  const input = holdInput(ws, o);
  try {
    const s = await containers.attach(id);
    s.onData((stream, data) => {
      if (stream === 'stderr' ? o.stderr : o.stdout) ws.send(stream === 'stderr' && !o.tty ? STDERR : STDOUT, data);
    });
    s.onEnd(() => {
      if (ws.open) ws.send(ERROR, JSON.stringify({ metadata: {}, status: 'Success' }));
      ws.close();
    });
    // the client's stdin ending closes the container's only when it was created stdin_once, as in
    // containerd; otherwise later attaches still have it
    input.connect({
      write: (m) => s.write(m),
      resize: (h, w) => void containers.resize(id, h, w).catch(() => {}),
      endStdin: () => {
        if (o.stdinOnce) s.endStdin();
      },
    });
    // the client going away detaches; the container keeps running
    ws.onClose(() => s.close());
  } catch (err) {
    log.debug(`CRI attach stream: ${(err as Error).message}`);
    if (ws.open) ws.send(ERROR, JSON.stringify({ metadata: {}, status: 'Failure', message: (err as Error).message }));
    ws.close();
  }
}
