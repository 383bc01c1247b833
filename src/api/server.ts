// The Engine API HTTP server on a unix socket: versioned paths, routing, errors as {"message"}.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Ctx } from './context.ts';
import { Router } from './router.ts';
import { checkQuery } from '../engine/containers/validate/validate.ts';
import { API_VERSION, MIN_API_VERSION, compareVersions, splitVersion } from './version.ts';
import { invalidParameter, notFound } from '../errdefs.ts';
import { log } from '../util/log.ts';

export class ApiServer {
  readonly router = new Router();
  private server: http.Server;
  private sockets = new Set<Duplex>();

  constructor() {
    this.server = http.createServer({ keepAliveTimeout: 60_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
      void this.dispatch(req, res);
    });
    this.server.on('upgrade', (req, socket, head) => {
      void this.dispatch(req, undefined, { socket, head });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse | undefined, upgrade?: { socket: Duplex; head: Buffer }) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { version, path: p } = splitVersion(url.pathname);
    const ctx = new Ctx(req, res, p, url.searchParams, version ?? API_VERSION, upgrade);
    try {
      if (version) {
        if (compareVersions(version, API_VERSION) > 0)
          throw invalidParameter(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
        if (compareVersions(version, MIN_API_VERSION) < 0)
          throw invalidParameter(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
      }
      const method = req.method === 'HEAD' && !this.router.find('HEAD', p) ? 'GET' : req.method ?? 'GET';
      const found = this.router.find(method, p);
      if (!found) throw notFound('page not found');
      ctx.params = found.params;
      // the field table's refused query parameters (spec paths spell parameters {id}, find-my-way :id)
      checkQuery(`${method} ${found.pattern.replace(/:(\w+)/g, '{$1}')}`, url.searchParams);
      log.debug(`${req.method} ${req.url}`);
      await found.handler(ctx);
    } catch (err) {
      if (!(err as any)?.kind) log.error(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      else log.debug(`${req.method} ${req.url}: ${(err as Error).message}`);
      ctx.fail(err);
    }
  }

  listen(socketPath: string): Promise<void> {
    fs.mkdirSync(path.dirname(socketPath), { recursive: true });
    try {
      fs.unlinkSync(socketPath);
    } catch {}
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        fs.chmodSync(socketPath, 0o660);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
