// RUN: the command (shell or exec form, or heredocs) in a container from the stage's image, with the
// step's --mount, --network and --security; the container's changes become the layer. Mounts never reach
// the layer: the stubs the runtime created for their targets are removed before the commit, as BuildKit does.
import fs from 'node:fs';
import path from 'node:path';
import type { Builder, StageState } from '../builder.ts';
import { BuildError, short } from '../builder.ts';
import type { Instruction } from '../dockerfile.ts';
import { heredocBody, isSingleHeredoc } from '../heredoc.ts';
import { substitute, jsonArgs } from '../vars.ts';
import { DEFAULT_SHELL } from './meta.ts';
import { MountError, parseMount } from '../mounts.ts';
import { prepareMounts, type HostMount } from './run-mounts.ts';
import { secureJoin } from '../../platform/linux/securejoin.ts';
import { log } from '../../util/log.ts';

/** The environment of a RUN container: the image's Env and the stage's ARGs that have a value. */
export function runEnv(st: StageState, extra: string[] = []): string[] {
  const env = [...(st.config.Env ?? [])];
  for (const [k, v] of Object.entries(st.args)) if (v !== undefined && !env.some((e) => e.startsWith(`${k}=`))) env.push(`${k}=${v}`);
  return [...env, ...extra];
}

/** The classic builder's history prefix of a RUN: `|N K=V ...`, the ARGs with a value not shadowed by ENV. */
export function argsPrefix(st: StageState): string[] {
  const env = new Set((st.config.Env ?? []).map((e) => e.split('=')[0]));
  const kv = Object.entries(st.args)
    .filter(([k, v]) => v !== undefined && !env.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return kv.length ? [`|${kv.length}`, ...kv] : [];
}

/** A container from the current image (for RUN, or as the target of COPY). */
export async function newContainer(b: Builder, st: StageState, cmd: string[], o: { mounts?: HostMount[]; network?: string; env?: string[] } = {}): Promise<string> {
  const hc: Record<string, unknown> = { ...(b.opts.hostConfig ?? {}), NetworkMode: o.network ?? (b.opts.networkMode || 'bridge') };
  if (o.mounts?.length) hc.Mounts = o.mounts;
  const res = await b.deps.containers.create({
    config: { Image: st.image.id, Cmd: cmd, Entrypoint: [''], Env: runEnv(st, o.env), WorkingDir: st.config.WorkingDir ?? '', User: st.config.User ?? '', Labels: {}, HostConfig: hc as never },
  });
  return res.Id;
}

/** The command a RUN runs, and the script file a heredoc with its own shebang becomes. */
function command(st: StageState, ins: Instruction): { cmd: string[]; script?: { name: string; data: string } } {
  const shell = st.config.Shell?.length ? st.config.Shell : DEFAULT_SHELL;
  if (!ins.heredocs.length) return { cmd: jsonArgs(ins.args) ?? [...shell, ins.args] };
  if (isSingleHeredoc(ins.args)) {
    // BuildKit: `RUN <<EOF` alone runs the body; with a #! line, as a script file of its own
    const h = ins.heredocs[0]!;
    const data = heredocBody(h);
    if (data.startsWith('#!')) return { cmd: [`/dev/pipes/${h.name}`], script: { name: h.name, data } };
    return { cmd: [...shell, data] };
  }
  // Otherwise the shell gets the line with the heredocs after it, and reads them itself.
  let full = ins.args;
  for (const h of ins.heredocs) full += `\n${h.content}${h.name}`;
  return { cmd: [...shell, full] };
}

/** The highest path of `target` (inside rootfs) that does not exist yet: what the runtime will create. */
function firstMissing(rootfs: string, target: string): string | undefined {
  let missing: string | undefined;
  for (let p = target; p !== '/'; p = path.posix.dirname(p)) {
    const abs = secureJoin(rootfs, p);
    if (fs.existsSync(abs)) break;
    missing = abs;
  }
  return missing;
}

/** Remove a mount stub: an empty file, or a directory of nothing but empty stubs. */
function removeStub(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(p)) removeStub(path.join(p, e));
    if (!fs.readdirSync(p).length) fs.rmdirSync(p);
  } else if (st.isFile() && st.size === 0) fs.rmSync(p);
}

