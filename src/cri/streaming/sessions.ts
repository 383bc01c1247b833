// What the streaming server's handlers see of a client, whatever its transport: exec and attach get
// the numbered channels of the Kubernetes remote-command protocol, port-forward gets one forwarded
// connection per port. The websocket adapters are here; the SPDY ones in spdy-sessions.ts.
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';

/** 0 stdin, 1 stdout, 2 stderr, 3 the final status (a metav1.Status as JSON), 4 terminal resizes */
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;

export interface ChannelSession {
  send(channel: number, data: Buffer | string): void;
  /** stdin data, and resizes (one `{"Width":..,"Height":..}` per call) */
  onMessage(cb: (channel: number, data: Buffer) => void): void;
  /** the client ended its stdin (SPDY's half-close; v4 websocket has no way to say so) */
  onStdinEnd(cb: () => void): void;
  onClose(cb: () => void): void;
  readonly open: boolean;
  /** the session is over: after the status */
  close(): void;
}

/** Which streams a remote command has, from the CRI request (the client must open those over SPDY). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ForwardedConnection {
  readonly port: number;
  write(data: Buffer): void;
  onData(cb: (data: Buffer) => void): void;
  /** the client stopped sending, or went away */
  onEnd(cb: () => void): void;
  /** a message on the connection's error stream */
  error(message: string): void;
  /** the forwarded connection is over */
  end(): void;
}

export interface PortForwardSession {
  onConnection(cb: (c: ForwardedConnection) => void): void;
  onClose(cb: () => void): void;
}

export type SessionHandler = { kind: 'exec' | 'attach'; streams: StreamOptions; serve: (s: ChannelSession) => void } | { kind: 'portforward'; serve: (s: PortForwardSession) => void };

/** v4.channel.k8s.io over websocket: the first byte of each binary message is the channel. */
export function websocketChannels(ws: WebSocket): ChannelSession {
  return {
    send: (ch, data) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([ch]), Buffer.isBuffer(data) ? data : Buffer.from(data)])),
    onMessage: (cb) =>
      ws.on('message', (m: Buffer, isBinary: boolean) => {
        if (isBinary && m.length >= 1) cb(m[0]!, m.subarray(1));
      }),
    onStdinEnd: () => {},
    onClose: (cb) => ws.on('close', cb),
    get open() {
      return ws.readyState === ws.OPEN;
    },
    close: () => ws.close(1000),
  };
}

/** Port-forward over websocket: each `port` of the query gets a data channel (2i) and an error channel
 * (2i+1), both opened with the port number (uint16, little endian), as the kubelet's library does;
 * the socket closes when every forwarded connection is over. */
export function websocketPortForward(ws: WebSocket, req: IncomingMessage): PortForwardSession {
  const ports = new URL(req.url ?? '/', 'http://x').searchParams.getAll('port').map(Number);
  const send = (ch: number, data: Buffer) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([ch]), data]));
  return {
    onConnection(cb) {
      if (!ports.length || ports.some((p) => !(p > 0 && p < 65536))) {
        ws.close(1008, 'query parameter "port" is required: 1-65535');
        return;
      }
      const dataCbs: Array<(b: Buffer) => void> = [];
      const endCbs: Array<() => void> = [];
      const done = ports.map(() => false);
      ws.on('message', (m: Buffer, isBinary: boolean) => {
        if (isBinary && m.length >= 1 && m[0]! % 2 === 0) dataCbs[m[0]! / 2]?.(m.subarray(1));
      });
      ws.on('close', () => endCbs.forEach((f) => f()));
      ports.forEach((port, i) => {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16LE(port);
        send(2 * i, prefix);
        send(2 * i + 1, prefix);
        cb({
          port,
          write: (b) => send(2 * i, b),
          onData: (f) => (dataCbs[i] = f),
          onEnd: (f) => void endCbs.push(f),
          error: (msg) => send(2 * i + 1, Buffer.from(msg)),
          end: () => {
            done[i] = true;
            if (done.every(Boolean)) ws.close(1000);
          },
        });
      });
    },
    onClose: (cb) => ws.on('close', cb),
  };
}

/** Where a session's client input goes once the process is there. */
export interface InputTarget {
  write(data: Buffer): void;
  resize(height: number, width: number): void;
  endStdin(): void;
}

/**
 * The client's input of an exec or attach session: what it sends before the process exists (stdin,
 * resizes, the end of stdin) is held, then delivered in order once `connect` names the process.
 * Stdin is passed only when the session asked for it, resizes only with a terminal; a malformed
 * resize is dropped, as the kubelet's library drops it.
 */
export function holdInput(ws: ChannelSession, o: { stdin: boolean; tty: boolean }): { connect(target: InputTarget): void } {
  const early: Array<[number, Buffer]> = [];
  let deliver = (ch: number, m: Buffer) => void early.push([ch, m]);
  let stdinEnded = false;
  let endStdin: () => void = () => void (stdinEnded = true);
  ws.onMessage((ch, m) => deliver(ch, m));
  ws.onStdinEnd(() => endStdin());
  return {
    connect(target) {
      deliver = (ch, m) => {
        if (ch === STDIN && o.stdin) target.write(m);
        else if (ch === RESIZE && o.tty) {
          try {
            const { Width, Height } = JSON.parse(m.toString('utf8')) as { Width: number; Height: number };
            target.resize(Height, Width);
          } catch {
            /* a malformed resize is dropped */
          }
        }
      };
      for (const [ch, m] of early.splice(0)) deliver(ch, m);
      endStdin = () => target.endStdin();
      if (stdinEnded) endStdin();
    },
  };
}
