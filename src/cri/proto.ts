// The CRI v1 API definition (Kubernetes cri-api v0.36.3, runtime/v1/api.proto), loaded at start-up:
// field names as in the .proto (snake_case), enums as their names, int64 as decimal strings so that
// nanosecond timestamps keep their precision.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'proto', 'api.proto');

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export interface CriServices {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

let loaded: CriServices | undefined;

export function criServices(): CriServices {
  if (!loaded) {
    const def = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: CriServices } };
    loaded = pkg.runtime.v1;
  }
  return loaded;
}
