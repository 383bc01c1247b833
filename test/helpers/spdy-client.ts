// A SPDY/3.1 client for the Kubernetes streaming protocols, as client-go's SPDY executor and
// port-forwarder speak them (the transport kubectl exec/attach/port-forward reach the kubelet with),
// on Berth's own SPDY framer. It keeps flow control (SETTINGS INITIAL_WINDOW_SIZE, then
// WINDOW_UPDATE as it reads), which client-go does not, so a server's windows are exercised too.
//
//   const r = await spdyExec(url, { stdout: true, stderr: true });   // r.stdout, r.stderr, r.error
//   const pf = await spdyPortForward(url); const { data } = await pf.forward(8080, 'hi\n');
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdyConnection, type SpdyStream } from '../../src/cri/streaming/spdy/connection.ts';
import { DEFAULT_WINDOW, SETTINGS_INITIAL_WINDOW_SIZE } from '../../src/cri/streaming/spdy/frames.ts';

export class UpgradeRefused extends Error {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  constructor(status: number, body: string, headers: http.IncomingHttpHeaders) {
    super(`upgrade refused: ${status} ${body.trim()}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** POST to a streaming URL with `Upgrade: SPDY/3.1`, offering `protocols` (most preferred first). */
export function spdyConnect(url: string, protocols: string[]): Promise<{ conn: SpdyConnection; protocol: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'Content-Length': '0' };
    if (protocols.length) headers['X-Stream-Protocol-Version'] = protocols;
    const req = http.request(url, { method: 'POST', headers });
    req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const conn = new SpdyConnection(socket, { server: false, head });
      conn.settings([{ id: SETTINGS_INITIAL_WINDOW_SIZE, value: DEFAULT_WINDOW }]);
      resolve({ conn, protocol: String(res.headers['x-stream-protocol-version'] ?? '') });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body, res.headers)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Everything a stream brings until the peer ends it (FIN, reset, or the connection closing). */
function collect(s: SpdyStream): { text: () => string; bytes: () => Buffer; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  s.onData((b) => chunks.push(Buffer.from(b)));
  const ended = new Promise<void>((resolve) => s.onEnd(() => resolve()));
  return { bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString('utf8'), ended };
}

/** Open a stream and wait for its SYN_REPLY, as client-go's CreateStream does. */
async function openStream(conn: SpdyConnection, headers: Record<string, string>): Promise<SpdyStream> {
  const s = conn.open(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])));
  await s.replied;
  return s;
}

export interface ExecResult {
  protocol: string;
  stdout: string;
  stderr: string;
  /** what the error stream carried: a metav1.Status as JSON with v4, a failure's message before */
  error: string;
}

/** Run an exec or attach session: streams opened in client-go's order (error, stdin, stdout, stderr,
 * resize), stdin written and half-closed (unless `keepStdinOpen`), until the error stream ends. */
export async function spdyExec(
  url: string,
  o: { stdin?: string; stdout?: boolean; stderr?: boolean; tty?: boolean; resize?: { Width: number; Height: number }; protocols?: string[]; until?: (r: ExecResult) => boolean; keepStdinOpen?: boolean },
): Promise<ExecResult> {
  const { conn, protocol } = await spdyConnect(url, o.protocols ?? ['v4.channel.k8s.io']);
  try {
    const error = collect(await openStream(conn, { streamType: 'error' }));
    const stdin = o.stdin !== undefined ? await openStream(conn, { streamType: 'stdin' }) : undefined;
    const stdout = o.stdout ? collect(await openStream(conn, { streamType: 'stdout' })) : undefined;
    const stderr = o.stderr ? collect(await openStream(conn, { streamType: 'stderr' })) : undefined;
    if (o.tty && protocol !== 'v2.channel.k8s.io' && protocol !== 'channel.k8s.io') {
      const resize = await openStream(conn, { streamType: 'resize' });
      if (o.resize) resize.write(JSON.stringify(o.resize) + '\n');
    }
    if (stdin) {
      stdin.write(o.stdin!);
      if (!o.keepStdinOpen) stdin.end();
    }
    const result = (): ExecResult => ({ protocol, stdout: stdout?.text() ?? '', stderr: stderr?.text() ?? '', error: error.text() });
    if (o.until) {
      for (const deadline = Date.now() + 15_000; Date.now() < deadline && !o.until(result()); ) await new Promise((r) => setTimeout(r, 100));
      return result();
    }
    await error.ended;
    await Promise.all([stdout?.ended, stderr?.ended]);
    return result();
  } finally {
    conn.destroy();
  }
}

export interface PortForwarder {
  protocol: string;
  /** One forwarded connection, as kubectl port-forward makes for each local one: an error stream
   * (half-closed at once) and a data stream with `send` written, read until the server ends it. */
  forward(port: number, send: string, requestId?: number): Promise<{ data: Buffer; error: string }>;
  close(): void;
}

export async function spdyPortForward(url: string): Promise<PortForwarder> {
  const { conn, protocol } = await spdyConnect(url, ['portforward.k8s.io']);
  let next = 0;
  return {
    protocol,
    async forward(port, send, requestId = next++) {
      const h = { port: String(port), requestID: String(requestId) };
      const errorStream = await openStream(conn, { streamType: 'error', ...h });
      errorStream.end();
      const error = collect(errorStream);
      const dataStream = await openStream(conn, { streamType: 'data', ...h });
      const data = collect(dataStream);
      dataStream.write(send);
      await data.ended;
      await Promise.race([error.ended, new Promise((r) => setTimeout(r, 1000))]);
      return { data: data.bytes(), error: error.text() };
    },
    close: () => conn.destroy(),
  };
}
