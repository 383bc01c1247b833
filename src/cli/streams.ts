// Running a hijacked attach/exec session against the local terminal: raw mode, detach keys,
// stdin half-close, stdcopy demultiplexing, window-size tracking and signal forwarding
// (docker/cli's hijackedIOStreamer, MonitorTtySize and ForwardAllSignals).
import { spawnSync } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Hijacked } from '../sdk/transport.ts';
import { stdCopy } from '../sdk/stdcopy.ts';
import { detachKeyBytes, DetachScanner, DEFAULT_DETACH_KEYS } from '../util/detach-keys.ts';

export { DetachScanner } from '../util/detach-keys.ts';

/** --detach-keys: the shared parser (util/detach-keys.ts), with the docker CLI's message for a bad one. */
export function parseDetachKeys(spec: string | undefined): Buffer {
  if (!spec) return detachKeyBytes(DEFAULT_DETACH_KEYS);
  try {
    return detachKeyBytes(spec);
  } catch (e) {
    throw new Error(`invalid detach keys (${spec}): ${(e as Error).message}`, { cause: e });
  }
}

export class EscapeError extends Error {
  constructor() {
    super('read escape sequence');
    this.name = 'EscapeError';
  }
}

export interface StreamOptions {
  conn: Hijacked;
  tty: boolean;
  stdin?: NodeJS.ReadStream | null;
  stdout?: Writable | null;
  stderr?: Writable | null;
  detachKeys?: string;
  /** Called once the input side is done (EOF sent) or the output has ended. */
  signal?: AbortSignal;
}

/**
 * Streams until the output ends (resolves), or the detach keys are typed (rejects with
 * EscapeError). stdin EOF half-closes the connection and keeps reading output.
 */
export function streamHijacked(o: StreamOptions): Promise<void> {
  const { conn, tty } = o;
  const stdin = o.stdin ?? null;
  const keys = parseDetachKeys(o.detachKeys);
  let restored = false;
  const rawMode = !!(stdin && tty && stdin.isTTY);
  // With a TTY the container's terminal already turns \n into \r\n: like docker, put our own
  // terminal in raw mode even without -i, so that its output processing does not do it twice.
  const term = rawMode ? stdin : tty && !stdin && process.stdin.isTTY && process.stdout.isTTY ? process.stdin : null;
  if (term) {
    term.setRawMode(true);
    // libuv's raw mode keeps output processing (ONLCR) on, unlike Go's term.MakeRaw that docker
    // uses: turn it off too, or every \r\n from the container shows as \r\r\n. setRawMode(false)
    // puts back the settings saved before, this one included.
    if ((term as unknown as { fd?: number }).fd === 0) spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }
  const restore = () => {
    if (restored) return;
    restored = true;
    if (term) {
      try {
        term.setRawMode(false);
      } catch {
        // stdin already gone
      }
    }
    if (stdin) {
      stdin.off('data', onInput);
      stdin.off('end', onInputEnd);
      stdin.pause();
    }
  };

  let finish!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      restore();
      if (err) reject(err);
      else resolve();
    };
  });

  const scanner = rawMode || (tty && stdin) ? new DetachScanner(keys) : null;
  const onInput = (chunk: Buffer) => {
    let data = chunk;
    if (scanner) {
      const r = scanner.feed(chunk);
      data = r.pass;
      if (r.detach) {
        if (data.length) conn.socket.write(data);
        conn.close();
        finish(new EscapeError());
        return;
      }
    }
    if (data.length && !conn.socket.destroyed) {
      if (!conn.socket.write(data)) {
        stdin!.pause();
        conn.socket.once('drain', () => stdin!.resume());
      }
    }
  };
  const onInputEnd = () => {
    conn.closeWrite();
    if (!o.stdout && !o.stderr) finish();
  };
  if (stdin) {
    stdin.on('data', onInput);
    stdin.once('end', onInputEnd);
    stdin.resume();
  }

  const outputDone: Promise<unknown> =
    !o.stdout && !o.stderr
      ? new Promise((r) => conn.output.once('close', r).once('end', r))
      : tty
        ? new Promise<void>((resolve, reject) => {
            const out = o.stdout ?? o.stderr!;
            conn.output.on('data', (c: Buffer) => {
              if (!out.write(c)) {
                conn.output.pause();
                out.once('drain', () => conn.output.resume());
              }
            });
            conn.output.once('end', () => resolve());
            conn.output.once('close', () => resolve());
            conn.output.once('error', reject);
          })
        : stdCopy(conn.output, o.stdout ?? null, o.stderr ?? null);
  outputDone.then(
    () => finish(),
    (e: NodeJS.ErrnoException) => (e?.code === 'ECONNRESET' ? finish() : finish(e)),
  );
  o.signal?.addEventListener('abort', () => {
    conn.close();
    finish();
  });
  return done;
}

/**
 * Waits for a hijacked session (streamHijacked) to end, then stops watching the terminal size; the
 * EscapeError when the user detached with the escape keys (any other error of the stream is thrown).
 */
export async function untilSessionEnds(streaming: Promise<void>, stopResize: (() => void) | null): Promise<EscapeError | undefined> {
  try {
    await streaming;
    return undefined;
  } catch (e) {
    if (e instanceof EscapeError) return e;
    throw e;
  } finally {
    stopResize?.();
  }
}

/** The terminal's size, or null when stdout is not a terminal. */
export function ttySize(out: NodeJS.WriteStream): { rows: number; cols: number } | null {
  if (!out.isTTY) return null;
  const [cols, rows] = out.getWindowSize();
  return { rows, cols };
}

/**
 * Sends the terminal size now (retrying a few times, as the process may not exist yet) and on
 * every SIGWINCH. Returns a function that stops watching.
 */
export function monitorTtySize(out: NodeJS.WriteStream, resize: (h: number, w: number) => Promise<void>, onFail?: () => void): () => void {
  const send = async () => {
    const s = ttySize(out);
    if (!s || (!s.rows && !s.cols)) return;
    await resize(s.rows, s.cols);
  };
  void (async () => {
    for (let attempt = 0; attempt <= 10; attempt++) {
      try {
        await send();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, (attempt + 1) * 10));
      }
    }
    onFail?.();
  })();
  const onWinch = () => void send().catch(() => {}); // best effort: the next SIGWINCH sends the size again
  process.on('SIGWINCH', onWinch);
  return () => process.off('SIGWINCH', onWinch);
}

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Forwards the signals we receive to the container (docker's --sig-proxy). Returns a stopper. */
export function forwardSignals(kill: (signal: string) => Promise<void>): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = () => void kill(sig.slice(3)).catch(() => {}); // the container may be gone already: nothing to signal
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
