// PortForward over the streaming server: each `port` of the websocket's query gets a data channel
// (2i) and an error channel (2i+1), both opened with the port number (uint16, little endian), as the
// kubelet's streaming library does. The connection is made inside the pod's network namespace, to
// 127.0.0.1:PORT there, by the host's static busybox `nc` run under nsenter (a Node process cannot
// enter another network namespace itself).
import { spawn } from 'node:child_process';
import type { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { ContainerService } from '../../engine/containers/service.ts';
import { conflict } from '../../errdefs.ts';
import { getCri } from '../lookup.ts';
import { BUSYBOX } from '../pause-image.ts';
import type { Handlers } from '../server.ts';
import type { StreamingServer } from './server.ts';

export function portForwardHandlers(d: { containers: ContainerService; streaming: StreamingServer }): Handlers {
  return {
    PortForward(req) {
      const sb = getCri(d.containers, 'sandbox', String(req.pod_sandbox_id ?? ''));
      if (!sb.State.Running || !sb.State.Pid) throw conflict(`sandbox ${sb.Id} is not running`);
      return { url: d.streaming.url('portforward', (ws, httpReq) => serve(d.containers, sb.Id, ws, httpReq)) };
    },
  };
}

function serve(containers: ContainerService, sandboxId: string, ws: WebSocket, req: IncomingMessage): void {
  const ports = new URL(req.url ?? '/', 'http://x').searchParams.getAll('port').map(Number);
  const send = (ch: number, data: Buffer) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([ch]), data]));
  if (!ports.length || ports.some((p) => !(p > 0 && p < 65536))) {
    ws.close(1008, 'query parameter "port" is required: 1-65535');
    return;
  }
  const pid = containers.find(sandboxId)?.State.Pid;
  const children = ports.map((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    const child = spawn('nsenter', [`--net=/proc/${pid}/ns/net`, BUSYBOX, 'nc', '127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => send(2 * i, b));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()).length > 4096 && (stderr = stderr.slice(-4096)));
    child.stdin.on('error', () => {});
    child.on('exit', (code) => {
      if (code) send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${sandboxId}: ${stderr.trim() || `exit ${code}`}`));
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) ws.close(1000);
    });
    return child;
  });
  ws.on('message', (m: Buffer, isBinary: boolean) => {
    if (!isBinary || m.length < 1 || m[0]! % 2 !== 0) return;
    children[m[0]! / 2]?.stdin.write(m.subarray(1));
  });
  ws.on('close', () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });
}
