// The classic builder: a Dockerfile's stages run instruction by instruction. RUN runs in a real container
// and COPY/ADD write into one, each committed as a layer; every other instruction changes only the image
// config (an empty_layer history entry). Each step is cached by its parent image, its instruction and, for
// COPY/ADD, the checksum of the files it takes. The output follows dockerd's ("Step 2/7 : ...").
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { StepContainers } from './step-containers.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import type { ImageConfigFile, ContainerConfig, ImageRecord } from '../images/types.ts';
import type { Collection } from '../store/db.ts';
import { goArch, goTime, serializeConfig } from '../images/image-config.ts';
import { parseNormalizedNamed, tagNameOnly, familiarString } from '../images/reference.ts';
import { BerthError, invalidParameter, notFound } from '../errdefs.ts';
import { run } from '../util/exec.ts';
import { secureJoin } from '../platform/linux/securejoin.ts';
import { parseDockerfile, type Instruction, type Stage } from './dockerfile.ts';
import { substitute, words, keyValues, jsonArgs } from './vars.ts';
import { resolveSources, checksum } from './context.ts';

export interface BuildOptions {
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  labels: Record<string, string>;
  networkMode?: string;
  hostConfig?: Record<string, unknown>;
  forceRm: boolean;
  /** --pull: fetch every base image again, even when one is held */
  pull?: boolean;
  /** --platform: the platform base images are chosen for ("linux/arm64") */
  platform?: string;
}

export interface BuildDeps {
  containers: StepContainers;
  images: ImageStoreService;
  /** step key → the image it made, and when the entry was last used (ISO time; docker builder prune --filter until) */
  cache: Collection<{ imageId: string; usedAt?: string }>;
  /** Pull an image (progress as Docker's JSON messages); resolves with its ID. Absent: no pulling. */
  pull?: (ref: string, platform: string | undefined, progress: (m: unknown) => void) => Promise<string>;
  /** Where pull progress goes (the build's JSON stream) */
  progress?: (m: unknown) => void;
}

export class BuildError extends BerthError {
  readonly code: number;
  constructor(message: string, code = 1) {
    super('invalid-parameter', message);
    this.code = code;
  }
}

interface StageState {
  image: ImageRecord;
  file: ImageConfigFile;
  config: ContainerConfig;
  /** ARGs declared in the stage, with their values */
  args: Record<string, string>;
  cmdSet: boolean;
}

const SECOND = 1e9;
const DEFAULT_SHELL = ['/bin/sh', '-c'];

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function duration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(s);
  if (!m) throw invalidParameter(`time: invalid duration "${s}"`);
  const mult: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  return Math.round(Number(m[1]) * mult[m[2]!]!);
}

export class Builder {
  private readonly deps: BuildDeps;
  private readonly opts: BuildOptions;
  private readonly contextDir: string;
  private readonly out: (text: string) => void;
  private readonly stageImages = new Map<string, ImageRecord>();
  private step = 0;
  private total = 0;
  private usedArgs = new Set<string>();

  constructor(deps: BuildDeps, contextDir: string, opts: BuildOptions, out: (text: string) => void) {
    this.deps = deps;
    this.contextDir = contextDir;
    this.opts = opts;
    this.out = out;
  }

