// berth logs
import type { CommandDef } from '../cli.ts';
import { stdCopy } from '../../sdk/stdcopy.ts';
import { parseTimestamp } from '../units.ts';

export const logs: CommandDef = {
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'details', kind: 'bool', usage: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', kind: 'bool', usage: 'Follow log output' },
    { name: 'since', kind: 'string', usage: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'tail', short: 'n', kind: 'string', usage: 'Number of lines to show from the end of the logs', def: 'all' },
    { name: 'timestamps', short: 't', kind: 'bool', usage: 'Show timestamps' },
    { name: 'until', kind: 'string', usage: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const c = await client.containers.inspect(p.args[0]);
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    try {
      const res = await client.containers.logs(
        c.Id!,
        {
          follow: v.follow,
          stdout: true,
          stderr: true,
          since: v.since ? parseTimestamp(v.since) : undefined,
          until: v.until ? parseTimestamp(v.until) : undefined,
          timestamps: v.timestamps,
          tail: v.tail,
          details: v.details,
        },
        ac.signal,
      );
      if (c.Config?.Tty) {
        await new Promise<void>((resolve, reject) => {
          res.on('data', (chunk: Buffer) => {
            if (!cli.out.write(chunk)) {
              res.pause();
              cli.out.once('drain', () => res.resume());
            }
          });
          res.once('end', resolve);
          res.once('close', resolve);
          res.once('error', reject);
        });
      } else await stdCopy(res, cli.out, cli.err);
    } catch (e) {
      if (ac.signal.aborted) return 130;
      throw e;
    } finally {
      process.off('SIGINT', onSig);
    }
  },
};
