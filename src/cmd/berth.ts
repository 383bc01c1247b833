// berth: Berth's command-line client (docker's command tree, over src/sdk).
import { main } from '../cli/main.ts';
import { leave } from '../util/leave.ts';

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
leave(code);
