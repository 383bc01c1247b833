// ADD <http(s) URL>: the file is downloaded by the daemon as Docker does it: named after the URL's last path
// element, mode 0600, its mtime from Last-Modified, never unpacked; --checksum=sha256:... verified.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { BuildError } from '../builder.ts';

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** A git source (BuildKit's ADD of a repository): git@host:..., git://..., or an http(s) URL of a .git. */
export function isGitSource(s: string): boolean {
  return /^git@|^git:\/\/|^ssh:\/\//.test(s) || (isUrl(s) && /\.git(#.*)?$/.test(s));
}

export async function fetchUrl(url: string, dir: string, expected?: string): Promise<{ file: string; lastModified?: Date }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(10 * 60_000) });
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new BuildError(`failed to GET ${url}: ${cause?.message ?? (e as Error).message}`);
  }
  // an unreadable body only leaves the message without the server's text
  if (!res.ok) throw new BuildError(`failed to GET ${url} with status ${res.status} ${res.statusText}: ${(await res.text().catch(() => '')).slice(0, 200)}`);
  // named after the URL as written (not where a redirect led), as dockerd does
  const name = path.posix.basename(new URL(url).pathname);
  if (!name || name === '/') throw new BuildError(`cannot determine filename from url: ${url}`);
  const data = Buffer.from(await res.arrayBuffer());
  const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
  if (expected && digest !== expected) throw new BuildError(`digest mismatch ${expected}: ${digest}`);
  const file = path.join(dir, decodeURIComponent(name));
  fs.writeFileSync(file, data, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  // mtime: Last-Modified when the server sends a valid one, else the Unix epoch (dockerd's zero time)
  const lm = res.headers.get('last-modified');
  const parsed = lm ? new Date(lm) : undefined;
  const lastModified = parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date(0);
  fs.utimesSync(file, lastModified, lastModified);
  return { file, lastModified };
}
