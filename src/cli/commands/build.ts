// berth build: the classic builder's client side — send the context as a tar, show the stream.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { StatusError, type CommandDef } from '../cli.ts';
import { kvToMap } from '../container-opts.ts';
import { ramInBytes } from '../units.ts';

/** .dockerignore patterns (Go filepath.Match plus "**" and "!" exceptions) → a predicate. */
export function dockerignore(patterns: string[]): (rel: string) => boolean {
  const rules = patterns
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#'))
    .map((p) => {
      const negate = p.startsWith('!');
      let pat = path.posix.normalize((negate ? p.slice(1) : p).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
      if (pat === '.') pat = '';
      let re = '';
      for (let i = 0; i < pat.length; i++) {
        const c = pat[i];
        if (c === '*') {
          if (pat[i + 1] === '*') {
            i++;
            if (pat[i + 1] === '/') {
              i++;
              re += '(?:.*/)?';
            } else re += '.*';
          } else re += '[^/]*';
        } else if (c === '?') re += '[^/]';
        else if (c === '[') {
          const j = pat.indexOf(']', i);
          if (j < 0) re += '\\[';
          else {
            re += '[' + pat.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
            i = j;
          }
        } else if (c === '\\' && i + 1 < pat.length) re += '\\' + pat[++i];
        else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
      }
      return { negate, re: new RegExp(`^${re}(?:/.*)?$`) };
    });
  return (rel: string) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(rel)) excluded = !r.negate;
    return excluded;
  };
}

async function tarDirectory(dir: string, excluded: (rel: string) => boolean, dockerfileRel: string, extra?: { name: string; content: Buffer }): Promise<Readable> {
  const tar = await import('tar-stream');
  const pack = tar.pack();
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(dir, rel);
    for (const name of fs.readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const keep = r === dockerfileRel || r === '.dockerignore' || !excluded(r);
      const st = fs.lstatSync(path.join(dir, r));
      if (!keep && !st.isDirectory()) continue;
      const base = { name: r, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
      if (st.isDirectory()) {
        if (keep) await new Promise<void>((res, rej) => pack.entry({ ...base, type: 'directory' }, (e) => (e ? rej(e) : res())));
        await walk(r);
      } else if (st.isSymbolicLink()) {
        await new Promise<void>((res, rej) => pack.entry({ ...base, type: 'symlink', linkname: fs.readlinkSync(path.join(dir, r)) }, (e) => (e ? rej(e) : res())));
      } else if (st.isFile()) {
        await new Promise<void>((res, rej) => {
          const entry = pack.entry({ ...base, type: 'file', size: st.size }, (e) => (e ? rej(e) : res()));
          const file = fs.createReadStream(path.join(dir, r));
          // the pack torn down (the daemon answered before it had read the whole context, the CLI
          // done) ends its entry with an error: the file stops being read, nothing is thrown
          entry.on('error', () => file.destroy());
          file.on('error', (e) => entry.destroy(e));
          file.pipe(entry);
        });
      }
    }
  };
  walk('')
    .then(() => {
      if (extra) pack.entry({ name: extra.name, mode: 0o600, mtime: new Date(), uid: 0, gid: 0, type: 'file' }, extra.content);
    })
    .then(
    () => pack.finalize(),
    (e) => pack.destroy(e),
  );
  return pack as unknown as Readable;
}

async function tarOfDockerfile(content: Buffer): Promise<Readable> {
  const tar = await import('tar-stream');
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644, size: content.length }, content);
  pack.finalize();
  return pack as unknown as Readable;
}

function isTarOrCompressed(head: Buffer): boolean {
  if (head.length >= 262 && head.subarray(257, 262).toString() === 'ustar') return true;
  return (head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0x42 && head[1] === 0x5a) || (head[0] === 0xfd && head[1] === 0x37);
}

