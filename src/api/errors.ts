// The one place where error kinds become HTTP status codes.
import type { ErrorKind } from '../errdefs.ts';
import { BerthError } from '../errdefs.ts';

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

export function statusOf(err: unknown): number {
  return err instanceof BerthError ? STATUS[err.kind] : 500;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
