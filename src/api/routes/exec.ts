// Engine API: exec create/start/resize/inspect.
import { heldWriter } from '../held-output.ts';
import { messageOf } from '../errors.ts';
import type { Router } from '../router.ts';
import type { ExecService, ExecConfig } from '../../engine/exec.ts';
import { invalidParameter } from '../../errdefs.ts';
import { frame, streamContentType } from '../stdcopy.ts';
import { parseDetachKeys, DetachScanner } from '../detach-keys.ts';

export function registerExecRoutes(r: Router, d: { execs: ExecService }): void {
  r.post('/containers/:id/exec', async (ctx) => {
    const body = await ctx.body<ExecConfig>('ExecCreate');
    ctx.created({ Id: d.execs.create(ctx.params.id!, body) });
  });

  r.get('/exec/:id/json', (ctx) => ctx.ok(d.execs.inspect(ctx.params.id!)));

  r.post('/exec/:id/resize', async (ctx) => {
    const h = ctx.qInt('h');
    const w = ctx.qInt('w');
    if (h === undefined || w === undefined) throw invalidParameter('invalid resize: h and w are required');
    await d.execs.resize(ctx.params.id!, h, w);
    ctx.send(200, '');
  });

  r.post('/exec/:id/start', async (ctx) => {
    const body = await ctx.body<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] }>('ExecStart');
    const rec = d.execs.get(ctx.params.id!);
    if (body.ConsoleSize) rec.config.ConsoleSize = body.ConsoleSize;
    // as dockerd: the process gets a terminal when the exec was created with Tty; the start's Tty
    // only says whether the answer is one raw stream (true) or stdout/stderr frames (false, the default)
    const processTty = !!rec.config.Tty;
    const tty = !!body.Tty;
    if (body.Detach) {
      await d.execs.start(rec.id, { tty: processTty });
      return ctx.send(200, '');
    }
    d.execs.checkStartable(rec.id);
    const conn = ctx.hijack(streamContentType(tty));
    // A client may hang up while the exec is still starting: remember it, so the process is not
    // left running with its stdin open (dockerd closes the exec's stdin with the connection)
    let hungUp = false;
    let detached = false;
    let onHangUp = () => {};
    conn.onClose(() => {
      hungUp = true;
      onHangUp();
    });
    let e;
    try {
      e = await d.execs.start(rec.id, { tty: processTty });
    } catch (err) {
      // dockerd writes the failure into the hijacked stream; the client then reads the exit code.
      const text = Buffer.from(`${messageOf(err)}\r\n`);
      conn.write(tty ? text : frame('stdout', text));
      conn.input.resume();
      return conn.end();
    }
    const session = e.handle!.attach;
    let finished = false;
    // A client that does not keep up holds the process back (its output pipe fills), as under dockerd:
    // the daemon never holds more than the socket's buffer for it.
    const pass = heldWriter(conn, session, () => hungUp);
    session.onData((s, data) => {
      if ((s === 'stdout' && rec.config.AttachStdout === false) || (s === 'stderr' && rec.config.AttachStderr === false)) return;
      pass(tty ? data : frame(s, data));
    });
    // The client reads the exit code right after the stream ends: close only once it is recorded.
    session.onEnd(() => {
      void e.handle!.exited.then(() => {
        finished = true;
        conn.end();
      });
    });
    onHangUp = () => {
      if (finished || detached) return;
      // the client's stdin ended with it: the process gets EOF, as under dockerd
      if (rec.config.AttachStdin) session.endStdin();
      session.close();
    };
    if (hungUp) onHangUp();
    if (rec.config.AttachStdin) {
      const scanner = processTty ? new DetachScanner(parseDetachKeys(rec.config.DetachKeys)) : undefined;
      conn.input.on('data', (chunk: Buffer) => {
        if (!scanner) return session.write(chunk);
        const { pass, detach } = scanner.feed(chunk);
        if (pass.length) session.write(pass);
        if (detach) {
          // detaching (a TTY exec) leaves the process and its stdin as they are
          detached = true;
          session.close();
          conn.end();
        }
      });
      conn.input.on('end', () => session.endStdin());
    }
    conn.input.resume();
  });
}
