// plugin ls: GET /plugins, as the docker CLI lists them (Berth has no plugin system, so the daemon
// answers an empty list; the command still reads it rather than printing nothing on its own).
import type { CommandDef } from '../cli.ts';
import { table } from '../tabwriter.ts';

interface Plugin {
  Id: string;
  Name: string;
  Enabled: boolean;
  Config?: { Description?: string };
}

export const pluginLs: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [{ name: 'quiet', short: 'q', kind: 'bool', usage: 'Only display plugin IDs' }],
  async run(cli, p) {
    const client = await cli.client();
    const list = (await client.transport.json<Plugin[]>({ method: 'GET', path: '/plugins' })) ?? [];
    if (p.values.quiet) {
      for (const pl of list) cli.println(pl.Id.slice(0, 12));
      return;
    }
    cli.print(table([['ID', 'NAME', 'DESCRIPTION', 'ENABLED'], ...list.map((pl) => [pl.Id.slice(0, 12), pl.Name, pl.Config?.Description ?? '', String(pl.Enabled)])]));
  },
};
