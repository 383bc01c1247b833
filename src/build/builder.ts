// The builder: a Dockerfile's stages run instruction by instruction with the classic builder's output
// ("Step 2/7 : ...") and BuildKit's Dockerfile semantics (only the stages the target needs are built,
// platform ARGs predefined). RUN runs in a real container (instructions/run.ts) and COPY/ADD write into
// one (instructions/copy.ts), each committed as a layer; every other instruction changes only the image
// config (instructions/meta.ts, an empty_layer history entry). Each step is cached by its parent image,
// its instruction and, for COPY/ADD and bind mounts, the checksum of the files it takes.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { StepContainers } from './step-containers.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import type { ImageConfigFile, ContainerConfig, ImageRecord } from '../images/types.ts';
import type { Collection } from '../store/db.ts';
import { goArch, goTime, serializeConfig } from '../images/image-config.ts';
import { parseNormalizedNamed, tagNameOnly, familiarString } from '../images/reference.ts';
import { BerthError, invalidParameter, notFound, systemError } from '../errdefs.ts';
import { secureJoin } from '../platform/linux/securejoin.ts';
import { parseDockerfile, type Instruction, type ParsedDockerfile, type Stage } from './dockerfile.ts';
import { substitute, keyValues } from './vars.ts';
import { applyMeta } from './instructions/meta.ts';
import { runStep } from './instructions/run.ts';
import { copyStep } from './instructions/copy.ts';
import { neededStages, stageDeps } from './stages.ts';
import { OrderedOutput, runGraph } from './schedule.ts';
import { platformArgs, platformMatches } from './platform.ts';
import { excluder } from './instructions/exclude.ts';

export interface BuildOptions {
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  labels: Record<string, string>;
  networkMode?: string;
  /** resources, extra hosts, ulimits... given to every RUN container */
  hostConfig?: Record<string, unknown>;
  /** remove each RUN container after its step succeeds (dockerd's default) */
  rm?: boolean;
  /** remove it even when the step fails (else a failed step's container is kept, as dockerd keeps it) */
  forceRm: boolean;
  /** --cache-from: only these images (and their parents) serve as the cache */
  cacheFrom?: string[];
  /** --pull: fetch every base image again, even when one is held */
  pull?: boolean;
  /** --platform: the platform base images are chosen for ("linux/arm64") */
  platform?: string;
  /** aborts the build (POST /build/cancel, or the client went away): no further step starts, a running
   * RUN is killed, and the build fails with "context canceled" as dockerd's does */
  signal?: AbortSignal;
  /** build secrets (RUN --mount=type=secret), by id */
  secrets?: Record<string, Buffer>;
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
  /** where RUN --mount=type=cache directories persist between builds */
  cacheMounts: string;
  /** scratch space (heredoc scripts, secrets, rw bind copies), removed after each step */
  tmp: string;
}

export class BuildError extends BerthError {
  readonly code: number;
  constructor(message: string, code = 1) {
    super('invalid-parameter', message);
    this.code = code;
  }
}

export interface StageState {
  image: ImageRecord;
  file: ImageConfigFile;
  config: ContainerConfig;
  /** ARGs declared in the stage, with their values (undefined: declared without a value) */
  args: Record<string, string | undefined>;
  cmdSet: boolean;
}

