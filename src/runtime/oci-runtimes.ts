// The OCI runtimes one driver runs containers with: runc (whose on-disk state the driver knows, for
// its fast paths) and others with runc's command line (runsc, crun, ...), and what gVisor's runsc
// needs to behave like runc under conmon.
import fs from 'node:fs';
import path from 'node:path';
import type { RunSpec } from './types.ts';

/** An OCI runtime with runc's command line (runc, runsc, crun, ...), as dockerd's `runtimes`. */
export interface OciRuntimeConfig {
  name: string;
  path: string;
  /** global options put before every subcommand (dockerd's runtimeArgs) */
  args?: string[];
}

export interface OciRuntime extends Required<OciRuntimeConfig> {
  /** its state root (`--root`) */
  root: string;
  /** runc's on-disk state (exec fifo, state.json) is known, so start and delete can skip a process */
  runcLayout: boolean;
  /** gVisor's runsc: its processes live in its own kernel, and it needs the adaptations below */
  gvisor: boolean;
  /** what conmon runs as the runtime: the runtime itself, or a shim that adapts conmon's flags to it */
  monitorPath: string;
}

/** Whether a runtime binary is gVisor's runsc. */
export const isGvisor = (runtimePath: string): boolean => path.basename(runtimePath) === 'runsc';

/** The options conmon passes on to the runtime: its own global options, then its state root. */
export function conmonRuntimeArgs(rt: OciRuntime): string[] {
  return [...rt.args.map((a) => `--runtime-arg=${a}`), `--runtime-arg=--root=${rt.root}`];
}

/** conmon runs `exec --tty` as for runc; runsc has no such flag (the process spec says whether there
 * is a terminal), so for runsc conmon runs this shim, which drops it. */
export function runscShim(dir: string, runsc: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'runsc-conmon-shim');
  const text = `#!/bin/sh\n# written by berthd: drops runc's "exec --tty", which runsc does not take\nfor a; do shift; [ "$a" = --tty ] || set -- "$@" "$a"; done\nexec '${runsc.replace(/'/g, `'\\''`)}' "$@"\n`;
  fs.writeFileSync(file + '.tmp', text, { mode: 0o755 });
  fs.renameSync(file + '.tmp', file);
  return file;
}

/** runsc (this version, under conmon) hands the process a console that is not a terminal. */
export const NO_TTY_IN_RUNSC = 'the sandbox runtime (runsc) cannot give a process a terminal on this host: run it without -t';

/** gVisor mounts its own in-memory tmpfs on /tmp unless the spec mounts something there, which
 * would hide the image's /tmp and files docker cp puts there: mount the rootfs's own /tmp. */
export function forRunsc(spec: RunSpec, rt: OciRuntime): RunSpec {
  if (!rt.gvisor || spec.mounts.some((m) => path.posix.normalize(m.destination) === '/tmp')) return spec;
  const tmp = path.join(spec.rootfs, 'tmp');
  let isDir = false;
  try {
    isDir = fs.lstatSync(tmp).isDirectory();
  } catch {
    // no /tmp in the rootfs: nothing to mount over
  }
  if (!isDir) return spec;
  return { ...spec, mounts: [...spec.mounts, { destination: '/tmp', source: tmp, type: 'bind', options: ['rbind', 'rprivate', spec.readonlyRootfs ? 'ro' : 'rw'] }] };
}
