// DNS over TCP for the embedded DNS: each message goes with its length in 2 bytes before it (RFC 1035
// 4.2.2). dockerd's resolver listens on TCP beside UDP and forwards a query that came over TCP over
// TCP (a client retries there when a UDP answer was truncated, so the full answer must come back).
import net from 'node:net';

/** how long an idle client connection is kept, and how long an upstream server has for its answer */
const IDLE_MS = 10_000;
const UPSTREAM_TIMEOUT_MS = 2000;

/** Splits a TCP stream into DNS messages; `onMessage` gets each whole one. */
function framed(sock: net.Socket, onMessage: (msg: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const msg = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      buf = buf.subarray(2 + msg.length);
      onMessage(msg);
    }
  });
}

function withLength(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/**
 * Serves DNS over TCP on `server`: every message of a connection is answered by `reply` (given the
 * client's address; undefined: no answer) on that connection. Returns the open connections (to close with the server).
 */
export function serveTcp(server: net.Server, reply: (msg: Buffer, client: string) => Promise<Buffer | undefined>, onError: (e: Error) => void): Set<net.Socket> {
  const conns = new Set<net.Socket>();
  // a client may send its query and close its side at once (nc does): the answers still go back, and
  // the connection ends after the last of them (node would end it with the client's half otherwise).
  // (Set on the server rather than at its creation: the embedded resolver's server is made in the
  // container's namespace by another process and handed over.)
  (server as net.Server & { allowHalfOpen: boolean }).allowHalfOpen = true;
  server.on('connection', (c) => {
    conns.add(c);
    let pending = 0;
    let clientDone = false;
    const endIfDone = () => clientDone && pending === 0 && c.end();
    c.on('end', () => {
      clientDone = true;
      endIfDone();
    });
    c.on('close', () => conns.delete(c));
    c.on('error', () => c.destroy());
    c.setTimeout(IDLE_MS, () => c.destroy());
    framed(c, (msg) => {
      pending++;
      void reply(msg, c.remoteAddress?.replace(/^::ffff:/, '') ?? '')
        .then((res) => {
          if (res && !c.destroyed) c.write(withLength(res));
        }, onError)
        .finally(() => {
          pending--;
          endIfDone();
        });
    });
  });
  return conns;
}

/** One query to one server over TCP: its answer, or undefined when it cannot be reached or is silent. */
export function askOverTcp(msg: Buffer, server: string, port = 53, timeoutMs = UPSTREAM_TIMEOUT_MS): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const c = net.connect({ host: server, port });
    const done = (b: Buffer | undefined) => {
      clearTimeout(timer);
      c.destroy();
      resolve(b);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    c.on('error', () => done(undefined));
    c.on('close', () => done(undefined));
    framed(c, (res) => done(res));
    c.write(withLength(msg));
  });
}
