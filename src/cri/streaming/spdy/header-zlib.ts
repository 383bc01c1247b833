// SPDY/3 header block compression (§2.6.10.1): one zlib stream per direction for the whole
// connection, primed with the protocol's fixed dictionary, each block ended by a sync flush so the
// peer can inflate it at once. The contexts are stateful, so blocks are (de)compressed strictly in
// the order their frames are written or read: each call is chained after the previous one.
import zlib from 'node:zlib';
import { decodeHeaderBlock, encodeHeaderBlock, type Headers } from './frames.ts';

// The dictionary (§2.6.10.1): each word with a 32-bit big-endian length before it, then a tail of
// status lines, dates and content types as one string. Its sha256 is checked by the unit tests.
const WORDS =
  'options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow authorization cache-control connection content-base content-encoding content-language content-length content-location content-md5 content-range content-type date etag expect expires from host if-match if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate method get status|200 OK|version HTTP/1.1 url public set-cookie keep-alive origin';
const TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found' +
  '500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,' +
  'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const HEADER_DICTIONARY: Buffer = Buffer.concat([
  // words are separated by spaces, except around "200 OK" (one word with a space in it)
  ...WORDS.split(/ (?!OK)|\|/).flatMap((w) => {
      const n = Buffer.alloc(4);
      n.writeUInt32BE(w.length);
      return [n, Buffer.from(w)];
    }),
  Buffer.from(TAIL),
]);

/** Runs zlib over successive blocks of one stream, each ended with a sync flush. */
class Flusher {
  private readonly out: Buffer[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  private readonly z: zlib.Deflate | zlib.Inflate;

  constructor(z: zlib.Deflate | zlib.Inflate) {
    this.z = z;
    z.on('data', (b: Buffer) => this.out.push(b));
    // an error (a corrupt block from the peer) fails the pending call; the connection then ends
    z.on('error', () => {});
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const onError = (err: Error) => reject(err);
          this.z.once('error', onError);
          this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.z.off('error', onError);
            resolve(Buffer.concat(this.out.splice(0)));
          });
        }),
    );
    this.chain = next.catch(() => {});
    return next;
  }

  close(): void {
    this.z.close();
  }
}

export class HeaderCompressor {
  private readonly f = new Flusher(zlib.createDeflate({ dictionary: HEADER_DICTIONARY, level: zlib.constants.Z_BEST_COMPRESSION }));
  compress(h: Headers): Promise<Buffer> {
    return this.f.run(encodeHeaderBlock(h));
  }
  close(): void {
    this.f.close();
  }
}

export class HeaderDecompressor {
  private readonly f = new Flusher(zlib.createInflate({ dictionary: HEADER_DICTIONARY }));
  async decompress(block: Buffer): Promise<Headers> {
    return decodeHeaderBlock(await this.f.run(block));
  }
  close(): void {
    this.f.close();
  }
}
