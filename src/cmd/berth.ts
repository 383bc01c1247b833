// berth: Berth's command-line client (docker's command tree, over src/sdk).
import { main } from '../cli/main.ts';

// A reader that went away (`berth export c | head`): stop quietly, as a Go program killed by SIGPIPE does.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
}

const code = await main(process.argv.slice(2)).catch((e: unknown) => {
  if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') return 141;
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
});
// Leave by the end of the event loop (pending output is written first), not by process.exit() right
// away: Node 24's process.exit() joins V8's worker threads before it tears the heap down, and a
// background compile job (Maglev) that is waiting for the main thread to collect garbage then waits
// forever, and so does the exit (nodejs/node#54918; seen after a `build` that streamed 300 MB, the
// image id printed). An ordinary end disposes of the heap first, which lets such a job go.
process.exitCode = code;
// Something left open (stdin, a socket) would keep the process: leave anyway once the loop has been
// idle a moment (the main thread, idle, has served any such job's collection by then).
setTimeout(() => process.exit(code), 100).unref();
