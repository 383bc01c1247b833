// POST /containers/{id}/attach: a hijacked connection carrying the container's stdio.
import type { Ctx } from '../context.ts';
import type { ContainerService } from '../../engine/containers/service.ts';
import type { AttachSession } from '../../runtime/types.ts';
import { frame, streamContentType } from '../stdcopy.ts';
import { heldWriter } from '../held-output.ts';
import { parseDetachKeys, DetachScanner } from '../detach-keys.ts';

export async function attachToContainer(ctx: Ctx, containers: ContainerService): Promise<void> {
  const c = containers.get(ctx.params.id!);
  const tty = !!c.Config.Tty;
  const wantStdin = ctx.qBool('stdin');
  const wantStdout = ctx.qBool('stdout');
  const wantStderr = ctx.qBool('stderr');
  const withLogs = ctx.qBool('logs');
  const stream = ctx.qBool('stream');
  const detachKeys = parseDetachKeys(ctx.q('detachKeys'));
  if (c.State.Paused) throw new (await import('../../errdefs.ts')).BerthError('conflict', `You cannot attach to a paused container, unpause it first`);

  await ctx.skipBody();
  const conn = ctx.hijack(streamContentType(tty));
  const send = (s: 'stdout' | 'stderr', data: Buffer) => {
    if ((s === 'stdout' && !wantStdout) || (s === 'stderr' && !wantStderr)) return;
    conn.write(tty ? data : frame(s, data));
  };

  if (withLogs) {
    const ac = new AbortController();
    for await (const e of containers.logs(c.Id, { follow: false, stdout: wantStdout, stderr: wantStderr }, ac.signal)) send(e.stream, e.data);
  }
  if (!stream) return conn.end();

  let session: AttachSession;
  let closed = false;
  conn.onClose(() => {
    closed = true;
    session?.close();
  });
  try {
    session = await containers.attach(c.Id);
  } catch (e) {
    return conn.end();
  }
  if (closed) return session.close();
  containers.emitEvent(c.Id, 'attach');
  // A client that does not keep up: the session keeps its output aside until the socket drains,
  // instead of the daemon queueing it all in the socket's buffer.
  const pass = heldWriter(conn, session, () => closed);
  session.onData((s, data) => {
    if ((s === 'stdout' && !wantStdout) || (s === 'stderr' && !wantStderr)) return;
    pass(tty ? data : frame(s, data));
  });
  session.onEnd(() => conn.end());

  if (wantStdin) {
    const scanner = tty ? new DetachScanner(detachKeys) : undefined;
    conn.input.on('data', (chunk: Buffer) => {
      if (scanner) {
        const { pass, detach } = scanner.feed(chunk);
        if (pass.length) session.write(pass);
        if (detach) {
          session.close();
          containers.emitEvent(c.Id, 'detach');
          conn.end();
        }
      } else session.write(chunk);
    });
    conn.input.on('end', () => {
      // Docker closes the container's stdin when the client's stdin ends, for a StdinOnce container without a TTY.
      if (c.Config.StdinOnce && !tty) session.endStdin();
    });
  }
  conn.input.resume();
}
