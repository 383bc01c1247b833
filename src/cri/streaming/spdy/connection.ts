// A SPDY/3.1 session over one socket: streams opened by either side, their data with flow control,
// PING, GOAWAY. Used by the streaming server (the client opens the streams) and by the tests' client.
//
// Flow control: every stream and the session receive with a 64 KiB window, and WINDOW_UPDATE is sent
// as delivered data is consumed. Sending honours the peer's windows once the peer shows it keeps them
// (a SETTINGS INITIAL_WINDOW_SIZE or a WINDOW_UPDATE): Kubernetes' own SPDY library (moby/spdystream,
// used by kubectl, the apiserver and containerd) never sends WINDOW_UPDATE and ignores windows, so
// enforcing them against it from the start would stall every stream after 64 KiB.
import type { Duplex } from 'node:stream';
import { DEFAULT_WINDOW, encode, FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameReader, GOAWAY, ProtocolError, RST, SETTINGS_INITIAL_WINDOW_SIZE, Type, type Frame, type Headers } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './header-zlib.ts';

/** largest DATA frame this side writes */
const MAX_DATA = 32 * 1024;

export class SpdyStream {
  readonly id: number;
  headers: Headers;
  /** the peer's SYN_REPLY arrived (streams this side opened) */
  readonly replied: Promise<Headers>;
  private resolveReply!: (h: Headers) => void;
  private rejectReply!: (e: Error) => void;
  private readonly conn: SpdyConnection;
  private dataCb?: (b: Buffer) => void;
  private endCb?: (reset: boolean) => void;
  private readonly early: Buffer[] = [];
  private remoteEnded: false | 'fin' | 'reset' = false;
  private localEnded = false;
  private endQueued = false;
  private readonly pending: Buffer[] = [];
  /** what the peer lets this side send; what this side has let the peer send and not yet updated */
  sendWindow: number;
  recvConsumed = 0;

  constructor(conn: SpdyConnection, id: number, headers: Headers, sendWindow: number) {
    this.conn = conn;
    this.id = id;
    this.headers = headers;
    this.sendWindow = sendWindow;
    this.replied = new Promise((resolve, reject) => ((this.resolveReply = resolve), (this.rejectReply = reject)));
    this.replied.catch(() => {});
  }

  /** The value of a header (names are lowercase on the wire). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Data from the peer; what arrived before a listener is kept for it. */
  onData(cb: (b: Buffer) => void): void {
    this.dataCb = cb;
    for (const b of this.early.splice(0)) this.deliver(b);
  }

  /** The peer finished sending (FIN), reset the stream, or the connection ended. */
  onEnd(cb: (reset: boolean) => void): void {
    this.endCb = cb;
    if (this.remoteEnded) cb(this.remoteEnded === 'reset');
  }

  get ended(): boolean {
    return this.localEnded;
  }

  write(data: Buffer | string): void {
    if (this.localEnded || this.endQueued) return;
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!b.length) return;
    this.pending.push(b);
    this.conn.pump(this);
  }

  /** Half-close: a FIN after what was written. */
  end(): void {
    if (this.localEnded || this.endQueued) return;
    this.endQueued = true;
    this.conn.pump(this);
  }

  /** This side may not send (a unidirectional stream the peer opened). */
  sendNothing(): void {
    this.localEnded = true;
  }

  /** Both directions over at once (RST_STREAM). */
  reset(status: number = RST.CANCEL): void {
    if (this.localEnded && this.remoteEnded) return;
    this.localEnded = true;
    this.pending.length = 0;
    this.conn.send(Promise.resolve(encode({ type: Type.RST_STREAM, flags: 0, streamId: this.id, status })));
    this.remoteEnd('reset');
  }

  /** Frames of what is pending, as far as the windows allow (called by the connection). */
  take(sessionWindow: number, enforce: boolean): Array<{ data: Buffer; fin: boolean }> {
    const out: Array<{ data: Buffer; fin: boolean }> = [];
    let budget = enforce ? Math.min(this.sendWindow, sessionWindow) : Infinity;
    while (this.pending.length && budget > 0) {
      const head = this.pending[0]!;
      const n = Math.min(head.length, MAX_DATA, budget);
      out.push({ data: head.subarray(0, n), fin: false });
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
      budget -= n;
    }
    if (this.endQueued && !this.pending.length && !this.localEnded) {
      this.localEnded = true;
      if (out.length) out[out.length - 1]!.fin = true;
      else out.push({ data: Buffer.alloc(0), fin: true });
    }
    return out;
  }

  deliver(b: Buffer): void {
    if (!this.dataCb) {
      this.early.push(b);
      return;
    }
    this.dataCb(b);
    this.conn.consumed(this, b.length);
  }

  remoteEnd(how: 'fin' | 'reset'): void {
    if (this.remoteEnded) return;
    this.remoteEnded = how;
    if (how === 'reset') this.localEnded = true;
    this.rejectReply(new Error(`stream ${this.id} was reset`));
    if (this.endCb) this.endCb(how === 'reset');
    this.conn.forgetIfDone(this);
  }

  gotReply(h: Headers): void {
    this.resolveReply(h);
  }

  get done(): boolean {
    return this.localEnded && !!this.remoteEnded;
  }
}

