// Output of a process passed on to a hijacked client (attach, exec): a client that does not keep up
// pauses the session until its socket drains, so the daemon does not queue the output in the
// socket's buffer. What pausing means is the session's: a pipe it stops reading (the process is held
// back, as under dockerd), or conmon's attach socket, whose output it keeps aside (runtime/attach.ts).
import type { RawConn } from './context.ts';
import type { AttachSession } from '../runtime/types.ts';

/** A writer to `conn` that pauses `session` while the client is behind (not once `gone()`). */
export function heldWriter(conn: RawConn, session: AttachSession, gone: () => boolean): (data: Buffer) => void {
  let held = false;
  return (data) => {
    if (conn.write(data) || held || !session.pause || gone()) return;
    held = true;
    session.pause();
    conn.onDrain(() => {
      held = false;
      session.resume?.();
    });
  };
}
