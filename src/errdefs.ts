// One error vocabulary for the whole engine. The API layer maps each kind to an HTTP
// status in exactly one place (api/errors.ts); nothing below the API knows about HTTP.

export type ErrorKind =
  | 'not-found'
  | 'conflict'
  | 'invalid-parameter'
  | 'forbidden'
  | 'unauthorized'
  | 'unavailable'
  | 'not-modified'
  | 'not-implemented'
  | 'system';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BerthError';
  }
}

export const notFound = (msg: string) => new BerthError('not-found', msg);
export const conflict = (msg: string) => new BerthError('conflict', msg);
export const invalidParameter = (msg: string) => new BerthError('invalid-parameter', msg);
export const forbidden = (msg: string) => new BerthError('forbidden', msg);
export const unavailable = (msg: string) => new BerthError('unavailable', msg);
export const notModified = (msg: string) => new BerthError('not-modified', msg);
export const notImplemented = (msg: string) => new BerthError('not-implemented', msg);
export const systemError = (msg: string, cause?: unknown) => new BerthError('system', msg, { cause });

export function isKind(err: unknown, kind: ErrorKind): boolean {
  return err instanceof BerthError && err.kind === kind;
}