export async function runStep(b: Builder, st: StageState, ins: Instruction, key: string, escape: string): Promise<void> {
  const vars = b.vars(st);
  const network = ins.flags.network ?? 'default';
  if (ins.flags.security === 'insecure') throw new BuildError('granting entitlement security.insecure is not allowed by build daemon configuration');
  let mounts;
  try {
    mounts = (ins.lists.mount ?? []).map((m) => parseMount(substitute(m, vars, escape)));
  } catch (e) {
    if (e instanceof MountError) throw new BuildError(`dockerfile parse error on line ${ins.line}: ${e.message}`);
    throw e;
  }
  const { cmd, script } = command(st, ins);
  const workdir = st.config.WorkingDir || '/';
  const prepared = await prepareMounts(b, mounts, workdir, script);
  try {
    const fullKey = prepared.keyParts.length ? b.cacheKey(st, [key, prepared.keyParts]) : key;
    const hit = b.cached(fullKey);
    if (hit) return b.useImage(st, hit, fullKey, true);
    const id = await newContainer(b, st, cmd, { mounts: prepared.mounts, env: prepared.env, network: network === 'default' ? undefined : network });
    b.out(` ---> Running in ${short(id)}\n`);
    let ok = false;
    try {
      const rootfs = await b.deps.containers.rootfs(id);
      let stubs: string[];
      try {
        stubs = prepared.mounts.map((m) => firstMissing(rootfs, m.Target)).filter((p): p is string => !!p);
      } finally {
        await b.deps.containers.releaseRootfs(id);
      }
      b.checkCancelled();
      const attach = b.deps.containers.attach(id);
      await b.deps.containers.start(id);
      const session = await attach;
      // a step's stderr goes into the stream in red, each chunk as it came, as the classic builder
      // of dockerd writes it (streamformatter's stderr writer)
      session.onData((s, d) => b.out(s === 'stderr' ? `\x1b[91m${d.toString('utf8')}\x1b[0m` : d.toString('utf8')));
      const kill = () => void b.deps.containers.kill(id).catch(() => {}); // the container may have exited already: nothing to kill
      b.opts.signal?.addEventListener('abort', kill);
      if (b.opts.signal?.aborted) kill();
      let StatusCode: number;
      try {
        ({ StatusCode } = await b.deps.containers.wait(id, 'not-running'));
      } finally {
        b.opts.signal?.removeEventListener('abort', kill);
      }
      b.checkCancelled();
      if (StatusCode !== 0) {
        // dockerd keeps a failed step's container, unless --force-rm
        if (b.opts.forceRm) {
          b.out(`Removing intermediate container ${short(id)}\n`);
          await b.deps.containers.remove(id, { force: true }).catch((e) => log.warn(`build: removing intermediate container ${id}: ${e.message}`));
        }
        ok = true;
        throw new BuildError(`The command '${cmd.join(' ')}' returned a non-zero code: ${StatusCode}`, StatusCode);
      }
      if (stubs.length) {
        const again = await b.deps.containers.rootfs(id);
        try {
          for (const s of stubs) removeStub(path.join(again, path.relative(rootfs, s)));
        } finally {
          await b.deps.containers.releaseRootfs(id);
        }
      }
      const img = await b.deps.images.commit({ config: st.config, containerId: id, parentImageId: st.image.id, containerConfig: { ...st.config, Cmd: [...argsPrefix(st), ...cmd] } });
      ok = true;
      if (b.opts.rm !== false) {
        b.out(`Removing intermediate container ${short(id)}\n`);
        await b.deps.containers.remove(id, { force: true });
      }
      b.useImage(st, img, fullKey, false);
    } finally {
      if (!ok) await b.deps.containers.remove(id, { force: true }).catch((e) => log.warn(`build: removing intermediate container ${id}: ${e.message}`));
    }
  } finally {
    await prepared.release();
  }
}
