// images, rmi, tag, save, load, import, history, image prune (pull and push: pull-push.ts)
import { pipeToFileAtomic } from '../../util/fs.ts';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { StatusError, type Cli, type CommandDef } from '../cli.ts';
import { FormatContext, renderFormat, chooseFormat } from '../formatter.ts';
import { ago, ellipsis, goTimeString, humanSize, truncateId } from '../units.ts';
import { FORMAT_FLAG, filterFlag, parseFilters } from './common.ts';
import { confirm } from './lifecycle.ts';
import type { HistoryResponseItem, ImageSummary } from '../../sdk/types.ts';

/** reference.FamiliarName: "docker.io/library/busybox" → "busybox". */
export function familiarName(name: string): string {
  return name.replace(/^(docker\.io|index\.docker\.io)\/library\/(?=[^/]+$)/, '').replace(/^(docker\.io|index\.docker\.io)\//, '');
}

/** Splits "repo:tag" (a colon after the last slash), or "repo@digest". */
export function splitRef(ref: string): { repo: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), digest: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

export class ImageContext extends FormatContext {
  private readonly i: ImageSummary;
  private readonly trunc: boolean;
  private readonly repo: string;
  private readonly tag: string;
  private readonly digest: string;
  constructor(i: ImageSummary, trunc: boolean, repo: string, tag: string, digest: string) {
    super();
    this.i = i;
    this.trunc = trunc;
    this.repo = repo;
    this.tag = tag;
    this.digest = digest;
  }
  fields(): string[] {
    return ['ID', 'Repository', 'Tag', 'Digest', 'CreatedSince', 'CreatedAt', 'Size', 'Containers', 'SharedSize', 'UniqueSize', 'VirtualSize'];
  }
  ID(): string {
    return this.trunc ? truncateId(this.i.Id ?? '') : (this.i.Id ?? '');
  }
  Repository(): string {
    return this.repo;
  }
  Tag(): string {
    return this.tag;
  }
  Digest(): string {
    return this.digest;
  }
  CreatedSince(): string {
    return this.i.Created ? ago(this.i.Created) : '';
  }
  CreatedAt(): string {
    return goTimeString(this.i.Created ?? 0);
  }
  Size(): string {
    return humanSize(this.i.Size ?? 0);
  }
  VirtualSize(): string {
    return humanSize(this.i.Size ?? 0, 4);
  }
  Containers(): string {
    return this.i.Containers === -1 || this.i.Containers === undefined ? 'N/A' : String(this.i.Containers);
  }
  SharedSize(): string {
    return this.i.SharedSize === -1 || this.i.SharedSize === undefined ? 'N/A' : humanSize(this.i.SharedSize);
  }
  UniqueSize(): string {
    if (this.i.Size === -1 || this.i.SharedSize === -1 || this.i.SharedSize === undefined) return 'N/A';
    return humanSize((this.i.Size ?? 0) - this.i.SharedSize);
  }
}

const IMAGE_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const IMAGE_TABLE_DIGEST = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const IMAGE_HEADER = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  VirtualSize: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
};

function imageRows(img: ImageSummary, trunc: boolean, showDigests: boolean, needDigest: boolean): ImageContext[] {
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  if (!tags.length && !digests.length) return [new ImageContext(img, trunc, '<none>', '<none>', '<none>')];
  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const t of tags) {
    const { repo, tag } = splitRef(t);
    if (tag === undefined) continue;
    const r = familiarName(repo);
    repoTags.set(r, [...(repoTags.get(r) ?? []), tag]);
  }
  for (const d of digests) {
    const { repo, digest } = splitRef(d);
    if (!digest) continue;
    const r = familiarName(repo);
    repoDigests.set(r, [...(repoDigests.get(r) ?? []), digest]);
  }
  const out: ImageContext[] = [];
  for (const [repo, ts] of repoTags) {
    let ds = repoDigests.get(repo) ?? [];
    repoDigests.delete(repo);
    if (!needDigest) ds = [];
    for (const tag of ts) {
      if (!ds.length) out.push(new ImageContext(img, trunc, repo, tag, '<none>'));
      else for (const d of ds) out.push(new ImageContext(img, trunc, repo, tag, d));
    }
  }
  for (const [repo, ds] of repoDigests) {
    if (showDigests) for (const d of ds) out.push(new ImageContext(img, trunc, repo, '<none>', d));
    else out.push(new ImageContext(img, trunc, repo, '<none>', ''));
  }
  return out;
}

