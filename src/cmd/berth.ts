// berth: Berth's command-line client (docker's command tree, over src/sdk).
import { main } from '../cli/main.ts';

const code = await main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
});
// Let pending output drain, then leave even if a socket or stdin is still open.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