export function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export class Builder {
  readonly deps: BuildDeps;
  readonly opts: BuildOptions;
  readonly contextDir: string;
  readonly out: (text: string) => void;
  private readonly stageImages = new Map<string, ImageRecord>();
  private step = 0;
  private total = 0;
  private usedArgs = new Set<string>();
  private df?: ParsedDockerfile;
  /** context paths COPY never sees: the Dockerfile and .dockerignore when .dockerignore lists them
   * (the CLI sends them anyway, for the daemon to read; dockerd then removes them) */
  readonly hidden = new Set<string>();

  constructor(deps: BuildDeps, contextDir: string, opts: BuildOptions, out: (text: string) => void) {
    this.deps = deps;
    this.contextDir = contextDir;
    this.opts = opts;
    this.out = out;
  }

  /** Read and parse the Dockerfile: what fails here fails the request before any output (a 400). */
  prepare(): ParsedDockerfile {
    const name = this.opts.dockerfile || 'Dockerfile';
    let text: string;
    try {
      text = fs.readFileSync(secureJoin(this.contextDir, name), 'utf8');
    } catch {
      throw invalidParameter(`Cannot locate specified Dockerfile: ${path.basename(name)}`);
    }
    this.df = parseDockerfile(text, name);
    // a missing target is refused before the build streams (dockerd's 400), like a parse error
    if (this.opts.target && !this.df.stages.some((s) => s.name === this.opts.target!.toLowerCase()))
      throw invalidParameter(`failed to reach build target ${this.opts.target} in Dockerfile`);
    let ignoreText: string | undefined;
    try {
      ignoreText = fs.readFileSync(path.join(this.contextDir, '.dockerignore'), 'utf8');
    } catch {
      // no .dockerignore: nothing is excluded
    }
    if (ignoreText !== undefined) {
      // dockerd reads it with Go's bufio.Scanner, whose lines end at 64 KiB (an untyped error: 500)
      if (ignoreText.split('\n').some((l) => Buffer.byteLength(l) > 65_535)) throw systemError('error reading .dockerignore: bufio.Scanner: token too long');
      const ignored = excluder(ignoreText.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
      for (const f of [path.posix.normalize(name).replace(/^\/+/, ''), '.dockerignore']) if (ignored(f)) this.hidden.add(f);
    }
    return this.df;
  }

  async build(): Promise<string> {
    const df = this.df ?? this.prepare();
    let last = df.stages.length - 1;
    if (this.opts.target) {
      last = df.stages.findIndex((s) => s.name === this.opts.target!.toLowerCase());
      if (last < 0) throw invalidParameter(`failed to reach build target ${this.opts.target} in Dockerfile`);
    }
    const auto = platformArgs(this.opts.platform);
    const globalArgs: Record<string, string> = { ...auto };
    for (const a of df.globalArgs)
      for (const [k, v] of keyValues(a.args, 'ARG', df.escape)) globalArgs[k] = this.opts.buildArgs[k] ?? (v === '\u0000' ? (auto[k] ?? '') : substitute(v, globalArgs, df.escape));
    // BuildKit: only the stages the target depends on are built
    const stages = neededStages(df.stages, last, (s) => substitute(s, globalArgs, df.escape));
    this.total = stages.reduce((n, s) => n + 1 + s.instructions.length, 0) + df.globalArgs.length + Object.keys(this.opts.labels).length;
    for (const a of df.globalArgs) this.begin(a);
    // independent stages run concurrently, each through a view of this builder with its own output lane
    // and step numbers; the transcript stays in Dockerfile order
    const lanes = new OrderedOutput(stages.length, this.out);
    let firstStep = this.step;
    const tasks = stages.map((s, i) => {
      const view = this.view(lanes.lane(i), firstStep);
      firstStep += 1 + s.instructions.length;
      const deps = stageDeps(stages, s, (x) => substitute(x, globalArgs, df.escape));
      return {
        deps,
        run: async () => {
          const img = await view.runStage(s, globalArgs, df.escape, i === stages.length - 1);
          lanes.finish(i);
          return img;
        },
      };
    });
    let images: ImageRecord[];
    try {
      images = await runGraph(tasks);
    } catch (e) {
      lanes.close();
      throw e;
    }
    const result = images[images.length - 1];
    const unused = Object.keys(this.opts.buildArgs).filter((k) => !this.usedArgs.has(k) && !(k in globalArgs));
    if (unused.length) this.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    return result!.id;
  }

  /** This builder writing to `out`, its step count at `step`: what a stage runs with. The view shares the
   * build's state (stage images, consumed ARGs) through its prototype. */
  private view(out: (text: string) => void, step: number): Builder {
    return Object.create(this, { out: { value: out }, step: { value: step, writable: true } }) as Builder;
  }

  begin(i: Instruction | string): void {
    this.checkCancelled();
    this.step++;
    this.out(`Step ${this.step}/${this.total} : ${typeof i === 'string' ? i : i.original}\n`);
  }

  checkCancelled(): void {
    if (this.opts.signal?.aborted) throw new BuildError('context canceled');
  }

  /** A stage (by name or index) built earlier in this build, or an image (pulled if needed). */
  async resolveFrom(ref: string): Promise<ImageRecord> {
    return this.stageImages.get(ref.toLowerCase()) ?? this.fromImage(ref);
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

  private async runStage(stage: Stage, globalArgs: Record<string, string>, escape: string, final: boolean): Promise<ImageRecord> {
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
        await this.execute(st, p, escape, { ...globalArgs });
      }
    }
    for (const ins of stage.instructions) {
      this.begin(ins);
      await this.execute(st, ins, escape, globalArgs);
    }
    // docker build --label: one more LABEL step per label on the final image, as the classic builder adds them
    if (final) {
      const word = (s: string) => (/^[\w./:@-]*$/.test(s) && s ? s : JSON.stringify(s));
      for (const [k, v] of Object.entries(this.opts.labels).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const text = `${word(k)}=${word(v)}`;
        const ins: Instruction = { keyword: 'LABEL', args: text, flags: {}, lists: {}, heredocs: [], line: 0, original: `LABEL ${text}` };
        this.begin(ins);
        await this.execute(st, ins, escape, globalArgs);
      }
    }
    if (stage.name) this.stageImages.set(stage.name, st.image);
    this.stageImages.set(String(stage.index), st.image);
    return st.image;
  }

  /** Variables for substitution: the stage's ARGs under its ENV. */
  vars(st: StageState): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(st.args)) env[k] = v ?? '';
    for (const e of st.config.Env ?? []) {
      const i = e.indexOf('=');
      env[e.slice(0, i)] = e.slice(i + 1);
    }
    return env;
  }

  cacheKey(st: StageState, parts: unknown[]): string {
    return crypto.createHash('sha256').update(JSON.stringify([st.image.id, ...parts])).digest('hex');
  }

  cached(key: string): ImageRecord | undefined {
    if (this.opts.noCache) return undefined;
    const hit = this.deps.cache.get(key);
    if (!hit) return undefined;
    if (this.opts.cacheFrom && !this.cacheSources().has(hit.imageId)) return undefined;
    try {
      const img = this.deps.images.resolve(hit.imageId);
      this.deps.cache.put(key, { ...hit, usedAt: new Date().toISOString() });
      return img;
    } catch {
      return undefined;
    }
  }

  private cacheSourceIds?: Set<string>;
  /** --cache-from: the given images and their parent chains (dockerd's classic builder then uses no
   * other cache). Images named there that are not held are skipped, as dockerd skips them. */
  private cacheSources(): Set<string> {
    if (this.cacheSourceIds) return this.cacheSourceIds;
    const ids = new Set<string>();
    for (const ref of this.opts.cacheFrom ?? []) {
      let img: ImageRecord | undefined;
      try {
        img = this.deps.images.resolve(ref);
      } catch {
        continue;
      }
      for (let cur: ImageRecord | undefined = img; cur && !ids.has(cur.id); cur = cur.parent ? this.deps.images.images.get(cur.parent) : undefined) ids.add(cur.id);
    }
    return (this.cacheSourceIds = ids);
  }

  useImage(st: StageState, img: ImageRecord, key: string, fromCache: boolean): void {
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

  private async execute(st: StageState, ins: Instruction, escape: string, globalArgs: Record<string, string>): Promise<void> {
    const k = ins.keyword;
    const vars = this.vars(st);
    const sub = (s: string) => substitute(s, vars, escape);
    const key = this.cacheKey(st, [ins.keyword, ins.flags, ins.lists, ins.args, ins.heredocs, k === 'RUN' ? st.args : undefined]);
    switch (k) {
      case 'ARG': {
        // dockerd commits an ARG as a config-only step, its history line the declaration with the
        // default expanded ("ARG A=def", "ARG B"), whatever --build-arg gives
        const declared: string[] = [];
        for (const [name, dflt] of keyValues(ins.args, 'ARG', escape)) {
          this.usedArgs.add(name);
          // a declared ARG without a default takes the build-arg, else the global ARG's (or platform's) value
          st.args[name] = this.opts.buildArgs[name] ?? (dflt === '\u0000' ? globalArgs[name] : sub(dflt));
          declared.push(dflt === '\u0000' ? name : `${name}=${sub(dflt)}`);
        }
        const shell = st.config.Shell?.length ? st.config.Shell : ['/bin/sh', '-c'];
        const hit = this.cached(key);
        if (hit) return this.useImage(st, hit, key, true);
        return this.commitConfig(st, [...shell, '#(nop) ', `ARG ${declared.join(' ')}`].join(' '), key);
      }
      case 'RUN':
        return runStep(this, st, ins, key, escape);
      case 'COPY':
      case 'ADD':
        return copyStep(this, st, ins, sub, escape);
      default: {
        const hit = this.cached(key);
        if (hit) {
          applyMeta(st, ins, sub, escape);
          return this.useImage(st, hit, key, true);
        }
        this.commitConfig(st, applyMeta(st, ins, sub, escape), key);
      }
    }
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
