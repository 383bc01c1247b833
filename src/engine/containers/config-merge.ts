// How a container's Config inherits from its image's, with Docker's rules (moby daemon/create.go, merge.go).
import type { ContainerConfig } from '../../images/types.ts';

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** Merge environment lists: later entries override earlier ones with the same key. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const out = [...base];
  for (const e of over) {
    const k = envKey(e);
    const i = out.findIndex((x) => envKey(x) === k);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

export function mergeConfig(user: ContainerConfig, image: ContainerConfig): ContainerConfig {
  const c: ContainerConfig = { ...user };
  if (!c.User) c.User = image.User ?? '';
  // Docker keeps the user's variables first and appends the image's that the user did not set.
  c.Env = mergeEnv(user.Env ?? [], (image.Env ?? []).filter((e) => !(user.Env ?? []).some((u) => envKey(u) === envKey(e))));
  if (!c.WorkingDir) c.WorkingDir = image.WorkingDir ?? '';
  c.Labels = { ...(image.Labels ?? {}), ...(user.Labels ?? {}) };
  if (image.ExposedPorts || user.ExposedPorts) c.ExposedPorts = { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) };
  if (image.Volumes || user.Volumes) c.Volumes = { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) };
  // `--entrypoint ""` sends [""]: it clears the image's entrypoint (and the image's Cmd then applies).
  const cleared = user.Entrypoint?.length === 1 && user.Entrypoint[0] === '';
  const userEntrypoint = !cleared && user.Entrypoint && user.Entrypoint.length > 0 ? user.Entrypoint : null;
  if (userEntrypoint) {
    // An entrypoint given by the user resets the image's Cmd (Docker's rule).
    c.Entrypoint = userEntrypoint;
  } else {
    if (!user.Cmd || user.Cmd.length === 0) c.Cmd = image.Cmd ?? null;
    c.Entrypoint = cleared ? null : user.Entrypoint === undefined || user.Entrypoint === null ? image.Entrypoint ?? null : user.Entrypoint;
  }
  if (!c.StopSignal && image.StopSignal) c.StopSignal = image.StopSignal;
  if (!c.Healthcheck && image.Healthcheck) c.Healthcheck = image.Healthcheck;
  if (!c.Shell && image.Shell) c.Shell = image.Shell;
  if (!c.OnBuild && image.OnBuild) c.OnBuild = image.OnBuild;
  return c;
}

/** The process to run: entrypoint + cmd. */
export function commandOf(c: ContainerConfig): string[] {
  return [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
}
