// A request body the handler did not read to its end (an error answered half-way through a build
// context or an image archive, a body an endpoint has no use for). Go's net/http server, dockerd's,
// reads on up to 256 KiB of it after the handler, so that the connection can carry the next request,
// and closes the connection when more is left: the client's upload then fails at once instead of
// stalling, with its answer already in hand. Node's own server reads every byte of a body nobody
// started to read, but none of one a handler began and left: the client's upload then hangs.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Go's maxPostHandlerReadBytes (also what an early answer waits for: context.ts) */
export const READ_ON_BYTES = 256 * 1024;
/** Go's rstAvoidanceDelay: the client gets this long to read the answer before the close */
const LINGER_MS = 500;

/** Watch `res`: once it is sent, what `req` still has is read on or the connection closed (see above). */
export function settleUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.complete || req.destroyed) return;
    let left = READ_ON_BYTES;
    const close = () => {
      const socket = req.socket;
      if (socket.destroyed) return;
      // our side ends after the answer; the client's upload fails with the connection once it has read it
      socket.end();
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
    // an abandoned reader (an async iterator's 'readable' listener) would keep the body paused
    req.removeAllListeners('readable');
    req.removeAllListeners('data');
    req.on('data', (c: Buffer) => {
      left -= c.length;
      if (left < 0) {
        req.removeAllListeners('data');
        req.pause();
        close();
      }
    });
    req.resume();
  });
}