export const images: CommandDef = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  args: { max: 1 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', usage: 'Show digests' },
    filterFlag(),
    FORMAT_FLAG,
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
    { name: 'tree', kind: 'bool', usage: 'List multi-platform images as a tree (EXPERIMENTAL)', hidden: true },
  ],
  async run(cli, p) {
    const v = p.values;
    const filters = parseFilters(v.filter) ?? {};
    if (p.args[0]) (filters.reference ??= []).push(p.args[0]);
    let format = chooseFormat({ format: v.format, quiet: v.quiet, defaultTable: v.digests ? IMAGE_TABLE_DIGEST : IMAGE_TABLE, warn: (s) => cli.eprintln(s) });
    if (format.startsWith('table') && v.digests && !format.includes('{{.Digest}}')) format += '\t{{.Digest}}';
    const client = await cli.client();
    const list = await client.images.list({ all: v.all, filters: Object.keys(filters).length ? filters : undefined });
    const needDigest = !!v.digests || format.includes('{{.Digest}}');
    const rows = list.flatMap((img) => imageRows(img, !v['no-trunc'], !!v.digests, needDigest));
    cli.print(renderFormat(format, rows, IMAGE_HEADER));
  },
};

export const rmi: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', usage: 'Do not delete untagged parents' },
  ],
  async run(cli, p) {
    const client = await cli.client();
    const errs: string[] = [];
    let fatal = false;
    for (const name of p.args) {
      try {
        const items = await client.images.remove(name, { force: p.values.force, noprune: p.values['no-prune'] });
        for (const d of items ?? []) cli.println(d.Deleted ? `Deleted: ${d.Deleted}` : `Untagged: ${d.Untagged}`);
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) fatal = true;
        errs.push((e as Error).message);
      }
    }
    if (errs.length) {
      if (!p.values.force || fatal) throw new StatusError(1, errs.join('\n'));
      cli.eprintln(errs.join('\n'));
    }
  },
};

export const tag: CommandDef = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  args: { min: 2, max: 2 },
  async run(cli, p) {
    const [source, target] = p.args;
    const t = splitRef(target);
    if (t.digest) throw new StatusError(1, 'refusing to create a tag with a digest reference');
    if (!/^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$/.test(t.repo.replace(/^[a-zA-Z0-9.-]+(:\d+)?\//, (h) => (h.includes('.') || h.includes(':') || h.startsWith('localhost') ? '' : h)))) {
      const full = t.repo.includes('/') ? t.repo : `library/${t.repo}`;
      throw new StatusError(1, `Error parsing reference: "${target}" is not a valid repository/tag: invalid reference format${/[A-Z]/.test(t.repo) ? `: repository name (${full}) must be lowercase` : ''}`);
    }
    const client = await cli.client();
    await client.images.tag(source, t.repo, t.tag ?? 'latest');
  },
};

export const save: CommandDef = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [
    { name: 'output', short: 'o', kind: 'string', usage: 'Write to a file, instead of STDOUT' },
    { name: 'platform', kind: 'list', usage: 'Save only the given platform(s)' },
  ],
  async run(cli, p) {
    const output: string | undefined = p.values.output;
    if (!output && cli.out.isTTY) throw new StatusError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const client = await cli.client();
    const res = await client.images.save(p.args, { platform: p.values.platform[0] });
    if (output) {
      try {
        await pipeToFileAtomic(res, output);
      } catch (e) {
        throw new StatusError(1, `failed to save image: ${(e as Error).message}`);
      }
    } else await pipeline(res, cli.out);
  },
};

export async function showStream(cli: Cli, res: Readable & { headers?: Record<string, unknown> }, out: NodeJS.WriteStream): Promise<unknown[]> {
  const ct = String(res.headers?.['content-type'] ?? '');
  if (ct && !ct.includes('json')) {
    await pipeline(res, out, { end: false });
    return [];
  }
  const { displayJSONMessages } = await import('../progress.ts');
  try {
    return await displayJSONMessages(res, out);
  } catch (e) {
    throw new StatusError(1, (e as Error).message);
  }
}

export const load: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [
    { name: 'input', short: 'i', kind: 'string', usage: 'Read from tar archive file, instead of STDIN' },
    { name: 'platform', kind: 'list', usage: 'Load only the given platform(s)' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the load output' },
  ],
  async run(cli, p) {
    const v = p.values;
    let input: Readable;
    if (v.input) {
      try {
        fs.accessSync(v.input, fs.constants.R_OK);
      } catch {
        throw new StatusError(1, `open ${v.input}: no such file or directory`);
      }
      input = fs.createReadStream(v.input);
    } else {
      if (cli.in.isTTY) throw new StatusError(1, 'requested load from stdin, but stdin is empty');
      input = cli.in as unknown as Readable;
    }
    const client = await cli.client();
    const res = await client.images.load(input, { quiet: v.quiet || !cli.out.isTTY, platform: v.platform[0] });
    await showStream(cli, res, cli.out);
  },
};

