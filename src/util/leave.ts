// Ending a process with an exit code without process.exit() on the way out of a finished job.
//
// Node 24's process.exit() joins V8's worker threads before it tears the heap down, and a background
// compile job (Maglev) that is waiting for the main thread to collect garbage then waits forever, and so
// does the exit (nodejs/node#54918; seen as `berth build` hanging after it had printed the image id). An
// ordinary end of the event loop disposes of the heap first, which lets such a job go.

/** Exit with `code` once the event loop has nothing left to do (pending output is written first); if
 * something stays open (stdin, a socket), exit anyway after `graceMs` of it, by then with the main
 * thread idle a moment, which has served any such job's collection. */
export function leave(code: number, graceMs = 100): void {
  process.exitCode = code;
  // What fails once the job is done (an upload torn down with its connection, a late rejection) changes
  // neither the exit code nor the output: the job's are kept, as when process.exit() came at once.
  process.on('uncaughtException', () => {});
  process.on('unhandledRejection', () => {});
  setTimeout(() => process.exit(code), graceMs).unref();
}
