// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 §2.2, §2.6, the "SPDY/3.1" the Kubernetes streaming
// protocols upgrade to): npm's only SPDY package, spdy-transport, is unmaintained since 2018, so Berth
// has its own small framer. Frames are encoded and decoded here without their header blocks'
// compression (see header-zlib.ts): a decoded SYN_STREAM, SYN_REPLY or HEADERS carries the block's
// compressed bytes, which the connection inflates in frame order (one zlib context per direction).

export const VERSION = 3;

export const Type = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
type T = typeof Type;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (§2.6.3) */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5, INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9 } as const;
/** GOAWAY status codes (§2.6.6) */
export const GOAWAY = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;
/** SETTINGS ids (§2.6.4) this implementation reads */
export const SETTINGS_MAX_CONCURRENT_STREAMS = 4;
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;
/** the window every stream and the session start with (§2.6.8) */
export const DEFAULT_WINDOW = 64 * 1024;
/** a frame's length field is 24 bits; the framer refuses larger frames than this */
export const MAX_FRAME = 0xffffff;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: T['SYN_STREAM']; flags: number; streamId: number; associatedId: number; priority: number; block: Buffer }
  | { type: T['SYN_REPLY'] | T['HEADERS']; flags: number; streamId: number; block: Buffer }
  | { type: T['RST_STREAM']; flags: number; streamId: number; status: number }
  | { type: T['SETTINGS']; flags: number; settings: Array<{ flags: number; id: number; value: number }> }
  | { type: T['PING']; flags: number; id: number }
  | { type: T['GOAWAY']; flags: number; lastGoodStreamId: number; status: number }
  | { type: T['WINDOW_UPDATE']; flags: number; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; version: number; flags: number };

export class ProtocolError extends Error {}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

const u32 = (...v: number[]) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i));
  return b;
};

/** Encode a frame; SYN_STREAM, SYN_REPLY and HEADERS take their block already compressed. */
export function encode(f: Exclude<Frame, { type: 'unknown' }>): Buffer {
  switch (f.type) {
    case 'data': {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24) | f.data.length, 4);
      return Buffer.concat([h, f.data]);
    }
    case Type.SYN_STREAM: {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      p.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      p[8] = (f.priority & 7) << 5; // then 8 bits of slot, unused here
      return control(f.type, f.flags, Buffer.concat([p, f.block]));
    }
    case Type.SYN_REPLY:
    case Type.HEADERS:
      return control(f.type, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), f.block]));
    case Type.RST_STREAM:
      return control(f.type, 0, u32(f.streamId & 0x7fffffff, f.status));
    case Type.SETTINGS:
      return control(f.type, f.flags, Buffer.concat([u32(f.settings.length), ...f.settings.map((s) => u32(((s.flags & 0xff) << 24) | (s.id & 0xffffff), s.value))]));
    case Type.PING:
      return control(f.type, 0, u32(f.id));
    case Type.GOAWAY:
      return control(f.type, 0, u32(f.lastGoodStreamId & 0x7fffffff, f.status));
    case Type.WINDOW_UPDATE:
      return control(f.type, 0, u32(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
  }
}

/** Split a byte stream into frames; `push` returns the frames complete so far. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      out.push(decode(this.buf.subarray(0, 8 + len)));
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

/** Decode one whole frame (8 bytes of header and its payload). */
export function decode(b: Buffer): Frame {
  const first = b.readUInt32BE(0);
  const flags = b[4]!;
  const p = b.subarray(8, 8 + (b.readUInt32BE(4) & 0xffffff));
  if (!(first & 0x80000000)) {
    const streamId = first & 0x7fffffff;
    if (!streamId) throw new ProtocolError('DATA frame on stream 0');
    return { type: 'data', streamId, flags, data: p };
  }
  const version = (first >>> 16) & 0x7fff;
  const type = first & 0xffff;
  if (version !== VERSION) return { type: 'unknown', frameType: type, version, flags };
  const need = (n: number) => {
    if (p.length < n) throw new ProtocolError(`control frame ${type} too short (${p.length} bytes)`);
  };
  const sid = (off: number) => p.readUInt32BE(off) & 0x7fffffff;
  switch (type) {
    case Type.SYN_STREAM:
      need(10);
      return { type, flags, streamId: sid(0), associatedId: sid(4), priority: p[8]! >> 5, block: p.subarray(10) };
    case Type.SYN_REPLY:
    case Type.HEADERS:
      need(4);
      return { type, flags, streamId: sid(0), block: p.subarray(4) };
    case Type.RST_STREAM:
      need(8);
      return { type, flags, streamId: sid(0), status: p.readUInt32BE(4) };
    case Type.SETTINGS: {
      need(4);
      const n = p.readUInt32BE(0);
      need(4 + 8 * n);
      const settings = Array.from({ length: n }, (_, i) => ({ flags: p[4 + 8 * i]!, id: p.readUInt32BE(4 + 8 * i) & 0xffffff, value: p.readUInt32BE(8 + 8 * i) }));
      return { type, flags, settings };
    }
    case Type.PING:
      need(4);
      return { type, flags, id: p.readUInt32BE(0) };
    case Type.GOAWAY:
      need(8);
      return { type, flags, lastGoodStreamId: sid(0), status: p.readUInt32BE(4) };
    case Type.WINDOW_UPDATE:
      need(8);
      return { type, flags, streamId: sid(0), delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      // unknown control frame types are ignored (§2.2.1)
      return { type: 'unknown', frameType: type, version, flags };
  }
}

/** A header block before compression (§2.6.10): lowercase names; several values of one name are
 * joined by NUL. */
export type Headers = Record<string, string[]>;

export function encodeHeaderBlock(h: Headers): Buffer {
  const entries = Object.entries(h);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(values.join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): Headers {
  let off = 0;
  const take = (n: number) => {
    if (off + n > b.length) throw new ProtocolError('header block truncated');
    const s = b.subarray(off, off + n);
    off += n;
    return s;
  };
  const count = take(4).readUInt32BE(0);
  const h: Headers = {};
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString('latin1').toLowerCase();
    const value = take(take(4).readUInt32BE(0)).toString('latin1');
    (h[name] ??= []).push(...value.split('\0'));
  }
  return h;
}
