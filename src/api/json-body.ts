// Reading JSON request bodies with limits: a bounded size (read incrementally, never more than the
// limit held in memory), a bounded nesting depth (checked before JSON.parse builds anything), and
// errors worded as Go's decoder words them in dockerd, never a JavaScript error text.
import { invalidParameter } from '../errdefs.ts';

// (the JSON text's own checks are util/go-json.ts's, shared with the image store's configs)
export { MAX_JSON_DEPTH, depthExceededAt, parseJson } from '../util/go-json.ts';

/** No Engine API JSON body comes near this; an image config with thousands of Env entries is < 1 MiB. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

/**
 * The whole body, up to `limit` bytes. A longer body is read to its end and dropped (answering
 * while the client still sends would leave it with a broken pipe instead of the 400).
 */
export function readBounded(stream: NodeJS.ReadableStream, limit = MAX_JSON_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else chunks.length = 0;
    });
    let ended = false;
    stream.on('end', () => {
      ended = true;
      if (size > limit) reject(invalidParameter(`request body is too large: more than ${limit} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    // a client that closes the connection before the body's end: an error of its request (not an
    // untyped 500 with a stack in the log), and never a wait for an 'end' that will not come
    const cut = () => invalidParameter('the request body ended early: the client closed the connection');
    stream.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ECONNRESET' ? cut() : e));
    stream.on('close', () => {
      if (!ended) reject(cut());
    });
    if ((stream as { destroyed?: boolean }).destroyed) reject(cut());
  });
}
