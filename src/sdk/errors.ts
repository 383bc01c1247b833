// Errors raised by the SDK. ApiError carries the daemon's HTTP status and its `message`;
// DaemonUnreachableError means nothing answered at the endpoint.

export class ApiError extends Error {
  readonly statusCode: number;
  /** The daemon's own message, without the "Error response from daemon: " prefix. */
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  constructor(statusCode: number, reason: string, method: string, path: string) {
    super(`Error response from daemon: ${reason}`);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.method = method;
    this.path = path;
  }
  get isNotFound(): boolean {
    return this.statusCode === 404;
  }
  get isConflict(): boolean {
    return this.statusCode === 409;
  }
}

export class DaemonUnreachableError extends Error {
  readonly url: string;
  readonly code: string | undefined;
  constructor(url: string, cause?: unknown) {
    super(`Cannot connect to the Berth daemon at ${url}. Is the daemon running?`, { cause });
    this.name = 'DaemonUnreachableError';
    this.url = url;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** A message in a JSON progress stream carried an error (pull, push, load, build). */
export class StreamError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.name = 'StreamError';
    this.code = code;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE']);

export function isConnectError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && UNREACHABLE.has(code);
}

/** Turns an error body (JSON `{"message": ...}` or text) into the daemon's message. */
export function errorMessageFromBody(body: string, statusCode: number): string {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { message?: unknown };
      if (typeof j.message === 'string') return j.message;
    } catch {
      // not JSON after all
    }
  }
  if (text) return text;
  return statusCode === 404 ? 'page not found' : `${statusCode} ${httpStatusText(statusCode)}`;
}

function httpStatusText(code: number): string {
  const t: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    503: 'Service Unavailable',
  };
  return t[code] ?? 'Error';
}