export const importCmd: CommandDef = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  args: { min: 1, max: 2 },
  flags: [
    { name: 'change', short: 'c', kind: 'list', usage: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', usage: 'Set commit message for imported image' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
  ],
  async run(cli, p) {
    const [source, ref] = p.args;
    let body: Readable | null = null;
    let fromSrc = '-';
    if (source === '-') body = cli.in as unknown as Readable;
    else if (/^https?:\/\//.test(source)) fromSrc = source;
    else {
      try {
        fs.accessSync(source, fs.constants.R_OK);
      } catch {
        throw new StatusError(1, `open ${source}: no such file or directory`);
      }
      body = fs.createReadStream(source);
    }
    let repo: string | undefined;
    let tg: string | undefined;
    if (ref) {
      const r = splitRef(ref);
      repo = r.repo;
      tg = r.tag;
    }
    const client = await cli.client();
    const res = await client.images.import(body, { fromSrc, repo, tag: tg, message: p.values.message, changes: p.values.change.length ? p.values.change : undefined, platform: p.values.platform });
    await showStream(cli, res, cli.out);
  },
};

class HistoryContext extends FormatContext {
  private readonly h: HistoryResponseItem;
  private readonly trunc: boolean;
  private readonly human: boolean;
  constructor(h: HistoryResponseItem, trunc: boolean, human: boolean) {
    super();
    this.h = h;
    this.trunc = trunc;
    this.human = human;
  }
  fields(): string[] {
    return ['ID', 'CreatedAt', 'CreatedSince', 'CreatedBy', 'Size', 'Comment'];
  }
  ID(): string {
    if (!this.h.Id || this.h.Id === '<missing>') return '<missing>';
    return this.trunc ? truncateId(this.h.Id) : this.h.Id;
  }
  CreatedAt(): string {
    return new Date((this.h.Created ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  CreatedSince(): string {
    if (!this.human) return this.CreatedAt();
    if ((this.h.Created ?? 0) <= 0) return 'N/A';
    return ago(this.h.Created);
  }
  CreatedBy(): string {
    const s = (this.h.CreatedBy ?? '').replace(/\t/g, ' ');
    return this.trunc ? ellipsis(s, 45) : s;
  }
  Size(): string {
    return this.human ? humanSize(this.h.Size ?? 0) : String(this.h.Size ?? 0);
  }
  Comment(): string {
    return this.h.Comment ?? '';
  }
}

export const history: CommandDef = {
  usage: '[OPTIONS] IMAGE',
  args: { min: 1, max: 1 },
  flags: [
    FORMAT_FLAG,
    { name: 'human', short: 'H', kind: 'bool', usage: 'Print sizes and dates in human readable format', def: true },
    { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
    { name: 'platform', kind: 'string', usage: 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Only show image IDs' },
  ],
  async run(cli, p) {
    const v = p.values;
    const client = await cli.client();
    const items = await client.images.history(p.args[0]);
    const def = v.human ? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}' : 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    const format = chooseFormat({ format: v.format, quiet: v.quiet, defaultTable: def });
    const rows = items.map((h) => new HistoryContext(h, !v['no-trunc'], v.human));
    cli.print(renderFormat(format, rows, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }));
  },
};

export const prune: CommandDef = {
  usage: '[OPTIONS]',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', usage: 'Remove all unused images, not just dangling ones' },
    filterFlag('Provide filter values (e.g. "until=<timestamp>")'),
    { name: 'force', short: 'f', kind: 'bool', usage: 'Do not prompt for confirmation' },
  ],
  async run(cli, p) {
    const all = !!p.values.all;
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?'
      : 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';
    if (!p.values.force && !(await confirm(cli, warning))) return 0;
    const filters = parseFilters(p.values.filter) ?? {};
    filters.dangling = [String(!all)];
    const client = await cli.client();
    const r = await client.images.prune(filters);
    let out = '';
    if (r.ImagesDeleted?.length) {
      out += 'Deleted Images:\n';
      for (const d of r.ImagesDeleted) out += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted}\n`;
      out += '\n';
    }
    cli.print(out);
    cli.println(`Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}`);
  },
};
