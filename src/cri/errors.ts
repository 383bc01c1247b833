// The one place where error kinds become gRPC status codes (the CRI's counterpart of api/errors.ts).
import { status as Status } from '@grpc/grpc-js';
import type { ErrorKind } from '../errdefs.ts';
import { kindOf } from '../errdefs.ts';

const CODE: Record<ErrorKind, Status> = {
  'not-found': Status.NOT_FOUND,
  conflict: Status.ALREADY_EXISTS,
  'invalid-parameter': Status.INVALID_ARGUMENT,
  forbidden: Status.PERMISSION_DENIED,
  unauthorized: Status.UNAUTHENTICATED,
  unavailable: Status.UNAVAILABLE,
  'not-modified': Status.FAILED_PRECONDITION,
  'not-implemented': Status.UNIMPLEMENTED,
  system: Status.UNKNOWN,
};

/** The gRPC code of the first typed error along the cause chain; UNKNOWN (as a Go server's plain error) otherwise. */
export function grpcCodeOf(err: unknown): Status {
  const kind = kindOf(err);
  return kind ? CODE[kind] : Status.UNKNOWN;
}

/** An error whose gRPC code the CRI fixes where Berth's kinds say too little (FAILED_PRECONDITION...). */
export class CriError extends Error {
  readonly code: Status;
  constructor(code: Status, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'CriError';
  }
}

/** The gRPC code of an error: a CriError's own, else its kind's. */
export function codeOf(err: unknown): Status {
  return err instanceof CriError ? err.code : grpcCodeOf(err);
}
