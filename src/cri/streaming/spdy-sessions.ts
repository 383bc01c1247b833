// The streaming server's SPDY/3.1 side, as the kubelet's streaming library serves it (and kubectl,
// the apiserver and containerd speak it): the upgrade with X-Stream-Protocol-Version negotiation,
// then streams the client opens, named by their `streamType` header. Exec and attach wait for one
// stream per option of the CRI request (error, stdin, stdout, stderr, resize with a tty); port-forward
// pairs a `data` and an `error` stream by their `requestID`, for the `port` they name.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdyConnection, type SpdyStream } from './spdy/connection.ts';
import { RST } from './spdy/frames.ts';
import { ERROR, RESIZE, STDERR, STDIN, STDOUT, type ChannelSession, type ForwardedConnection, type PortForwardSession, type SessionHandler } from './sessions.ts';
import { log } from '../../util/log.ts';

/** remote-command protocols over SPDY, most preferred first (v5 is websocket only) */
export const REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
export const PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'];
/** how long the client has to open its streams (the kubelet's streamCreationTimeout) */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export const isSpdyUpgrade = (req: IncomingMessage) => String(req.headers.upgrade ?? '').toLowerCase().includes('spdy/3.1');

function refuse(socket: Duplex, status: string, message: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n${extra}\r\n${message}\n`);
}

/** Upgrade `req` to SPDY/3.1 and serve the handler on it; the connection, unless the upgrade is refused. */
export function serveSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, h: SessionHandler): SpdyConnection | undefined {
  if (!String(req.headers.connection ?? '').toLowerCase().includes('upgrade')) {
    refuse(socket, '400 Bad Request', 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  const server = h.kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
  const offered = String(req.headers['x-stream-protocol-version'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!offered.length) {
    refuse(socket, '400 Bad Request', 'unable to upgrade: X-Stream-Protocol-Version is required');
    return undefined;
  }
  const protocol = offered.find((p) => server.includes(p));
  if (!protocol) {
    refuse(socket, '403 Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${server.join(' ')}]`, server.map((p) => `X-Accepted-Stream-Protocol-Versions: ${p}\r\n`).join(''));
    return undefined;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  const conn = new SpdyConnection(socket, { server: true, head });
  if (h.kind === 'portforward') h.serve(spdyPortForward(conn));
  else waitForStreams(conn, protocol, h.streams, h.serve);
  return conn;
}

function waitForStreams(conn: SpdyConnection, protocol: string, o: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }, serve: (s: ChannelSession) => void): void {
  const resize = o.tty && (protocol === 'v4.channel.k8s.io' || protocol === 'v3.channel.k8s.io');
  const expected = 1 + +o.stdin + +o.stdout + +o.stderr + +resize;
  const streams: Record<string, SpdyStream> = {};
  let received = 0;
  const timer = setTimeout(() => {
    log.debug(`CRI streaming: timed out waiting for the client to create streams (${received} of ${expected})`);
    conn.destroy();
  }, STREAM_CREATION_TIMEOUT_MS);
  conn.onClose(() => clearTimeout(timer));
  conn.onStream((s) => {
    const type = s.header('streamType') ?? '';
    conn.reply(s);
    // a stream of another type is accepted and left unused, as the kubelet does
    if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type) || streams[type]) return;
    streams[type] = s;
    if (++received < expected) return;
    clearTimeout(timer);
    conn.onStream((late) => late.reset(RST.REFUSED_STREAM));
    serve(spdyChannels(conn, protocol, streams));
  });
}

function spdyChannels(conn: SpdyConnection, protocol: string, streams: Record<string, SpdyStream>): ChannelSession {
  const out: Record<number, SpdyStream | undefined> = { [STDOUT]: streams.stdout, [STDERR]: streams.stderr, [ERROR]: streams.error };
  return {
    send(ch, data) {
      const s = out[ch];
      if (!s) return;
      if (ch === ERROR && protocol !== 'v4.channel.k8s.io') {
        // before v4 the error stream carries the message of a failure, and nothing on success
        const st = JSON.parse(String(data)) as { status?: string; message?: string };
        if (st.status !== 'Success') s.write(st.message ?? 'unknown error');
        return;
      }
      s.write(data);
    },
    onMessage(cb) {
      streams.stdin?.onData((b) => cb(STDIN, b));
      // resizes are a stream of JSON objects, one per line as Go's json.Encoder writes them
      let partial = '';
      streams.resize?.onData((b) => {
        const lines = (partial + b.toString('utf8')).split('\n');
        partial = lines.pop()!;
        for (const l of lines) if (l.trim()) cb(RESIZE, Buffer.from(l));
      });
    },
    onStdinEnd: (cb) => streams.stdin?.onEnd(() => cb()),
    onClose: (cb) => conn.onClose(cb),
    get open() {
      return !conn.isClosed;
    },
    close() {
      for (const s of Object.values(out)) s?.end();
      conn.close();
    },
  };
}

function spdyPortForward(conn: SpdyConnection): PortForwardSession {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  return {
    onConnection(cb) {
      conn.onStream((s) => {
        const portText = s.header('port') ?? '';
        const port = Number(portText);
        const type = s.header('streamType') ?? '';
        // streams without a valid port or type are reset (CANCEL), as the kubelet's library resets them
        if (!/^\d+$/.test(portText) || !(port >= 1 && port <= 65535) || (type !== 'data' && type !== 'error')) {
          s.reset(RST.CANCEL);
          return;
        }
        conn.reply(s);
        // clients before requestID pair a connection's streams by consecutive ids (error, then data)
        const requestId = s.header('requestID') ?? String(type === 'error' ? s.id : s.id - 2);
        let p = pairs.get(requestId);
        if (!p) {
          const timer = setTimeout(() => {
            pairs.get(requestId)?.error?.write(`timed out waiting for streams of request ${requestId}`);
            pairs.delete(requestId);
          }, STREAM_CREATION_TIMEOUT_MS);
          pairs.set(requestId, (p = { timer }));
        }
        if (p[type as 'data' | 'error']) {
          p.error?.write(`error processing stream for request ${requestId}: ${type} stream already assigned`);
          return;
        }
        p[type as 'data' | 'error'] = s;
        if (!p.data || !p.error) return;
        clearTimeout(p.timer);
        pairs.delete(requestId);
        const { data, error } = p as { data: SpdyStream; error: SpdyStream };
        const fc: ForwardedConnection = {
          port,
          write: (b) => data.write(b),
          onData: (f) => data.onData(f),
          onEnd: (f) => data.onEnd(() => f()),
          error: (msg) => error.write(msg),
          end: () => {
            data.end();
            error.end();
          },
        };
        cb(fc);
      });
    },
    onClose: (cb) => conn.onClose(cb),
  };
}
