// An exec in a container run by an OCI runtime: without a terminal, the runtime's own `exec` as the
// daemon's child (direct-exec.ts); with one, under conmon, which owns the terminal and the attach socket.
import fs from 'node:fs';
import path from 'node:path';
import type { ExecSpec, ExecHandle } from './types.ts';
import type { OciSpec, OciProcess } from './oci.ts';
import { toJson } from './oci.ts';
import { hostInfo, rootfsUserFiles, processEnv } from './spec.ts';
import { ociUser } from './user.ts';
import { spawnConmon, awaitPid } from './conmon.ts';
import { connectAttach } from './attach.ts';
import { directExec, FallbackToRunc } from './direct-exec.ts';
import { fastExecHelper, fastExecSpec, runcIsOneOne } from './fast-exec.ts';
import { log } from '../util/log.ts';
import { writeCtl } from './conmon-ctl.ts';
import { phases } from '../util/phases.ts';
import { conflict, invalidParameter } from '../errdefs.ts';
import { activeSpawner } from '../util/exec.ts';
import { conmonRuntimeArgs, NO_TTY_IN_RUNSC, type OciRuntime } from './oci-runtimes.ts';

/** A fifo's pipe holds 64 KiB: a process spec below this goes through one in a single write. */
const PIPE_ROOM = 60 * 1024;

/** What the driver knows of the container an exec runs in. */
export interface ExecContext {
  id: string;
  bundle: string;
  rt: OciRuntime;
  /** the container's OCI spec (the exec inherits its capabilities, rlimits, hostname...) */
  spec: OciSpec;
  groupAdd: string[];
  /** the runtime's global arguments (--root ...) */
  globalArgs: string[];
  /** where conmon makes its attach socket */
  socketDir: string;
  /** where a slow client's output is held (runtime/attach.ts) */
  spoolDir?: string;
  conmonPath: string;
}

export async function runcExec(c: ExecContext, spec: ExecSpec): Promise<ExecHandle> {
const { id, bundle, rt } = c;
  const t = phases(`runtime exec ${spec.execId.slice(0, 12)}`);
  if (spec.tty && rt.gvisor) throw invalidParameter(NO_TTY_IN_RUNSC);
  const cspec = c.spec;
  // Without a terminal, runc itself is the exec's parent: no monitor to start (see direct-exec.ts)
  const direct = !spec.tty && rt.runcLayout;
  const execDir = path.join(bundle, 'exec', spec.execId);
  // (a direct exec's files go in the bundle beside the container's: a directory made per exec
  // costs more than the exec's own files on a busy disk, 1-7 ms measured)
  if (!direct) fs.mkdirSync(execDir, { recursive: true, mode: 0o700 });

  const userFiles = rootfsUserFiles(cspec.root.path);
  const user = ociUser(spec.user, c.groupAdd, userFiles.passwd, userFiles.group);
  const base = cspec.process;
  const all = hostInfo().capabilities;
  const process: OciProcess = {
    terminal: spec.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    args: spec.args,
    env: processEnv(spec.env, { hostname: cspec.hostname ?? '', tty: spec.tty, home: user.home }),
    cwd: spec.cwd || '/',
    // (as the container's own process: a non-root user gets the bounding set only, root all of it)
    capabilities: spec.privileged ? { bounding: all, effective: all, permitted: all } : user.uid === 0 ? { bounding: base.capabilities?.bounding, effective: base.capabilities?.bounding, permitted: base.capabilities?.bounding } : { bounding: base.capabilities?.bounding },
    rlimits: base.rlimits,
    noNewPrivileges: base.noNewPrivileges,
    oomScoreAdj: base.oomScoreAdj,
  };
  if (base.apparmorProfile) process.apparmorProfile = base.apparmorProfile;
  if (direct) {
    const files = { pid: path.join(bundle, `exec-${spec.execId}.pid`), log: path.join(bundle, `exec-${spec.execId}.log`) };
    const helper = fastExecHelper();
    // (the helper's own files: were it to pass the exec to runc, runc's are fresh)
    const hf = { pid: path.join(bundle, `exec-${spec.execId}.h.pid`), log: path.join(bundle, `exec-${spec.execId}.h.log`), process: path.join(bundle, `exec-${spec.execId}.spec`) };
    const fast = helper && runcIsOneOne(rt.path) ? fastExecSpec({ id, runcRoot: rt.root, bundle, spec: cspec, process, pidFile: hf.pid, logFile: hf.log, groupFile: userFiles.group }) : undefined;
    if (fast?.unsupported) log.debug(`exec ${spec.execId.slice(0, 12)}: through runc (${fast.unsupported})`);
    if (fast?.spec) {
      try {
        return await directRun(c, spec, t, hf, fast.spec, helper!);
      } catch (e) {
        if (!(e instanceof FallbackToRunc)) throw e;
        log.info(`exec ${spec.execId.slice(0, 12)}: the exec helper passed it to runc: ${e.message}`);
      }
    }
    return directRun(c, spec, t, { ...files, process: path.join(bundle, `exec-${spec.execId}.json`) }, toJson(process));
  }
  const processJson = toJson(process);
  const processFile = path.join(execDir, 'process.json');
  // (its environment may hold secrets: for the daemon alone)
  fs.writeFileSync(processFile, processJson, { mode: 0o600 });

  const args = [
    '--api-version',
    '-c', id,
    '-u', spec.execId,
    '-r', rt.monitorPath,
    '-b', execDir,
    '-p', path.join(execDir, 'pidfile'),
    '-l', 'none',
    '--exit-dir', execDir,
    '--full-attach',
    '--socket-dir-path', c.socketDir,
    '--conmon-pidfile', path.join(execDir, 'conmon.pid'),
    ...conmonRuntimeArgs(rt),
    '--no-sync-log',
    // conmon logs its progress at info level by default; only errors are worth its time
    '--log-level', 'error',
    '-e',
    '--exec-attach',
    '--exec-process-spec', processFile,
  ];
  if (spec.tty) args.push('-t');
  if (spec.openStdin) args.push('-i');
  t.mark('process.json');
  const cleanup = () => setTimeout(() => fs.rm(execDir, { recursive: true, force: true }, () => {}), 100).unref();
  const mon = spawnConmon(c.conmonPath, args, { exec: true, cwd: execDir });
  t.mark('spawn');
  let session: Awaited<ReturnType<typeof connectAttach>> | undefined;
  try {
    // Handshake: let conmon set up; it reports when its attach socket listens; we connect, then let runc exec run.
    mon.start!.write('0');
    const ready = await mon.attach!.next();
    mon.attach!.close();
    t.mark('conmon ready');
    if (!ready) await awaitPid(mon, 'exec'); // throws conmon's or runc's error
    session = await connectAttach(path.join(execDir, 'attach'), undefined, c.spoolDir);
    t.mark('attach');
    mon.start!.end('1');
    const pid = await awaitPid(mon, 'exec').catch((e: Error) => {
      throw /stopped container|not running|does not exist/.test(e.message) ? conflict(`container ${id} is not running`) : e;
    });
    t.mark('runc exec');
    const exited = (async () => {
      const m = await mon.sync.next();
      t.mark('exit');
      t.end();
      mon.sync.close();
      if (m) return m.data;
      // The pipe closed without a status: the exit file (named after the container) is the fallback.
      try {
        const code = Number.parseInt(fs.readFileSync(path.join(execDir, id), 'utf8').trim(), 10);
        return Number.isNaN(code) ? -1 : code;
      } catch {
        return -1;
      }
    })();
    void exited.then(cleanup);
    session.gateEnd(exited);
    // runc's exec pid is a host process; gVisor's is one of the sandbox, which the host cannot signal
    const kill = rt.gvisor
      ? undefined
      : (signal: NodeJS.Signals) => {
          try {
            globalThis.process.kill(pid, signal);
          } catch {
            // exited already: what the caller wanted
          }
        };
    return { attach: session, exited, pid, resize: async (h: number, w: number) => writeCtl(execDir, h, w), kill };
  } catch (e) {
    session?.close();
    mon.sync.close();
    mon.start?.destroy();
    cleanup();
    throw e;
  }
}

