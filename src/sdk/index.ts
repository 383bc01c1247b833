// Berth's typed Engine API client (Docker Engine API v1.50, negotiated down to the daemon's).
//
//   import { Client, stdCopy } from './sdk/index.ts';
//   const c = new Client();                       // BERTH_HOST, DOCKER_HOST or unix:///run/berth/berth.sock
//   const { Id } = await c.containers.create({ Image: 'busybox', Cmd: ['echo', 'hi'] });
//   const conn = await c.containers.attach(Id, { stdout: true, stderr: true });  // hijacked (101 Upgrade)
//   const wait = await c.containers.beginWait(Id, 'next-exit');
//   await c.containers.start(Id);
//   await stdCopy(conn.output, process.stdout, process.stderr);                  // 8-byte stdcopy frames
//   console.log((await wait.result).StatusCode);
//   for await (const e of await c.system.events({ filters: { type: ['container'] } })) console.log(e.Action);
//
// Errors: ApiError (statusCode, reason = the daemon's message), DaemonUnreachableError.
export { Client, Containers, Images, Exec, System, Networks, Volumes, encodeFilters, type ClientOptions } from './client.ts';
export { Transport, CLIENT_API_VERSION, compareVersions, encodeQuery, readBody, type Hijacked, type PingResult, type RequestOptions } from './transport.ts';
export { ApiError, DaemonUnreachableError, StreamError } from './errors.ts';
export { parseHost, hostFromEnv, DEFAULT_HOST, DEFAULT_SOCKET, type Endpoint } from './host.ts';
export { Demuxer, demuxBuffer, encodeFrame, stdCopy, STDIN, STDOUT, STDERR, SYSTEMERR } from './stdcopy.ts';
export { JsonSplitter, jsonMessages } from './jsonstream.ts';
export type * from './types.ts';
