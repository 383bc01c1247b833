// Registry answers that are read whole (manifests, configs, tokens, error bodies) are read up to a
// limit: a registry that sends a never-ending or huge body must not fill the daemon's memory. The
// limits are what registries themselves accept (4 MiB manifests, as distribution's and containerd's)
// or far beyond any real answer.

/** distribution's (and containerd's) ceiling for a manifest or index */
export const MAX_MANIFEST_BYTES = 4 << 20;
/** an image config: no registry limit, but none of this size exists (100,000 layers are ~10 MB) */
export const MAX_CONFIG_BYTES = 64 << 20;
/** a token answer (containers/image's limit) or an error body */
export const MAX_SMALL_BODY_BYTES = 1 << 20;

export class BodyTooLargeError extends Error {}

/** The body's bytes; throws BodyTooLargeError (and stops reading) once more than `limit` arrive. */
export async function readAtMost(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null, limit: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let n = 0;
  const it = (Symbol.asyncIterator in body ? body : (body as ReadableStream<Uint8Array>).values()) as AsyncIterable<Uint8Array>;
  for await (const c of it) {
    n += c.byteLength;
    // (leaving the loop cancels the stream and closes the connection)
    if (n > limit) throw new BodyTooLargeError(`more than ${limit} bytes`);
    chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  }
  return Buffer.concat(chunks, n);
}