  async build(): Promise<string> {
    const file = path.join(this.contextDir, this.opts.dockerfile || 'Dockerfile');
    let text: string;
    try {
      text = fs.readFileSync(secureJoin(this.contextDir, this.opts.dockerfile || 'Dockerfile'), 'utf8');
    } catch {
      throw invalidParameter(`Cannot locate specified Dockerfile: ${path.basename(file)}`);
    }
    const df = parseDockerfile(text);
    let stages = df.stages;
    if (this.opts.target) {
      const i = stages.findIndex((s) => s.name === this.opts.target!.toLowerCase());
      if (i < 0) throw invalidParameter(`failed to reach build target ${this.opts.target} in Dockerfile`);
      stages = stages.slice(0, i + 1);
    }
    const globalArgs: Record<string, string> = {};
    for (const a of df.globalArgs) for (const [k, v] of keyValues(a.args, 'ARG', df.escape)) globalArgs[k] = this.opts.buildArgs[k] ?? (v === '\u0000' ? '' : v);
    this.total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0) + df.globalArgs.length;
    for (const a of df.globalArgs) this.begin(a);
    let last: ImageRecord | undefined;
    for (const s of stages) last = await this.runStage(s, globalArgs, df.escape);
    const unused = Object.keys(this.opts.buildArgs).filter((k) => !this.usedArgs.has(k) && !(k in globalArgs));
    if (unused.length) this.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    return last!.id;
  }

  private begin(i: Instruction): void {
    this.step++;
    this.out(`Step ${this.step}/${this.total} : ${i.original}\n`);
  }

  private async fromImage(ref: string, platform = this.opts.platform): Promise<ImageRecord> {
    const stage = this.stageImages.get(ref.toLowerCase());
    if (stage) return stage;
    if (ref === 'scratch') {
      const file: ImageConfigFile = { architecture: goArch(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
      return this.deps.images.createImage(serializeConfig(file));
    }
    let local: ImageRecord | undefined;
    try {
      local = this.deps.images.resolve(ref);
    } catch (e) {
      if (!(e instanceof BerthError && e.kind === 'not-found')) throw e;
    }
    // a held image for another platform does not do: fetch the right one, as dockerd does
    if (local && platform && !platformMatches(local, platform)) local = undefined;
    if (local && !this.opts.pull) return local;
    if (!this.deps.pull) {
      if (local) return local;
      throw notFound(`pull access denied for ${ref.split(':')[0]}, repository does not exist or may require 'docker login'`);
    }
    try {
      const id = await this.deps.pull(ref, platform, this.deps.progress ?? (() => {}));
      return this.deps.images.images.get(id) ?? this.deps.images.resolve(id);
    } catch (e) {
      if (e instanceof BerthError && (e.kind === 'not-found' || e.kind === 'unauthorized')) throw notFound(`pull access denied for ${ref.split(':')[0]}, repository does not exist or may require 'docker login': ${e.message}`);
      throw e;
    }
  }

  private async runStage(stage: Stage, globalArgs: Record<string, string>, escape: string): Promise<ImageRecord> {
    this.begin(stage.from);
    const ref = substitute(stage.from.args.trim().split(/\s+/)[0]!, globalArgs, escape);
    const fromPlatform = stage.from.flags.platform ? substitute(stage.from.flags.platform, globalArgs, escape) : undefined;
    const image = await this.fromImage(ref, fromPlatform ?? this.opts.platform);
    this.out(` ---> ${short(image.id)}\n`);
    const st: StageState = { image, file: structuredClone(image.config), config: structuredClone(image.config.config ?? {}), args: {}, cmdSet: false };
    const triggers = st.config.OnBuild ?? [];
    if (triggers.length) {
      this.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      st.config.OnBuild = null;
      for (const t of triggers) {
        const p = parseDockerfile(`FROM scratch\n${t}\n`).stages[0]!.instructions[0]!;
        await this.execute(st, p, escape, true);
      }
    }
    for (const ins of stage.instructions) {
      this.begin(ins);
      await this.execute(st, ins, escape, false);
    }
    if (stage.name) this.stageImages.set(stage.name, st.image);
    this.stageImages.set(String(stage.index), st.image);
    return st.image;
  }

  /** Variables for substitution: the stage's ARGs under its ENV. */
  private vars(st: StageState): Record<string, string> {
    const env: Record<string, string> = { ...st.args };
    for (const e of st.config.Env ?? []) {
      const i = e.indexOf('=');
      env[e.slice(0, i)] = e.slice(i + 1);
    }
    return env;
  }

  private cacheKey(st: StageState, parts: unknown[]): string {
    return crypto.createHash('sha256').update(JSON.stringify([st.image.id, ...parts])).digest('hex');
  }

  private cached(key: string): ImageRecord | undefined {
    if (this.opts.noCache) return undefined;
    const hit = this.deps.cache.get(key);
    if (!hit) return undefined;
    try {
      const img = this.deps.images.resolve(hit.imageId);
      this.deps.cache.put(key, { ...hit, usedAt: new Date().toISOString() });
      return img;
    } catch {
      return undefined;
    }
  }

  private useImage(st: StageState, img: ImageRecord, key: string, fromCache: boolean): void {
    if (fromCache) this.out(` ---> Using cache\n`);
    else this.deps.cache.put(key, { imageId: img.id, usedAt: new Date().toISOString() });
    st.image = img;
    st.file = structuredClone(img.config);
    st.config = structuredClone(img.config.config ?? {});
    this.out(` ---> ${short(img.id)}\n`);
  }

  /** A config-only step: the same layers, a new config and an empty_layer history entry. */
  private commitConfig(st: StageState, createdBy: string, key: string): void {
    const file: ImageConfigFile = {
      ...st.file,
      created: goTime(),
      config: st.config,
      history: [...(st.file.history ?? []), { created: goTime(), created_by: createdBy, empty_layer: true }],
    };
    delete file.container;
    delete file.container_config;
    const img = this.deps.images.createImage(serializeConfig(file), { parent: st.image.id });
    this.useImage(st, img, key, false);
  }

  private async execute(st: StageState, ins: Instruction, escape: string, trigger: boolean): Promise<void> {
    const k = ins.keyword;
    const vars = this.vars(st);
    const sub = (s: string) => substitute(s, vars, escape);
    const key = this.cacheKey(st, [ins.keyword, ins.flags, ins.args, k === 'RUN' ? st.args : undefined]);
    if (k !== 'ARG' && k !== 'RUN' && k !== 'COPY' && k !== 'ADD') {
      const hit = this.cached(key);
      if (hit) {
        this.applyMeta(st, ins, sub, escape);
        return this.useImage(st, hit, key, true);
      }
    }
    switch (k) {
      case 'ARG': {
        for (const [name, dflt] of keyValues(ins.args, 'ARG', escape)) {
          this.usedArgs.add(name);
          const v = this.opts.buildArgs[name] ?? (dflt === '\u0000' ? undefined : sub(dflt));
          if (v !== undefined) st.args[name] = v;
          else st.args[name] = '';
        }
        this.out(` ---> ${short(st.image.id)}\n`);
        return;
      }
      case 'RUN':
        return this.runStep(st, ins, key);
      case 'COPY':
      case 'ADD':
        return this.copyStep(st, ins, sub, escape);
      default: {
        const createdBy = this.applyMeta(st, ins, sub, escape);
        this.commitConfig(st, createdBy, key);
        void trigger;
      }
    }
  }

  /** Apply a metadata instruction to the stage's config; returns the history line. */
  private applyMeta(st: StageState, ins: Instruction, sub: (s: string) => string, escape: string): string {
    const c = st.config;
    const shell = c.Shell?.length ? c.Shell : DEFAULT_SHELL;
    const nop = (s: string) => `/bin/sh -c #(nop) ${s}`;
    switch (ins.keyword) {
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k2, v] of keyValues(sub(ins.args), 'ENV', escape)) {
          const i = env.findIndex((e) => e.split('=')[0] === k2);
          if (i >= 0) env[i] = `${k2}=${v}`;
          else env.push(`${k2}=${v}`);
        }
        c.Env = env;
        return nop(` ENV ${ins.args}`);
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(sub(ins.args), 'LABEL', escape)) };
        return nop(` LABEL ${ins.args}`);
      case 'MAINTAINER':
        st.file.author = sub(ins.args);
        return nop(` MAINTAINER ${ins.args}`);
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of words(sub(ins.args), escape)) {
          const [range, proto = 'tcp'] = p.split('/');
          const [lo, hi = lo] = range!.split('-').map(Number);
          if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw invalidParameter(`invalid containerPort: ${p}`);
          for (let n = lo!; n <= hi!; n++) ports[`${n}/${proto.toLowerCase()}`] = {};
        }
        c.ExposedPorts = ports;
        return nop(` EXPOSE ${Object.keys(ports).join(' ')}`);
      }
      case 'CMD':
        c.Cmd = jsonArgs(ins.args) ?? [...shell, ins.args];
        st.cmdSet = true;
        return nop(` CMD ${JSON.stringify(c.Cmd)}`);
      case 'ENTRYPOINT':
        c.Entrypoint = jsonArgs(ins.args) ?? (ins.args.trim() ? [...shell, ins.args] : null);
        // An ENTRYPOINT resets a CMD inherited from the base image (not one set in this stage).
        if (!st.cmdSet) c.Cmd = null;
        return nop(` ENTRYPOINT ${JSON.stringify(c.Entrypoint)}`);
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        for (const v of jsonArgs(ins.args) ?? words(sub(ins.args), escape)) {
          if (!v) throw invalidParameter('VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        c.Volumes = vols;
        return nop(` VOLUME ${JSON.stringify(Object.keys(vols))}`);
      }
      case 'USER':
        c.User = sub(ins.args.trim());
        return nop(` USER ${c.User}`);
      case 'WORKDIR': {
        const w = sub(ins.args.trim());
        c.WorkingDir = path.posix.resolve(c.WorkingDir || '/', w);
        return nop(` WORKDIR ${c.WorkingDir}`);
      }
      case 'STOPSIGNAL':
        c.StopSignal = sub(ins.args.trim());
        return nop(` STOPSIGNAL ${c.StopSignal}`);
      case 'SHELL': {
        const j = jsonArgs(ins.args);
        if (!j) throw invalidParameter('SHELL requires the arguments to be in JSON form');
        c.Shell = j;
        return nop(` SHELL ${JSON.stringify(j)}`);
      }
      case 'ONBUILD': {
        const t = ins.args.trim();
        const kw = t.split(/\s+/)[0]!.toUpperCase();
        if (kw === 'ONBUILD') throw invalidParameter('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
        if (kw === 'FROM' || kw === 'MAINTAINER') throw invalidParameter(`${kw} isn't allowed as an ONBUILD trigger`);
        c.OnBuild = [...(c.OnBuild ?? []), t];
        return nop(` ONBUILD ${t}`);
      }
      case 'HEALTHCHECK': {
        const a = ins.args.trim();
        const kw = a.split(/\s+/)[0]!.toUpperCase();
        if (kw === 'NONE') c.Healthcheck = { Test: ['NONE'] };
        else if (kw === 'CMD') {
          const rest = a.slice(3).trim();
          const j = jsonArgs(rest);
          const hc: Record<string, unknown> = { Test: j ? ['CMD', ...j] : ['CMD-SHELL', rest] };
          const f = ins.flags;
          if (f.interval) hc.Interval = duration(f.interval);
          if (f.timeout) hc.Timeout = duration(f.timeout);
          if (f['start-period']) hc.StartPeriod = duration(f['start-period']);
          if (f['start-interval']) hc.StartInterval = duration(f['start-interval']);
          if (f.retries) hc.Retries = Number(f.retries);
          c.Healthcheck = hc;
        } else throw invalidParameter(`Unknown type "${kw}" in HEALTHCHECK (try CMD)`);
        return nop(` HEALTHCHECK &{${JSON.stringify(c.Healthcheck)}}`);
      }
      default:
        throw invalidParameter(`unknown instruction: ${ins.keyword}`);
    }
  }

  private runEnv(st: StageState): string[] {
    const env = [...(st.config.Env ?? [])];
    for (const [k, v] of Object.entries(st.args)) if (!env.some((e) => e.startsWith(`${k}=`))) env.push(`${k}=${v}`);
    return env;
  }

  /** A container from the current image (for RUN, or as the target of COPY). */
  private async newContainer(st: StageState, cmd: string[]): Promise<string> {
    const hc: Record<string, unknown> = { ...(this.opts.hostConfig ?? {}), NetworkMode: this.opts.networkMode || 'bridge' };
    const res = await this.deps.containers.create({
      config: { Image: st.image.id, Cmd: cmd, Entrypoint: [''], Env: this.runEnv(st), WorkingDir: st.config.WorkingDir ?? '', User: st.config.User ?? '', Labels: {}, HostConfig: hc as never },
    });
    return res.Id;
  }

  private async runStep(st: StageState, ins: Instruction, key: string): Promise<void> {
    const shell = st.config.Shell?.length ? st.config.Shell : DEFAULT_SHELL;
    const cmd = jsonArgs(ins.args) ?? [...shell, ins.args];
    const hit = this.cached(key);
    if (hit) return this.useImage(st, hit, key, true);
    const id = await this.newContainer(st, cmd);
    this.out(` ---> Running in ${short(id)}\n`);
    let ok = false;
    try {
      const attach = this.deps.containers.attach(id);
      await this.deps.containers.start(id);
      const session = await attach;
      session.onData((_s, d) => this.out(d.toString('utf8')));
      const { StatusCode } = await this.deps.containers.wait(id, 'not-running');
      if (StatusCode !== 0) throw new BuildError(`The command '${cmd.join(' ')}' returned a non-zero code: ${StatusCode}`, StatusCode);
      const img = await this.deps.images.commit({ config: st.config, containerId: id, parentImageId: st.image.id, containerConfig: { ...st.config, Cmd: cmd } });
      ok = true;
      this.out(`Removing intermediate container ${short(id)}\n`);
      await this.deps.containers.remove(id, { force: true });
      this.useImage(st, img, key, false);
    } finally {
      if (!ok) await this.deps.containers.remove(id, { force: true }).catch(() => {});
    }
  }

  private async copyStep(st: StageState, ins: Instruction, sub: (s: string) => string, escape: string): Promise<void> {
    const isAdd = ins.keyword === 'ADD';
    const parts = jsonArgs(ins.args) ?? words(sub(ins.args), escape);
    if (parts.length < 2) throw invalidParameter(`${ins.keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
    const dest = parts[parts.length - 1]!;
    const srcs = parts.slice(0, -1);
    if (isAdd && srcs.some((s) => /^https?:\/\//.test(s))) throw invalidParameter(`ADD from a URL is not available: this daemon has no network access to fetch ${srcs.find((s) => /^https?:\/\//.test(s))}`);
    // Sources: the context, or another stage's / an image's root filesystem.
    let root = this.contextDir;
    let fromContainer: string | undefined;
    const from = ins.flags.from;
    try {
      if (from) {
        const img = this.stageImages.get(from.toLowerCase()) ?? (await this.fromImage(from));
        fromContainer = await this.newContainer({ ...st, image: img }, ['true']);
        root = await this.deps.containers.rootfs(fromContainer);
      }
      const files = srcs.flatMap((s) => resolveSources(root, s, from ? 'source image' : 'build context'));
      const sum = checksum(files);
      const kind = files.length === 1 && fs.statSync(files[0]!).isDirectory() ? 'dir' : 'file';
      const key = this.cacheKey(st, [ins.keyword, ins.flags, dest, sum, st.config.WorkingDir]);
      const hit = this.cached(key);
      if (hit) return this.useImage(st, hit, key, true);
      const id = await this.newContainer(st, ['true']);
      try {
        const rootfs = await this.deps.containers.rootfs(id);
        const destPath = path.posix.resolve(st.config.WorkingDir || '/', dest);
        const target = secureJoin(rootfs, destPath);
        const isDir = (() => {
          try {
            return fs.statSync(target).isDirectory();
          } catch {
            return false;
          }
        })();
        const toDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.') || isDir || files.length > 1 || srcs.some((s) => /[*?[]/.test(s));
        for (const f of files) {
          const stat = fs.statSync(f);
          if (isAdd && stat.isFile() && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/.test(f)) {
            fs.mkdirSync(target, { recursive: true });
            await run('tar', ['-xf', f, '-C', target, '--no-same-owner']);
            continue;
          }
          if (stat.isDirectory()) {
            fs.mkdirSync(target, { recursive: true });
            await run('cp', ['-a', '--no-preserve=ownership', '--', `${f}/.`, `${target}/`]);
            if (ins.flags.chown || ins.flags.chmod) await this.own(rootfs, target, ins.flags, true);
          } else {
            const to = toDir ? path.join(target, path.basename(f)) : target;
            fs.mkdirSync(path.dirname(to), { recursive: true });
            await run('cp', ['-a', '--no-preserve=ownership', '--', f, to]);
            await this.own(rootfs, to, ins.flags, false);
          }
        }
        const createdBy = `/bin/sh -c #(nop) ${ins.keyword} ${kind}:${sum} in ${dest} `;
        const img = await this.deps.images.commit({ config: st.config, containerId: id, parentImageId: st.image.id, containerConfig: { ...st.config, Cmd: ['/bin/sh', '-c', `#(nop) ${ins.keyword} ${kind}:${sum} in ${dest} `] } });
        void createdBy;
        this.useImage(st, img, key, false);
      } finally {
        await this.deps.containers.remove(id, { force: true }).catch(() => {});
      }
    } finally {
      if (fromContainer) await this.deps.containers.remove(fromContainer, { force: true }).catch(() => {});
    }
  }

  /** --chown / --chmod (numeric ids, or names from the image's passwd/group). */
  private async own(rootfs: string, p: string, flags: Record<string, string>, recursive: boolean): Promise<void> {
    const r = recursive ? ['-R'] : [];
    if (flags.chown) {
      const [u, g] = flags.chown.split(':');
      const uid = this.lookupId(rootfs, '/etc/passwd', u!);
      const gid = g ? this.lookupId(rootfs, '/etc/group', g) : uid;
      await run('chown', [...r, '-h', `${uid}:${gid}`, p]);
    }
    if (flags.chmod) {
      if (!/^[0-7]{3,4}$/.test(flags.chmod)) throw invalidParameter(`invalid chmod parameter: ${flags.chmod}`);
      await run('chmod', [...r, flags.chmod, p]);
    }
  }

  private lookupId(rootfs: string, file: string, name: string): number {
    if (/^\d+$/.test(name)) return Number(name);
    let text = '';
    try {
      text = fs.readFileSync(secureJoin(rootfs, file), 'utf8');
    } catch {}
    const line = text.split('\n').find((l) => l.split(':')[0] === name);
    if (!line) throw invalidParameter(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${name}`);
    return Number(line.split(':')[2]);
  }
}

/** Tag the result as the build asked (-t, several). */
export function tagResult(images: ImageStoreService, id: string, tags: string[], out: (t: string) => void): void {
  for (const t of tags) {
    const ref = tagNameOnly(parseNormalizedNamed(t));
    images.tag(id, ref);
  }
  out(`Successfully built ${short(id)}\n`);
  for (const t of tags) out(`Successfully tagged ${familiarString(tagNameOnly(parseNormalizedNamed(t)))}\n`);
}

/** Whether an image was made for "os[/arch[/variant]]" (arch names as Go's, amd64 for x86-64). */
function platformMatches(img: ImageRecord, platform: string): boolean {
  const [os, arch, variant] = platform.toLowerCase().split('/');
  const cfg = img.config as { os?: string; architecture?: string; variant?: string };
  if (os && cfg.os && os !== cfg.os) return false;
  const norm = (a: string | undefined) => (a === 'x86_64' || a === 'x86-64' ? 'amd64' : a === 'aarch64' ? 'arm64' : a);
  if (arch && cfg.architecture && norm(arch) !== norm(cfg.architecture)) return false;
  if (variant && cfg.variant && variant !== cfg.variant) return false;
  return true;
}
