// builder prune: POST /build/prune, as the docker CLI's classic `docker builder prune`.
import type { CommandDef } from '../cli.ts';
import { humanSize } from '../units.ts';
import { filterFlag, parseFilters } from './common.ts';
import { confirm } from './lifecycle.ts';
import { encodeFilters } from '../../sdk/client.ts';

export const builderPrune: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused build cache, not just dangling ones' },
    filterFlag('Provide filter values (e.g. "until=24h")'),
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
    { name: 'keep-storage', kind: 'bytes', usage: 'Amount of disk space to keep for cache', typeName: 'bytes' },
  ],
  async run(cli, p) {
    const v = p.values;
    const what = v.all ? 'all build cache' : 'all dangling build cache';
    if (!v.force && !(await confirm(cli, `WARNING! This will remove ${what}. Are you sure you want to continue?`))) return 0;
    const client = await cli.client();
    const res = await client.transport.json<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>({
      method: 'POST',
      path: '/build/prune',
      query: { all: v.all || undefined, filters: encodeFilters(parseFilters(v.filter)), 'keep-storage': v['keep-storage'] || undefined },
    });
    if (res?.CachesDeleted?.length) cli.println(`Deleted build cache objects:\n${res.CachesDeleted.join('\n')}\n`);
    cli.println(`Total reclaimed space: ${humanSize(res?.SpaceReclaimed ?? 0)}`);
  },
};