export class SpdyConnection {
  private readonly socket: Duplex;
  private readonly isServer: boolean;
  private readonly reader = new FrameReader();
  private readonly deflate = new HeaderCompressor();
  private readonly inflate = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private nextId: number;
  private lastPeerId = 0;
  private inq: Promise<void> = Promise.resolve();
  private outq: Promise<void> = Promise.resolve();
  private closed = false;
  private goneAway = false;
  /** the peer's windows are enforced once it shows it keeps them (see the top of this file) */
  private enforce = false;
  private sessionSendWindow = DEFAULT_WINDOW;
  private initialSendWindow = DEFAULT_WINDOW;
  private sessionConsumed = 0;
  private streamCb: (s: SpdyStream) => void = (s) => s.reset(RST.REFUSED_STREAM);
  private readonly closeCbs: Array<() => void> = [];

  constructor(socket: Duplex, o: { server: boolean; head?: Buffer }) {
    this.socket = socket;
    this.isServer = o.server;
    this.nextId = o.server ? 2 : 1;
    socket.on('data', (b: Buffer) => this.read(b));
    // frames already read are handled first: 'end' comes on a nextTick, before their promise jobs
    const gone = () => void (this.inq = this.inq.then(() => this.destroy()));
    socket.on('error', gone);
    socket.on('close', gone);
    socket.on('end', gone);
    if (o.head?.length) this.read(o.head);
  }

  /** Streams the peer opens; a stream not accepted (replied to) by `cb` should be reset. */
  onStream(cb: (s: SpdyStream) => void): void {
    this.streamCb = cb;
  }

  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeCbs.push(cb);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Accept a stream the peer opened (SYN_REPLY). */
  reply(s: SpdyStream, headers: Headers = {}): void {
    this.send(this.deflate.compress(headers).then((block) => encode({ type: Type.SYN_REPLY, flags: 0, streamId: s.id, block })));
  }

  /** Open a stream (SYN_STREAM); `await s.replied` before relying on the peer having it. */
  open(headers: Headers, o: { fin?: boolean } = {}): SpdyStream {
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(this, id, headers, this.initialSendWindow);
    this.streams.set(id, s);
    this.send(this.deflate.compress(headers).then((block) => encode({ type: Type.SYN_STREAM, flags: 0, streamId: id, associatedId: 0, priority: 0, block })));
    if (o.fin) s.end();
    return s;
  }

  settings(entries: Array<{ id: number; value: number }>): void {
    this.send(Promise.resolve(encode({ type: Type.SETTINGS, flags: 0, settings: entries.map((e) => ({ flags: 0, ...e })) })));
  }

  ping(id: number): void {
    this.send(Promise.resolve(encode({ type: Type.PING, flags: 0, id })));
  }

