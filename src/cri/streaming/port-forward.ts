// PortForward over the streaming server: each forwarded connection the client opens (one per `port`
// of a websocket's query, or a pair of SPDY streams) is made inside the pod's network namespace, to
// 127.0.0.1:PORT there, by the host's static busybox `nc` run under nsenter (a Node process cannot
// enter another network namespace itself).
import { spawn } from 'node:child_process';
import type { ContainerService } from '../../engine/containers/service.ts';
import { status as Status } from '@grpc/grpc-js';
import { CriError } from '../errors.ts';
import { getCri } from '../lookup.ts';
import { BUSYBOX } from '../pause-image.ts';
import type { Handlers } from '../server.ts';
import type { StreamingServer } from './server.ts';
import type { PortForwardSession } from './sessions.ts';

export function portForwardHandlers(d: { containers: ContainerService; streaming: StreamingServer }): Handlers {
  return {
    PortForward(req) {
      const sb = getCri(d.containers, 'sandbox', String(req.pod_sandbox_id ?? ''));
      // containerd's words and code (a plain error)
      if (!sb.State.Running || !sb.State.Pid) throw new CriError(Status.UNKNOWN, 'sandbox container is not running');
      return { url: d.streaming.url({ kind: 'portforward', serve: (s) => serve(d.containers, sb.Id, s) }) };
    },
  };
}

function serve(containers: ContainerService, sandboxId: string, session: PortForwardSession): void {
  const children = new Set<ReturnType<typeof spawn>>();
  session.onConnection((conn) => {
    const pid = containers.find(sandboxId)?.State.Pid;
    const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, BUSYBOX, 'nc', '127.0.0.1', String(conn.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => conn.write(b));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()).length > 4096 && (stderr = stderr.slice(-4096)));
    child.stdin!.on('error', () => {});
    conn.onData((b) => child.stdin!.write(b));
    // the client ending its side ends ours towards the port; the connection stays open for the answer
    conn.onEnd(() => child.stdin!.end());
    child.on('close', (code) => {
      children.delete(child);
      if (code) conn.error(`error forwarding port ${conn.port} to pod ${sandboxId}: ${stderr.trim() || `exit ${code}`}`);
      conn.end();
    });
  });
  session.onClose(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });
}
