// docker pull and push: an image to or from a registry, with the registry's credentials and the
// daemon's progress shown as the docker CLI shows it.
import { StatusError, type CommandDef } from '../cli.ts';
import { splitRef, showStream } from './images.ts';

export const pull: CommandDef = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Download all tagged images in the repository' },
    { name: 'disable-content-trust', kind: 'bool', usage: 'Skip image verification', def: true, hidden: true },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  async run(cli, p) {
    const ref = p.args[0];
    const r = splitRef(ref);
    if (p.values['all-tags'] && (r.tag || r.digest)) throw new StatusError(1, 'tag can\'t be used with --all-tags/-a');
    const client = await cli.client();
    const { withDefaultTag, normalizeRepo } = await import('./run.ts');
    const full = p.values['all-tags'] ? r.repo : withDefaultTag(ref);
    const s = splitRef(full);
    if (!p.values['all-tags'] && !r.tag && !r.digest) cli.println('Using default tag: latest');
    const { registryAuthHeader } = await import('../auth.ts');
    const res = await client.images.pull(normalizeRepo(s.repo), { tag: s.tag ?? s.digest, platform: p.values.platform, registryAuth: registryAuthHeader(cli.opts.config, s.repo) });
    const { displayJSONMessages } = await import('../progress.ts');
    const sink = p.values.quiet ? (new (await import('node:stream')).PassThrough().resume() as unknown as NodeJS.WriteStream) : cli.out;
    try {
      await displayJSONMessages(res, sink, { tty: p.values.quiet ? false : undefined });
    } catch (e) {
      throw new StatusError(1, (e as Error).message);
    }
    cli.println(`${normalizeRepo(s.repo)}${s.digest ? '@' + s.digest : s.tag ? ':' + s.tag : ''}`);
  },
};

export const push: CommandDef = {
  usage: '[OPTIONS] NAME[:TAG]',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', usage: 'Push all tags of an image to the repository' },
    { name: 'disable-content-trust', kind: 'bool', usage: 'Skip image signing', def: true, hidden: true },
    { name: 'platform', kind: 'string', usage: 'Push a platform-specific manifest as a single-platform image to the registry.' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress verbose output' },
  ],
  async run(cli, p) {
    const r = splitRef(p.args[0]);
    if (!p.values['all-tags'] && !r.tag) cli.println('Using default tag: latest');
    const client = await cli.client();
    const { registryAuthHeader } = await import('../auth.ts');
    const res = await client.images.push(r.repo, { tag: p.values['all-tags'] ? undefined : (r.tag ?? 'latest'), registryAuth: registryAuthHeader(cli.opts.config, r.repo) });
    await showStream(cli, res, cli.out);
  },
};
