// What each RUN --mount becomes for the RUN container, as BuildKit gives it:
//   cache  – a directory kept between builds (by id), seeded from `from`/`source` when new; sharing=locked
//            waits for other users, private takes a fresh copy while another step uses it;
//   bind   – the context (or a stage's/image's filesystem) at `source`, read-only; rw writes are discarded;
//   tmpfs  – a tmpfs (size);
//   secret – a file (mode 0400 by default) or an env variable from the build's secrets;
//   ssh    – an agent socket: none can be forwarded over POST /build, so only optional ones pass (skipped).
// Nothing of these is committed: they are mounts, and their stubs are removed (run.ts).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Builder } from '../builder.ts';
import { BuildError } from '../builder.ts';
import type { RunMount } from '../mounts.ts';
import { checksum, resolveSources } from '../context.ts';
import { run } from '../../util/exec.ts';
import { log } from '../../util/log.ts';
import { secureJoin } from '../../platform/linux/securejoin.ts';
import { newContainer } from './run.ts';

export interface HostMount {
  Type: 'bind' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number };
}

export interface PreparedMounts {
  mounts: HostMount[];
  env: string[];
  /** what the step's cache key must also depend on (bound context files, bound stages) */
  keyParts: unknown[];
  release(): Promise<void>;
}

/** Cache directories in use in this daemon: for sharing=locked (a queue) and sharing=private (a copy). */
const cacheUsers = new Map<string, number>();
const cacheLocks = new Map<string, Promise<void>>();

async function lockCache(dir: string): Promise<() => void> {
  const prev = cacheLocks.get(dir) ?? Promise.resolve();
  let release!: () => void;
  const next = new Promise<void>((r) => (release = r));
  const chained = prev.then(() => next);
  cacheLocks.set(dir, chained);
  await prev;
  return () => {
    release();
    if (cacheLocks.get(dir) === chained) cacheLocks.delete(dir);
  };
}

export async function prepareMounts(b: Builder, specs: RunMount[], workdir: string, script?: { name: string; data: string }): Promise<PreparedMounts> {
  const mounts: HostMount[] = [];
  const env: string[] = [];
  const keyParts: unknown[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  let scratch: string | undefined;
  const tmp = () => {
    if (!scratch) {
      fs.mkdirSync(b.deps.tmp, { recursive: true });
      scratch = fs.mkdtempSync(path.join(b.deps.tmp, 'run-'));
      const dir = scratch;
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    }
    return fs.mkdtempSync(path.join(scratch, 'm-'));
  };
  /** The root filesystem of a stage or image, through a container kept until the step ends. */
  const imageRoot = async (from: string) => {
    const img = await b.resolveFrom(from);
    const id = await newContainer(b, { image: img, file: img.config, config: img.config.config ?? {}, args: {}, cmdSet: false }, ['true']);
    cleanups.push(() => b.deps.containers.remove(id, { force: true }).catch((e) => log.warn(`build: removing intermediate container ${id}: ${e.message}`)));
    keyParts.push(img.id);
    return b.deps.containers.rootfs(id);
  };
  const release = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    if (script) {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, script.name), script.data, { mode: 0o755 });
      mounts.push({ Type: 'bind', Source: dir, Target: '/dev/pipes', ReadOnly: true });
    }
    for (const m of specs) {
      const target = m.target ? path.posix.resolve(workdir, m.target) : '';
      switch (m.type) {
        case 'tmpfs':
          mounts.push({ Type: 'tmpfs', Target: target, TmpfsOptions: m.sizeBytes ? { SizeBytes: m.sizeBytes } : undefined });
          break;
        case 'bind': {
          const root = m.from ? await imageRoot(m.from) : b.contextDir;
          const what = m.from ? 'source image' : 'build context';
          const src = resolveSources(root, m.source ?? '/', what)[0]!;
          if (!m.from) keyParts.push(checksum([src]));
          let source = src;
          if (!m.readOnly) {
            // rw: the step may write, and what it writes is discarded with this copy
            source = path.join(tmp(), 'rw');
            await run('cp', ['-a', '--', src, source]);
          }
          mounts.push({ Type: 'bind', Source: source, Target: target, ReadOnly: m.readOnly });
          break;
        }
        case 'cache': {
          let dir = path.join(b.deps.cacheMounts, crypto.createHash('sha256').update(m.id!).digest('hex'));
          const seed = async (d: string) => {
            fs.mkdirSync(d, { recursive: true });
            if (m.from) await run('cp', ['-a', '--', `${secureJoin(await imageRoot(m.from), m.source ?? '/')}/.`, `${d}/`]);
            fs.chmodSync(d, m.mode ?? 0o755);
            fs.chownSync(d, m.uid ?? 0, m.gid ?? 0);
          };
          if (m.sharing === 'locked') cleanups.push(await lockCache(dir));
          if (m.sharing === 'private' && (cacheUsers.get(dir) ?? 0) > 0) {
            dir = path.join(tmp(), 'cache');
            await seed(dir);
          } else if (!fs.existsSync(dir)) {
            // seeded in a side directory and renamed: a crash never leaves a half-seeded cache
            const part = `${dir}.new-${process.pid}-${Date.now()}`;
            await seed(part);
            fs.renameSync(part, dir);
          }
          const used = dir;
          cacheUsers.set(used, (cacheUsers.get(used) ?? 0) + 1);
          cleanups.push(() => {
            const n = (cacheUsers.get(used) ?? 1) - 1;
            if (n) cacheUsers.set(used, n);
            else cacheUsers.delete(used);
          });
          const source = !m.from && m.source ? secureJoin(dir, m.source) : dir;
          fs.mkdirSync(source, { recursive: true });
          mounts.push({ Type: 'bind', Source: source, Target: target, ReadOnly: m.readOnly });
          break;
        }
        case 'secret': {
          const value = b.opts.secrets?.[m.id!];
          if (!value) {
            if (m.required) throw new BuildError(`secret ${m.id}: not found`);
            break;
          }
          if (m.env) env.push(`${m.env}=${value.toString('utf8')}`);
          if (target) {
            const file = path.join(tmp(), 'secret');
            fs.writeFileSync(file, value, { mode: m.mode ?? 0o400 });
            fs.chmodSync(file, m.mode ?? 0o400);
            fs.chownSync(file, m.uid ?? 0, m.gid ?? 0);
            mounts.push({ Type: 'bind', Source: file, Target: target, ReadOnly: true });
          }
          break;
        }
        case 'ssh':
          if (m.required) throw new BuildError(`no SSH agent "${m.id}" was forwarded: the classic build API (POST /build) cannot forward an SSH agent to this daemon`);
          break;
      }
    }
    return { mounts, env, keyParts, release };
  } catch (e) {
    await release();
    throw e;
  }
}
