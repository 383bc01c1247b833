// The one place where error kinds become HTTP status codes.
import type { ErrorKind } from '../errdefs.ts';
import { kindOf, BerthError } from '../errdefs.ts';

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

let hiddenRoots: string[] = [];
/** The daemon's own directories: no answer names a path under them (a client needs none of them). */
export function hideHostPaths(roots: string[]): void {
  hiddenRoots = roots.filter(Boolean).map((r) => r.replace(/\/+$/, ''));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A message for the client: without the daemon's host paths, and without JavaScript error texts. */
export function messageOf(err: unknown): string {
  let msg: string;
  if (err instanceof BerthError) msg = err.message;
  else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    // a Node system error: "ENOENT: no such file or directory, lstat '/host/path'" → "lstat: no such file or directory"
    const e = err as NodeJS.ErrnoException;
    const desc = /^[A-Z0-9_]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code ?? 'error';
    // (some errors carry no errno text: "Error: , Unknown error: File name too long '/path'")
    msg = `${e.syscall}: ${desc}`;
  } else if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) {
    msg = 'internal error: the daemon could not handle this request (see its log)';
  } else msg = err instanceof Error ? err.message : String(err);
  for (const root of hiddenRoots) {
    const r = escapeRe(root);
    // a container's mounted rootfs: what remains is the path inside the container
    msg = msg.replace(new RegExp(`${r}/containers/[0-9a-f]{64}/rw/merged(?=/|\\b|$)`, 'g'), '');
    msg = msg.replace(new RegExp(`${r}(/[^\\s'",:]*)?`, 'g'), '<daemon root>');
  }
  return msg;
}
