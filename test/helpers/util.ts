// Small helpers for end-to-end tests: assertions on CLI results, polling, raw API calls via curl.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeRun, run, type RunResult } from './docker.ts';

/** Asserts a CLI run exited 0 and returns its stdout. */
export function ok(r: RunResult, what = 'command'): string {
  assert.equal(r.code, 0, `${what} failed:\n${describeRun([what], r)}`);
  return r.stdout;
}

/** Asserts a CLI run failed with `code` (and stderr matching `re`, if given). */
export function fails(r: RunResult, code: number, re?: RegExp, what = 'command'): void {
  assert.equal(r.code, code, `${what}: expected exit ${code}:\n${describeRun([what], r)}`);
  if (re) assert.match(r.stderr, re, `${what}: stderr does not match ${re}:\n${describeRun([what], r)}`);
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** A short unique name for containers and images made by a test. */
export function uniq(prefix = 't'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

export interface ApiResponse {
  status: number;
  headers: string;
  body: string;
  json: any;
}

/** A raw Engine API request with curl --unix-socket (bypasses the docker CLI's own checks). */
export async function curl(socket: string, method: string, urlPath: string, body?: string | Buffer, contentType = 'application/json'): Promise<ApiResponse> {
  const args = ['-sS', '--max-time', '30', '--unix-socket', socket, '-X', method, '-D', '-', `http://localhost${urlPath}`];
  if (body !== undefined) args.push('-H', `Content-Type: ${contentType}`, '--data-binary', '@-');
  const r = await run('curl', args, { input: body, timeoutMs: 40_000 });
  if (r.code !== 0) throw new Error(`curl ${method} ${urlPath} failed: ${r.stderr}`);
  // the header block(s) end at the first blank line after the final status line (skip 100-continue)
  let text = r.stdout;
  let headers = '';
  for (;;) {
    const i = text.indexOf('\r\n\r\n');
    if (i < 0) break;
    headers = text.slice(0, i);
    text = text.slice(i + 4);
    if (!/^HTTP\/\S+ 100/.test(headers)) break;
  }
  const status = Number(/^HTTP\/\S+ (\d+)/.exec(headers)?.[1] ?? 0);
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, body: text, json };
}
