// The one place where error kinds become HTTP status codes.
import type { ErrorKind } from '../errdefs.ts';
import { kindOf } from '../errdefs.ts';

const STATUS: Record<ErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  'invalid-parameter': 400,
  forbidden: 403,
  unauthorized: 401,
  unavailable: 503,
  'not-modified': 304,
  'not-implemented': 501,
  system: 500,
};

/** The status of the first typed error along the cause chain; 500 for an error nobody typed. */
export function statusOf(err: unknown): number {
  const kind = kindOf(err);
  return kind ? STATUS[kind] : 500;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
