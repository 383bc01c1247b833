// The CRI's gRPC server: RuntimeService and ImageService on a unix socket. Handlers are plain async
// functions (request → response) given per service; every method of the .proto without a handler
// answers UNIMPLEMENTED with its name, so nothing is ever faked.
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criServices } from './proto.ts';
import { codeOf } from './errors.ts';
import { log } from '../util/log.ts';

// Requests and responses are the .proto's messages as plain objects (proto-loader's view).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = any;
export type Unary = (req: Msg, call: grpc.ServerUnaryCall<Msg, Msg>) => Promise<Msg> | Msg;
/** A server-streaming method: writes to `call` until the client goes away. */
export type Streaming = (req: Msg, call: grpc.ServerWritableStream<Msg, Msg>) => void;
export type Handlers = Record<string, Unary | { stream: Streaming }>;

export const DEFAULT_CRI_SOCKET = 'unix:///run/berth/cri.sock';

/** "unix:///run/berth/cri.sock" → "/run/berth/cri.sock"; only unix sockets are served. */
export function criSocketPath(address: string): string {
  if (address.startsWith('unix://')) {
    const p = address.slice('unix://'.length);
    if (p.startsWith('/')) return p;
  }
  throw new Error(`--cri-socket: only unix:// addresses with an absolute path are supported: ${address}`);
}

export class CriServer {
  private server?: grpc.Server;
  private socket?: string;
  private readonly handlers: { runtime: Handlers; image: Handlers };

  constructor(handlers: { runtime: Handlers; image: Handlers }) {
    this.handlers = handlers;
  }

  async listen(address: string): Promise<void> {
    const socket = criSocketPath(address);
    const svc = criServices();
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 16 << 20 });
    server.addService(svc.RuntimeService.service, implement(svc.RuntimeService.service, this.handlers.runtime));
    server.addService(svc.ImageService.service, implement(svc.ImageService.service, this.handlers.image));
    fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o711 });
    // a socket left by a daemon that was killed: the data root lock already says no other berthd runs
    fs.rmSync(socket, { force: true });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    fs.chmodSync(socket, 0o660);
    this.server = server;
    this.socket = socket;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 2000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
    if (this.socket) fs.rmSync(this.socket, { force: true });
  }
}

/** grpc-js implementations for every method of a service: the given handlers, UNIMPLEMENTED for the rest. */
function implement(service: grpc.ServiceDefinition, handlers: Handlers): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(service)) {
    const given = handlers[name];
    if (def.responseStream || def.requestStream) {
      const s = given && typeof given === 'object' && !def.requestStream ? given.stream : undefined;
      impl[name] = (call: grpc.ServerWritableStream<Msg, Msg>) => (s ? s(call.request, call) : call.emit('error', unimplemented(name)));
      continue;
    }
    const h = typeof given === 'function' ? given : undefined;
    impl[name] = (call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) => {
      if (!h) return callback(unimplemented(name));
      log.debug(`CRI ${name} ${JSON.stringify(call.request)}`);
      Promise.resolve()
        .then(() => h(call.request, call))
        .then(
          (res) => callback(null, res ?? {}),
          (err: unknown) => {
            const code = codeOf(err);
            const message = err instanceof Error ? err.message : String(err);
            if (code === grpc.status.UNKNOWN) log.error(`CRI ${name}: ${err instanceof Error ? (err.stack ?? message) : message}`);
            else log.debug(`CRI ${name}: ${grpc.status[code]}: ${message}`);
            callback({ code, details: message });
          },
        );
    };
  }
  return impl;
}

function unimplemented(method: string): Partial<grpc.StatusObject> & Error {
  return Object.assign(new Error(`berthd does not implement the CRI method ${method}`), { code: grpc.status.UNIMPLEMENTED, details: `berthd does not implement the CRI method ${method}` });
}
