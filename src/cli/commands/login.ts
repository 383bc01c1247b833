// berth login / logout
import { StatusError, type CommandDef } from '../cli.ts';
import { normalizeServer, storeAuth, removeAuth, DEFAULT_REGISTRY } from '../auth.ts';
import { readAll } from './common.ts';

async function prompt(cli: Parameters<CommandDef['run']>[0], question: string, hidden: boolean): Promise<string> {
  cli.out.write(question);
  const stdin = cli.in;
  const raw = hidden && stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  return new Promise((resolve) => {
    let buf = '';
    const onData = (c: Buffer) => {
      for (const ch of c.toString()) {
        if (ch === '\r' || ch === '\n') {
          done();
          return;
        }
        if (ch === '\u0003') {
          done();
          process.exit(130);
        }
        if (ch === '\u007f') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      if (raw) {
        stdin.setRawMode(false);
        cli.out.write('\n');
      }
      stdin.pause();
      resolve(buf);
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

export const login: CommandDef = {
  usage: '[OPTIONS] [SERVER]',
  long: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
  args: { max: 1 },
  flags: [
    { name: 'password', short: 'p', kind: 'string', usage: 'Password or Personal Access Token (PAT)' },
    { name: 'password-stdin', kind: 'bool', usage: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', kind: 'string', usage: 'Username' },
  ],
  async run(cli, p) {
    const v = p.values;
    const server = normalizeServer(p.args[0]);
    let password: string | undefined = v.password;
    if (v['password-stdin']) {
      if (v.password) throw new StatusError(1, '--password and --password-stdin are mutually exclusive');
      if (!v.username) throw new StatusError(1, 'Must provide --username with --password-stdin');
      password = (await readAll(cli.in)).toString().replace(/\r?\n$/, '');
    } else if (password) cli.eprintln('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
    let username: string | undefined = v.username;
    if (!username) username = (await prompt(cli, 'Username: ', false)).trim();
    if (!username) throw new StatusError(1, 'Error: Non-null Username Required');
    if (password === undefined) password = await prompt(cli, 'Password: ', true);
    if (!password) throw new StatusError(1, 'Error: Password Required');
    const client = await cli.client();
    const r = await client.system.auth({ username, password, serveraddress: server });
    storeAuth(cli.opts.config, { username, password, serveraddress: server });
    cli.println(r?.Status || 'Login Succeeded');
  },
};

export const logout: CommandDef = {
  usage: '[SERVER]',
  long: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
  args: { max: 1 },
  async run(cli, p) {
    const server = normalizeServer(p.args[0]);
    const shown = server === DEFAULT_REGISTRY ? server : p.args[0] ?? server;
    if (!removeAuth(cli.opts.config, server)) {
      cli.println(`Not logged in to ${shown}`);
      return;
    }
    cli.println(`Removing login credentials for ${shown}`);
  },
};
