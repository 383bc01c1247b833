// Reading JSON request bodies with limits: a bounded size (read incrementally, never more than the
// limit held in memory), a bounded nesting depth (checked before JSON.parse builds anything), and
// errors worded as Go's decoder words them in dockerd, never a JavaScript error text.
import { invalidParameter } from '../errdefs.ts';

/** No Engine API JSON body comes near this; an image config with thousands of Env entries is < 1 MiB. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;
/**
 * Go's decoder refuses nesting deeper than 10000 ("exceeded max depth"). Berth stores records as
 * JSON with V8's recursive JSON.stringify, which overflows its stack near that depth, so Berth
 * refuses deeper than 1000; real bodies nest fewer than 10 levels.
 */
export const MAX_JSON_DEPTH = 1000;

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

const quoteChar = (c: string) => (c === "'" ? `'\\''` : c === '"' ? `'"'` : /[\x20-\x7e]/.test(c) ? `'${c}'` : JSON.stringify(c));

/** The first byte where nesting gets deeper than `max`, or -1 (strings are skipped). */
export function depthExceededAt(text: string, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}

/** Parse a JSON body; syntax errors and excessive nesting are 400s worded as Go's decoder. */
export function parseJson(text: string): unknown {
  const deep = depthExceededAt(text);
  if (deep >= 0) throw invalidParameter(`invalid character ${quoteChar(text[deep]!)} exceeded max depth`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidParameter(syntaxMessage(text, (e as Error).message));
  }
}

/** Go-style wording for a JSON syntax error, from V8's message (which names the position). */
function syntaxMessage(text: string, v8: string): string {
  if (/end of (JSON )?input|Unterminated string/i.test(v8)) return 'unexpected EOF';
  const m = /position (\d+)/.exec(v8);
  const pos = m ? Number(m[1]) : text.search(/\S/);
  const c = text[pos];
  if (c === undefined) return 'unexpected EOF';
  return `invalid character ${quoteChar(c)} ${pos === text.search(/\S/) ? 'looking for beginning of value' : `at offset ${pos + 1}`}`;
}