/**
 * docker 28's processBuilder when the buildx component is missing (Berth has none; its build is
 * the classic builder): DOCKER_BUILDKIT=0 and an unset DOCKER_BUILDKIT warn that the legacy
 * builder is deprecated, DOCKER_BUILDKIT=1 is an error, anything but a Go boolean is refused.
 */
function legacyBuilderNotice(err: NodeJS.WritableStream): void {
  const v = process.env.DOCKER_BUILDKIT ?? '';
  const head = 'DEPRECATED: The legacy builder is deprecated and will be removed in a future release.';
  if (v === '') {
    err.write(`${head}\n            Install the buildx component to build images with BuildKit:\n            https://docs.docker.com/go/buildx/\n\n`);
    return;
  }
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) {
    err.write(`${head}\n            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0\n            environment-variable.\n\n`);
    return;
  }
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) {
    throw new StatusError(1, 'ERROR: BuildKit is enabled but the buildx component is missing or broken.\n       Install the buildx component to build images with BuildKit:\n       https://docs.docker.com/go/buildx/');
  }
  throw new StatusError(1, `DOCKER_BUILDKIT environment variable expects boolean value: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export const build: CommandDef = {
  usage: '[OPTIONS] PATH | URL | -',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'add-host', kind: 'list', usage: 'Add a custom host-to-IP mapping ("host:ip")' },
    { name: 'build-arg', kind: 'list', usage: 'Set build-time variables' },
    { name: 'cache-from', kind: 'list', usage: 'Images to consider as cache sources', typeName: 'strings' },
    { name: 'cgroup-parent', kind: 'string', usage: 'Set the parent cgroup for the "RUN" instructions during build' },
    { name: 'compress', kind: 'bool', usage: 'Compress the build context using gzip' },
    { name: 'cpu-period', kind: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) period' },
    { name: 'cpu-quota', kind: 'int', usage: 'Limit the CPU CFS (Completely Fair Scheduler) quota' },
    { name: 'cpu-shares', short: 'c', kind: 'int', usage: 'CPU shares (relative weight)' },
    { name: 'cpuset-cpus', kind: 'string', usage: 'CPUs in which to allow execution (0-3, 0,1)' },
    { name: 'cpuset-mems', kind: 'string', usage: 'MEMs in which to allow execution (0-3, 0,1)' },
    { name: 'disable-content-trust', kind: 'bool', usage: 'Skip image verification', def: true, hidden: true },
    { name: 'file', short: 'f', kind: 'string', usage: 'Name of the Dockerfile (Default is "PATH/Dockerfile")' },
    { name: 'force-rm', kind: 'bool', usage: 'Always remove intermediate containers' },
    { name: 'iidfile', kind: 'string', usage: 'Write the image ID to the file' },
    { name: 'isolation', kind: 'string', usage: 'Container isolation technology' },
    { name: 'label', kind: 'list', usage: 'Set metadata for an image' },
    { name: 'memory', short: 'm', kind: 'bytes', usage: 'Memory limit', typeName: 'bytes' },
    { name: 'memory-swap', kind: 'string', usage: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap', typeName: 'bytes' },
    { name: 'network', kind: 'string', usage: 'Set the networking mode for the RUN instructions during build', def: 'default' },
    { name: 'no-cache', kind: 'bool', usage: 'Do not use cache when building the image' },
    { name: 'platform', kind: 'string', usage: 'Set platform if server is multi-platform capable' },
    { name: 'pull', kind: 'bool', usage: 'Always attempt to pull a newer version of the image' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Suppress the build output and print image ID on success' },
    { name: 'rm', kind: 'bool', usage: 'Remove intermediate containers after a successful build', def: true },
    { name: 'secret', kind: 'list', usage: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=X,env=VAR"), for RUN --mount=type=secret' },
    { name: 'security-opt', kind: 'list', usage: 'Security options', typeName: 'strings' },
    { name: 'shm-size', kind: 'bytes', usage: 'Size of "/dev/shm"', typeName: 'bytes' },
    { name: 'squash', kind: 'bool', usage: 'Squash newly built layers into a single new layer', hidden: true },
    { name: 'tag', short: 't', kind: 'list', usage: 'Name and optionally a tag in the "name:tag" format' },
    { name: 'target', kind: 'string', usage: 'Set the target build stage to build.' },
    { name: 'ulimit', kind: 'list', usage: 'Ulimit options', typeName: 'ulimit' },
  ],
  async run(cli, p) {
    legacyBuilderNotice(cli.err);
    const v = p.values;
    const source = p.args[0];
    if (v.iidfile) fs.rmSync(v.iidfile, { force: true });
    let context: Readable;
    let dockerfile: string | undefined = v.file;
    let remote: string | undefined;
    if (source === '-') {
      if (v.file === '-') throw new StatusError(1, "invalid argument: can't use stdin for both build context and dockerfile");
      const chunks: Buffer[] = [];
      for await (const c of cli.in) chunks.push(c as Buffer);
      const all = Buffer.concat(chunks);
      if (isTarOrCompressed(all)) {
        const pt = new PassThrough();
        pt.end(all);
        context = pt;
      } else {
        context = await tarOfDockerfile(all);
        dockerfile = 'Dockerfile';
      }
    } else if (/^(https?:\/\/|git@|github\.com\/)/.test(source)) {
      remote = source;
      context = (() => {
        const pt = new PassThrough();
        pt.end();
        return pt;
      })();
    } else {
      let st: fs.Stats;
      try {
        st = fs.statSync(source);
      } catch {
        throw new StatusError(1, `unable to prepare context: path "${source}" not found`);
      }
      if (!st.isDirectory()) throw new StatusError(1, `unable to prepare context: context must be a directory: ${path.resolve(source)}`);
      const dir = path.resolve(source);
      let rel = 'Dockerfile';
      // A Dockerfile from stdin or from outside the context travels inside the context under a
      // random name, as the docker CLI sends it.
      let extra: { name: string; content: Buffer } | undefined;
      if (dockerfile === '-') {
        const chunks: Buffer[] = [];
        for await (const c of cli.in) chunks.push(c as Buffer);
        extra = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, content: Buffer.concat(chunks) };
      } else if (dockerfile) {
        const abs = path.resolve(dockerfile);
        rel = path.relative(dir, abs);
        if (rel.startsWith('..')) {
          try {
            extra = { name: `.dockerfile.${randomBytes(10).toString('hex')}`, content: fs.readFileSync(abs) };
          } catch (e) {
            throw new StatusError(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`);
          }
        }
      }
      if (extra) rel = extra.name;
      else if (!fs.existsSync(path.join(dir, rel))) throw new StatusError(1, `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path.join(dir, rel)}: no such file or directory`);
      let patterns: string[] = [];
      try {
        patterns = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8').split(/\r?\n/);
      } catch {
        // no .dockerignore
      }
      context = await tarDirectory(dir, dockerignore(patterns), rel.split(path.sep).join('/'), extra);
      dockerfile = rel.split(path.sep).join('/');
    }
    const buildArgs: Record<string, string | null> = {};
    for (const a of v['build-arg'] as string[]) {
      const i = a.indexOf('=');
      if (i >= 0) buildArgs[a.slice(0, i)] = a.slice(i + 1);
      else buildArgs[a] = process.env[a] ?? null;
    }
    const ulimits = (v.ulimit as string[]).map((u) => {
      const [name, lim = ''] = u.split('=');
      const [soft, hard = soft] = lim.split(':');
      return { Name: name, Soft: Number(soft), Hard: Number(hard) };
    });
    const query = {
      t: v.tag.length ? v.tag : undefined,
      remote,
      dockerfile,
      q: v.quiet || undefined,
      nocache: v['no-cache'] || undefined,
      rm: v.rm,
      forcerm: v['force-rm'] || undefined,
      pull: v.pull || undefined,
      memory: v.memory,
      memswap: v['memory-swap'] ? (v['memory-swap'] === '-1' ? -1 : ramInBytes(v['memory-swap'])) : undefined,
      cpushares: v['cpu-shares'],
      cpuquota: v['cpu-quota'],
      cpuperiod: v['cpu-period'],
      cpusetcpus: v['cpuset-cpus'],
      cpusetmems: v['cpuset-mems'],
      cgroupparent: v['cgroup-parent'],
      shmsize: v['shm-size'],
      networkmode: v.network,
      target: v.target,
      platform: v.platform,
      isolation: v.isolation,
      squash: v.squash || undefined,
      // one extrahosts parameter per host, as the docker CLI sends them (dockerd does not split values)
      // "host=ip" (or the older "host:ip") is sent as "host:ip", as the docker CLI converts it
      extrahosts: v['add-host'].length ? (v['add-host'] as string[]).map((h) => (h.includes('=') ? `${h.slice(0, h.indexOf('='))}:${h.slice(h.indexOf('=') + 1)}` : h)) : undefined,
      buildargs: Object.keys(buildArgs).length ? buildArgs : undefined,
      labels: v.label.length ? kvToMap(v.label) : undefined,
      // JSON arrays in one parameter each, as the docker CLI sends them (an array would be repeated parameters)
      cachefrom: v['cache-from'].length ? JSON.stringify(v['cache-from']) : undefined,
      ulimits: ulimits.length ? JSON.stringify(ulimits) : undefined,
      version: '1',
    };
    const client = await cli.client();
    const res = await client.images.build(context, query as never, secretsHeader(v.secret as string[]));
    const { displayJSONMessages } = await import('../progress.ts');
    let aux: unknown[];
    const quietOut = new PassThrough();
    let quietText = '';
    quietOut.on('data', (c: Buffer) => (quietText += c.toString()));
    try {
      aux = await displayJSONMessages(res, v.quiet ? (quietOut as unknown as NodeJS.WriteStream) : cli.out, v.quiet ? { tty: false } : {});
    } catch (e) {
      if (v.quiet) cli.err.write(quietText);
      throw new StatusError((e as { code?: number }).code || 1, (e as Error).message);
    }
    let imageId = '';
    for (const a of aux) if (a && typeof a === 'object' && typeof (a as { ID?: unknown }).ID === 'string') imageId = (a as { ID: string }).ID;
    if (v.quiet) {
      if (!imageId) imageId = quietText.trim();
      cli.println(imageId);
    }
    if (v.iidfile) {
      if (!imageId) throw new StatusError(1, `server did not provide an image ID. Cannot write ${v.iidfile}`);
      fs.writeFileSync(v.iidfile, imageId);
    }
  },
};

