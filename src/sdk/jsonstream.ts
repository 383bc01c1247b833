// Streams of JSON messages (events, stats, pull/push/load/build progress). The daemon writes one
// JSON object after another, normally newline-separated; like Go's json.Decoder we also accept
// objects that are merely concatenated, and objects split across chunks.
import type { Readable } from 'node:stream';

/** Incremental splitter: feed text, get back each complete top-level JSON value's text. */
export class JsonSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  feed(text: string): string[] {
    const out: string[] = [];
    this.buf += text;
    const s = this.buf;
    let i = this.scanned;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (c === 34) {
        this.inString = true;
        continue;
      }
      if (c === 123 /* { */ || c === 91 /* [ */) {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          out.push(s.slice(this.start, i + 1));
          this.start = -1;
        }
      }
    }
    // Keep only the unfinished tail.
    if (this.depth === 0) {
      this.buf = '';
      this.scanned = 0;
      this.start = -1;
    } else {
      this.buf = s.slice(this.start);
      this.start = 0;
      this.scanned = this.buf.length;
    }
    return out;
  }

  /** Whatever is left when the stream ends (non-empty means a truncated message). */
  rest(): string {
    return this.buf.trim();
  }
}

/**
 * Parses one message. Event timestamps in nanoseconds do not fit a double, so the exact digits of
 * a top-level "timeNano" are kept as a non-enumerable `timeNanoText` property.
 */
export function parseMessage<T = unknown>(text: string): T {
  if (!text.includes('"timeNano"')) return JSON.parse(text) as T;
  let exact: string | undefined;
  const v = JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: { source?: string }) {
    if (key === 'timeNano' && context?.source) exact = context.source;
    return value;
  });
  if (exact && v && typeof v === 'object') Object.defineProperty(v, 'timeNanoText', { value: exact, enumerable: false });
  return v as T;
}

/** Async iterator over the JSON messages of a response stream. */
export async function* jsonMessages<T = unknown>(src: Readable): AsyncGenerator<T> {
  const splitter = new JsonSplitter();
  src.setEncoding('utf8');
  for await (const chunk of src as AsyncIterable<string>) {
    for (const text of splitter.feed(chunk)) yield parseMessage<T>(text);
  }
}
