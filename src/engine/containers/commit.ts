// docker commit: which config the new image gets. dockerd starts from the config the client sent
// (or the container's own) and fills what the client left empty from the container's config
// (moby daemon/commit.go merge), then applies the --change instructions.
import type { ContainerConfig } from '../../images/types.ts';
import { log } from '../../util/log.ts';
import { emit, type Ctx } from './context.ts';
import { conflict } from '../../errdefs.ts';
import { pauseForCommit, unpauseAfterCommit } from './pause.ts';

type Cfg = ContainerConfig & Record<string, unknown>;

export function mergeCommitConfig(user: Cfg | null | undefined, container: Cfg): Cfg {
  if (!user || Object.keys(user).length === 0) return structuredClone(container);
  const out: Cfg = structuredClone(user);
  if (!out.User) out.User = container.User;
  if (!out.ExposedPorts || Object.keys(out.ExposedPorts).length === 0) out.ExposedPorts = container.ExposedPorts;
  else if (container.ExposedPorts) out.ExposedPorts = { ...container.ExposedPorts, ...out.ExposedPorts };
  // Env: the user's values win; the container's other variables are kept.
  const env = [...(out.Env ?? [])];
  const keys = new Set(env.map((e) => e.split('=')[0]));
  for (const e of container.Env ?? []) if (!keys.has(e.split('=')[0])) env.push(e);
  out.Env = env;
  if (!out.Labels) out.Labels = container.Labels;
  else out.Labels = { ...(container.Labels ?? {}), ...out.Labels };
  if (!out.Cmd?.length) {
    out.Cmd = container.Cmd;
    if (!out.Entrypoint?.length) out.Entrypoint = container.Entrypoint;
  }
  if (!out.Healthcheck) out.Healthcheck = container.Healthcheck;
  if (!out.WorkingDir) out.WorkingDir = container.WorkingDir;
  if (!out.Volumes || Object.keys(out.Volumes).length === 0) out.Volumes = container.Volumes;
  else if (container.Volumes) out.Volumes = { ...container.Volumes, ...out.Volumes };
  if (!out.StopSignal) out.StopSignal = container.StopSignal;
  if (!out.OnBuild?.length) out.OnBuild = container.OnBuild;
  return out;
}

export interface CommitOptions {
  reference?: string;
  comment?: string;
  author?: string;
  changes: string[];
  pause: boolean;
  config?: ContainerConfig | null;
}

/**
 * docker commit: the container's changes become a new image, whatever its state (created, running,
 * exiting, exited). A running one is paused meanwhile unless asked not to, as dockerd does, with its
 * pause and unpause events.
 */
export async function commit(ctx: Ctx, ref: string, o: CommitOptions): Promise<string> {
  const c = ctx.store.get(ref);
  if (c.State.Status === 'dead') throw conflict(`You cannot commit container ${c.Id} which is Dead`);
  if (c.State.Status === 'removing') throw conflict(`You cannot commit container ${c.Id} which is being removed`);
  const paused = o.pause ? await pauseForCommit(ctx, c.Id) : false;
  try {
    const config = mergeCommitConfig(o.config as never, c.Config as never);
    delete (config as Record<string, unknown>).Image;
    const rec = await ctx.images.commit({
      config,
      changes: o.changes,
      comment: o.comment,
      author: o.author,
      reference: o.reference,
      parentImageId: c.Image,
      containerId: c.Id,
      containerConfig: c.Config,
    });
    emit(ctx, c, 'commit', { comment: o.comment ?? '', imageID: rec.id, imageRef: o.reference ?? '' });
    return rec.id;
  } finally {
    if (paused) await unpauseAfterCommit(ctx, c.Id).catch((e) => log.debug(`commit: unpause ${c.Id}: ${(e as Error).message}`));
  }
}
