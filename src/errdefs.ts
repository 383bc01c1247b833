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
    // no `cause` property at all when there is none (an own `cause: undefined` shows in logs)
    super(message, options?.cause !== undefined ? options : undefined);
    this.kind = kind;
    this.name = 'BerthError';
  }
}

export const notFound = (msg: string, cause?: unknown) => new BerthError('not-found', msg, { cause });
export const conflict = (msg: string, cause?: unknown) => new BerthError('conflict', msg, { cause });
export const invalidParameter = (msg: string, cause?: unknown) => new BerthError('invalid-parameter', msg, { cause });
export const forbidden = (msg: string, cause?: unknown) => new BerthError('forbidden', msg, { cause });
export const unavailable = (msg: string, cause?: unknown) => new BerthError('unavailable', msg, { cause });
export const notModified = (msg: string, cause?: unknown) => new BerthError('not-modified', msg, { cause });
export const notImplemented = (msg: string, cause?: unknown) => new BerthError('not-implemented', msg, { cause });
export const systemError = (msg: string, cause?: unknown) => new BerthError('system', msg, { cause });

/** The kind of the first typed error along the cause chain (a plain Error wrapping a conflict is a conflict). */
export function kindOf(err: unknown): ErrorKind | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e instanceof Error && !seen.has(e); e = (e as Error).cause) {
    seen.add(e);
    if (e instanceof BerthError) return e.kind;
  }
  return undefined;
}

export function isKind(err: unknown, kind: ErrorKind): boolean {
  return kindOf(err) === kind;
}
