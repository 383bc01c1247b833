// Routing: find-my-way matches method + path; handlers receive a Ctx.
import FindMyWay from 'find-my-way';
import type { Ctx } from './context.ts';

export type Handler = (ctx: Ctx) => Promise<void> | void;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';

export class Router {
  private fmw = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 1000 });

  add(method: Method | Method[], path: string, handler: Handler): void {
    this.fmw.on(method, path, handler as any, { pattern: path });
  }
  get(path: string, h: Handler) { this.add('GET', path, h); }
  post(path: string, h: Handler) { this.add('POST', path, h); }
  put(path: string, h: Handler) { this.add('PUT', path, h); }
  delete(path: string, h: Handler) { this.add('DELETE', path, h); }
  head(path: string, h: Handler) { this.add('HEAD', path, h); }

  /** The handler, the path's parameters, and the route's pattern as registered ("/containers/:id/json"). */
  find(method: string, path: string): { handler: Handler; params: Record<string, string | undefined>; pattern: string } | undefined {
    const r = this.fmw.find(method as Method, path);
    if (!r) return undefined;
    return { handler: r.handler as unknown as Handler, params: r.params, pattern: (r.store as { pattern: string }).pattern };
  }
}