/** --secret id=X[,src=FILE|,env=VAR] (BuildKit's forms; the default source is the env variable or file
 * named like the id) → Berth's X-Berth-Build-Secrets header: the classic POST /build has no secrets
 * channel, and a header keeps them out of URLs and logs. */
function secretsHeader(specs: string[]): Record<string, string> {
  if (!specs.length) return {};
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const kv = Object.fromEntries(spec.split(',').map((f) => [f.slice(0, f.indexOf('=') < 0 ? f.length : f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
    const id = kv.id;
    if (!id) throw new StatusError(125, `invalid secret ${JSON.stringify(spec)}: an id is required`);
    const src = kv.src ?? kv.source;
    const env = kv.env;
    let value: Buffer;
    if (env !== undefined || (src === undefined && process.env[id] !== undefined && !fs.existsSync(id))) {
      const v = process.env[env ?? id];
      if (v === undefined) throw new StatusError(125, `secret ${id}: environment variable ${env ?? id} is not set`);
      value = Buffer.from(v);
    } else {
      try {
        value = fs.readFileSync(src ?? id);
      } catch (e) {
        throw new StatusError(125, `failed to read secret ${id} from ${src ?? id}: ${(e as Error).message}`);
      }
    }
    out[id] = value.toString('base64');
  }
  return { 'X-Berth-Build-Secrets': Buffer.from(JSON.stringify(out)).toString('base64') };
}
