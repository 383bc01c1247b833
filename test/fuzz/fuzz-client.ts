// The fuzzer's transport: one raw HTTP/1.1 request over the daemon's unix socket, written byte by
// byte so that it can be wrong on purpose (a chunked body that stops midway, a Content-Length the
// body never reaches, a body on GET), and read back until the daemon closes or a time limit. Never
// throws: a broken connection or a time-out is part of the answer.
import net from 'node:net';
import http from 'node:http';

export type Transport = 'length' | 'chunked' | 'chunked-cut' | 'length-short' | 'none';

export interface RawRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  contentType?: string;
  transport: Transport;
}

export interface RawAnswer {
  /** 0 when no status line came */
  status: number;
  /** the first 4 KB after the headers */
  body: string;
  timedOut: boolean;
  error?: string;
  ms: number;
}

export function send(socketPath: string, r: RawRequest, timeoutMs: number): Promise<RawAnswer> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (timedOut: boolean, error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const raw = Buffer.concat(chunks);
      const head = raw.subarray(0, 64).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const sep = raw.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, body: sep >= 0 ? raw.subarray(sep + 4, sep + 4 + 4096).toString() : '', timedOut, error, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    s.on('data', (c: Buffer) => {
      if (size < 65536) chunks.push(c);
      size += c.length;
    });
    s.on('end', () => finish(false));
    s.on('close', () => finish(false));
    s.on('error', (e) => finish(false, e.message));
    s.on('connect', () => {
      const lines = [`${r.method} ${r.target} HTTP/1.1`, 'Host: localhost', 'Connection: close', 'User-Agent: berth-fuzz'];
      if (r.contentType !== undefined) lines.push(`Content-Type: ${r.contentType}`);
      for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
      const body = r.body ?? Buffer.alloc(0);
      if (r.transport === 'length') lines.push(`Content-Length: ${body.length}`);
      if (r.transport === 'length-short') lines.push(`Content-Length: ${body.length + 1000}`);
      if (r.transport === 'chunked' || r.transport === 'chunked-cut') lines.push('Transfer-Encoding: chunked');
      s.write(lines.join('\r\n') + '\r\n\r\n');
      if (r.transport === 'length' || r.transport === 'length-short') s.write(body);
      else if (r.transport === 'chunked') {
        for (let o = 0; o < body.length; o += 65536) {
          const part = body.subarray(o, o + 65536);
          s.write(`${part.length.toString(16)}\r\n`);
          s.write(part);
          s.write('\r\n');
        }
        s.write('0\r\n\r\n');
      } else if (r.transport === 'chunked-cut') {
        const cut = body.subarray(0, Math.floor(body.length / 2));
        s.write(`${body.length.toString(16)}\r\n`);
        s.write(cut);
      }
      // the incomplete bodies end with the client's half of the connection closed: the daemon
      // must notice and answer or close, not wait for bytes that will never come
      if (r.transport === 'chunked-cut' || r.transport === 'length-short') s.end();
    });
  });
}

/** GET /_ping with its own time limit: true when it answered 200 in time. A connection of its own
 * (agent: false): a kept-alive one the daemon has closed meanwhile would count as no answer. */
export function ping(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      // an answer cut short never ends: without these its promise would wait on no handle at all, and
      // node's test runner would cancel the test ("Promise resolution is still pending but the event
      // loop has already resolved") with no verdict
      res.on('error', () => resolve(false));
      res.on('close', () => resolve(res.complete && res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

/** A JSON request through Node's client (for fixtures and clean-up, not for fuzzing). */
export function api(socketPath: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ socketPath, method, path: p, agent: false, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, (res) => {
      const cs: Buffer[] = [];
      res.on('data', (c: Buffer) => cs.push(c));
      res.on('end', () => {
        const text = Buffer.concat(cs).toString();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, json, text });
      });
      // (an answer cut short: an error, never a promise left waiting on no handle, as in ping)
      res.on('error', (e) => reject(new Error(`${method} ${p}: ${e.message}`)));
      res.on('close', () => {
        if (!res.complete) reject(new Error(`${method} ${p}: the daemon closed the connection before the end of its answer`));
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${p}: timeout`)));
    req.on('error', reject);
    req.end(data);
  });
}
