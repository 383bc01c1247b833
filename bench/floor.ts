// The floor under a daemon's `run` and `exec`: what runc itself costs, with no engine around it.
// A prepared OCI bundle (the busybox root filesystem, runc's default spec with a new network
// namespace, like --network none) is run with `runc run` (create + start + wait + delete), and a
// detached container of it gets `runc exec … true`. The bench adds the docker CLI's own start-up
// (`docker version` against the same daemon, measured in the same iteration) to each.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { busyboxRootfs } from '../test/helpers/images.ts';
import { run, type RunResult } from '../test/helpers/docker.ts';
import { defaultSeccomp } from '../src/runtime/seccomp-default.ts';
import { DEFAULT_CAPABILITIES } from '../src/runtime/spec.ts';

export interface Floor {
  /** `runc run` of the bundle with `true` as its process */
  runTrue(): Promise<RunResult>;
  /** `runc exec` of `true` in the detached container (started at first use) */
  execTrue(): Promise<RunResult>;
  /** the same two with the default seccomp profile of a container (Berth's, Docker's decisions):
   * runc compiles the filter in every container and exec process, and that is runc's work too */
  runTrueSeccomp(): Promise<RunResult>;
  execTrueSeccomp(): Promise<RunResult>;
  close(): void;
}

export function prepareFloor(): Floor {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-floor-'));
  const root = path.join(dir, 'state');
  const bundle = path.join(dir, 'bundle');
  busyboxRootfs(path.join(bundle, 'rootfs'));
  const gen = spawnSync('runc', ['spec', '--bundle', bundle], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`runc spec: ${gen.stderr}`);
  const file = path.join(bundle, 'config.json');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  spec.root.readonly = false;
  fs.writeFileSync(file, JSON.stringify(spec));
  // the exec target: same root filesystem, a sleeping process
  const sleeper = path.join(dir, 'sleeper');
  fs.mkdirSync(sleeper);
  fs.writeFileSync(path.join(sleeper, 'config.json'), JSON.stringify({ ...spec, root: { path: path.join(bundle, 'rootfs'), readonly: false }, process: { ...spec.process, args: ['sleep', '100000'] } }));
  // the same two with a container's default seccomp filter
  const seccomp = defaultSeccomp([...DEFAULT_CAPABILITIES]);
  const bundleS = path.join(dir, 'bundle-seccomp');
  const sleeperS = path.join(dir, 'sleeper-seccomp');
  for (const [from, to] of [[bundle, bundleS], [sleeper, sleeperS]] as const) {
    fs.mkdirSync(to);
    const c = JSON.parse(fs.readFileSync(path.join(from, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(to, 'config.json'), JSON.stringify({ ...c, root: { path: path.join(bundle, 'rootfs'), readonly: false }, linux: { ...c.linux, seccomp } }));
  }
  const runc = (args: string[]) => run('runc', ['--root', root, ...args], { timeoutMs: 60_000 });
  let n = 0;
  const started = new Set<string>();
  const execIn = async (name: string, dir: string) => {
    if (!started.has(name)) {
      // detached: its stdio must not be our pipes, or the run would not end
      const c = spawn('runc', ['--root', root, 'run', '-d', '--bundle', dir, name], { stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => c.on('close', r));
      if (code !== 0) throw new Error(`runc run -d: exit ${code}`);
      started.add(name);
    }
    return runc(['exec', name, 'true']);
  };
  return {
    runTrue: () => runc(['run', '--bundle', bundle, `floor-${process.pid}-${n++}`]),
    execTrue: () => execIn('sleeper', sleeper),
    runTrueSeccomp: () => runc(['run', '--bundle', bundleS, `floor-${process.pid}-${n++}`]),
    execTrueSeccomp: () => execIn('sleeper-seccomp', sleeperS),
    close() {
      for (const name of started) spawnSync('runc', ['--root', root, 'delete', '-f', name], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