  /** GOAWAY, then the socket ends once what is queued is written. */
  close(): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.send(Promise.resolve(encode({ type: Type.GOAWAY, flags: 0, lastGoodStreamId: this.lastPeerId, status: GOAWAY.OK })));
    }
    void this.outq.then(() => this.socket.end());
  }

  /** The idle timeout, as spdystream's: every open stream reset (CANCEL), GOAWAY, and the connection
   * closed once that is written, whether or not the peer answers. */
  expire(): void {
    for (const st of [...this.streams.values()]) st.reset(RST.CANCEL);
    this.close();
    // after close()'s end: once its frames are flushed to the peer
    void this.outq.then(() => (this.socket.writableFinished ? this.destroy() : this.socket.once('finish', () => this.destroy())));
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.remoteEnd('reset');
    this.streams.clear();
    this.deflate.close();
    this.inflate.close();
    this.socket.destroy();
    for (const cb of this.closeCbs.splice(0)) cb();
  }

  /** Queue a frame; frames are written in the order they are queued. */
  send(frame: Promise<Buffer>): void {
    const next = this.outq.then(async () => {
      const b = await frame;
      if (!this.closed && this.socket.writable) this.socket.write(b);
    });
    this.outq = next.catch(() => this.destroy());
  }

  pump(s: SpdyStream): void {
    for (const { data, fin } of s.take(this.sessionSendWindow, this.enforce)) {
      s.sendWindow -= data.length;
      this.sessionSendWindow -= data.length;
      this.send(Promise.resolve(encode({ type: 'data', streamId: s.id, flags: fin ? FLAG_FIN : 0, data })));
    }
    this.forgetIfDone(s);
  }

  consumed(s: SpdyStream, n: number): void {
    s.recvConsumed += n;
    this.sessionConsumed += n;
    if (s.recvConsumed >= DEFAULT_WINDOW / 2 && !s.done) {
      this.send(Promise.resolve(encode({ type: Type.WINDOW_UPDATE, flags: 0, streamId: s.id, delta: s.recvConsumed })));
      s.recvConsumed = 0;
    }
    if (this.sessionConsumed >= DEFAULT_WINDOW / 2) {
      // SPDY/3.1's session window is stream 0
      this.send(Promise.resolve(encode({ type: Type.WINDOW_UPDATE, flags: 0, streamId: 0, delta: this.sessionConsumed })));
      this.sessionConsumed = 0;
    }
  }

  forgetIfDone(s: SpdyStream): void {
    if (s.done) this.streams.delete(s.id);
  }

  private read(b: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(b);
    } catch {
      this.protocolError();
      return;
    }
    for (const f of frames) {
      this.inq = this.inq.then(() => this.handle(f)).catch(() => this.protocolError());
    }
  }

  private protocolError(): void {
    if (this.closed) return;
    this.goneAway = true;
    this.send(Promise.resolve(encode({ type: Type.GOAWAY, flags: 0, lastGoodStreamId: this.lastPeerId, status: GOAWAY.PROTOCOL_ERROR })));
    void this.outq.then(() => this.destroy());
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    switch (f.type) {
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) {
          this.send(Promise.resolve(encode({ type: Type.RST_STREAM, flags: 0, streamId: f.streamId, status: RST.INVALID_STREAM })));
          return;
        }
        if (f.data.length) s.deliver(f.data);
        if (f.flags & FLAG_FIN) s.remoteEnd('fin');
        return;
      }
      case Type.SYN_STREAM: {
        const headers = await this.inflate.decompress(f.block);
        const fromPeer = f.streamId % 2 === (this.isServer ? 1 : 0);
        if (!fromPeer || f.streamId <= this.lastPeerId) throw new ProtocolError(`stream id ${f.streamId} out of order`);
        this.lastPeerId = f.streamId;
        if (this.goneAway) {
          this.send(Promise.resolve(encode({ type: Type.RST_STREAM, flags: 0, streamId: f.streamId, status: RST.REFUSED_STREAM })));
          return;
        }
        const s = new SpdyStream(this, f.streamId, headers, this.initialSendWindow);
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_UNIDIRECTIONAL) s.sendNothing();
        if (f.flags & FLAG_FIN) s.remoteEnd('fin');
        this.streamCb(s);
        return;
      }
      case Type.SYN_REPLY: {
        const headers = await this.inflate.decompress(f.block);
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.gotReply(headers);
        if (f.flags & FLAG_FIN) s.remoteEnd('fin');
        return;
      }
      case Type.HEADERS: {
        const headers = await this.inflate.decompress(f.block);
        const s = this.streams.get(f.streamId);
        if (!s) return;
        for (const [k, v] of Object.entries(headers)) s.headers[k] = v;
        if (f.flags & FLAG_FIN) s.remoteEnd('fin');
        return;
      }
      case Type.RST_STREAM:
        this.streams.get(f.streamId)?.remoteEnd('reset');
        return;
      case Type.SETTINGS:
        for (const e of f.settings) {
          if (e.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          // a new initial window changes every open stream's by the difference (§2.6.8)
          for (const s of this.streams.values()) s.sendWindow += e.value - this.initialSendWindow;
          this.initialSendWindow = e.value;
          this.enforce = true;
        }
        this.pumpAll();
        return;
      case Type.WINDOW_UPDATE:
        this.enforce = true;
        if (f.streamId === 0) this.sessionSendWindow += f.delta;
        else {
          const s = this.streams.get(f.streamId);
          if (s) s.sendWindow += f.delta;
        }
        this.pumpAll();
        return;
      case Type.PING:
        // the peer's pings (odd ids from a client, even from a server) are echoed; ours come back
        if (f.id % 2 === (this.isServer ? 1 : 0)) this.ping(f.id);
        return;
      case Type.GOAWAY:
        this.goneAway = true;
        return;
      case 'unknown':
        return;
    }
  }

  private pumpAll(): void {
    for (const s of [...this.streams.values()]) this.pump(s);
  }
}