/** A direct exec (direct-exec.ts) of runc or of the helper, its process or spec handed over in one
 * of the spawner's ready fifos when it fits in the pipe: no file to create on the exec's path (0.8
 * ms of the daemon's thread on a busy disk), else in `files.process`. */
async function directRun(c: ExecContext, spec: ExecSpec, t: ReturnType<typeof phases>, files: { process: string; pid: string; log: string }, payload: string, helper?: string): Promise<ExecHandle> {
  const spawner = activeSpawner();
  let fifo = Buffer.byteLength(payload) < PIPE_ROOM && spawner?.pipesSupported() ? await spawner.spareFifo().catch(() => undefined) : undefined;
  if (fifo) {
    let written = -1;
    try {
      written = fs.writeSync(fifo.fd, payload);
    } catch {
      // a pipe smaller than usual (the user's pipe pages used up): a file instead
    }
    if (written !== Buffer.byteLength(payload)) {
      fifo.release();
      fifo = undefined;
    }
  }
  const processFile = fifo ? fifo.path : files.process;
  // (its environment may hold secrets: for the daemon alone)
  if (!fifo) fs.writeFileSync(processFile, payload, { mode: 0o600 });
  t.mark('process');
  const used = { ...files, process: processFile };
  const forget = () => {
    fifo?.release();
    setTimeout(() => void [used.pid, used.log, ...(fifo ? [] : [used.process])].forEach((f) => fs.rm(f, { force: true }, () => {})), 100).unref();
  };
  try {
    const h = await directExec({ runtime: c.rt.path, globalArgs: c.globalArgs, containerId: c.id, files: used, openStdin: spec.openStdin, spawner: spawner?.pipesSupported() ? spawner : undefined, helper });
    t.mark(helper ? 'berth-exec' : 'runc exec');
    void h.exited.then(() => {
      t.mark('exit');
      t.end();
      forget();
    });
    return h;
  } catch (e) {
    forget();
    throw e;
  }
}
