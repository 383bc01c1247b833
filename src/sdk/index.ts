// Berth's typed Engine API client.
export { Client, Containers, Images, Exec, System, Networks, Volumes, encodeFilters, type ClientOptions } from './client.ts';
export { Transport, CLIENT_API_VERSION, compareVersions, encodeQuery, readBody, type Hijacked, type PingResult, type RequestOptions } from './transport.ts';
export { ApiError, DaemonUnreachableError, StreamError } from './errors.ts';
export { parseHost, hostFromEnv, DEFAULT_HOST, DEFAULT_SOCKET, type Endpoint } from './host.ts';
export { Demuxer, demuxBuffer, encodeFrame, stdCopy, STDIN, STDOUT, STDERR, SYSTEMERR } from './stdcopy.ts';
export { JsonSplitter, jsonMessages } from './jsonstream.ts';
export type * from './types.ts';
