// Where the runc driver keeps each container: its bundle directory (RunSpec.stateDir, linked from
// <root>/bundles/<id> so that a restarted daemon finds it), the OCI spec and the sidecar written
// there, and whether the container's monitor still lives. Read from disk once, then from memory.
import fs from 'node:fs';
import path from 'node:path';
import type { OciSpec } from './oci.ts';
import { pidAlive } from '../platform/linux/proc.ts';
import { notFound, BerthError } from '../errdefs.ts';

/** berth.json: what the driver needs of a container that the OCI spec does not say. */
export interface Sidecar {
  groupAdd: string[];
  /** the runtime's name (absent: runc, from before runtimes could be chosen) */
  runtime?: string;
}

function readPid(file: string): number {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10) || 0;
  } catch {
    return 0;
  }
}

export class Bundles {
  private readonly linkDir: string;
  private readonly dirs = new Map<string, string>();
  private readonly specs = new Map<string, OciSpec>();
  /** (read at every exec otherwise) */
  private readonly sidecars = new Map<string, Sidecar>();

  constructor(linkDir: string) {
    this.linkDir = linkDir;
    fs.mkdirSync(linkDir, { recursive: true, mode: 0o700 });
  }

  /** The bundle directory of a container, or undefined if the driver has no record of it. */
  of(id: string): string | undefined {
    const cached = this.dirs.get(id);
    if (cached) return cached;
    try {
      const target = fs.readlinkSync(path.join(this.linkDir, id));
      this.dirs.set(id, target);
      return target;
    } catch {
      return undefined;
    }
  }

  /** The bundle directory, or the client's "No such container". */
  get(id: string): string {
    const b = this.of(id);
    if (!b) throw notFound(`No such container: ${id}`);
    return b;
  }

  /** Write a container's spec and sidecar into its bundle and record where the bundle is. */
  write(id: string, dir: string, spec: string, oci: OciSpec, sidecar: Sidecar): void {
    fs.writeFileSync(path.join(dir, 'config.json'), spec);
    fs.writeFileSync(path.join(dir, 'berth.json'), JSON.stringify(sidecar));
    this.specs.set(id, oci);
    this.sidecars.set(id, sidecar);
    this.dirs.set(id, dir);
    const link = path.join(this.linkDir, id);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(dir, link);
  }

  /** The container's OCI spec (an exec inherits its capabilities, rlimits, hostname...). */
  spec(id: string): OciSpec {
    let s = this.specs.get(id);
    if (!s) {
      try {
        s = JSON.parse(fs.readFileSync(path.join(this.get(id), 'config.json'), 'utf8')) as OciSpec;
      } catch (e) {
        if (e instanceof BerthError) throw e;
        throw notFound(`No such container: ${id}`);
      }
      this.specs.set(id, s);
    }
    return s;
  }

  sidecar(id: string): Sidecar {
    let s = this.sidecars.get(id);
    if (s) return s;
    try {
      s = JSON.parse(fs.readFileSync(path.join(this.get(id), 'berth.json'), 'utf8')) as Sidecar;
      this.sidecars.set(id, s);
      return s;
    } catch {
      return { groupAdd: [] };
    }
  }

  /** undefined: unknown; true: the monitor (or, without it, the container's init) still runs. */
  monitorAlive(id: string): boolean | undefined {
    const b = this.of(id);
    if (!b) return undefined;
    const conmonPid = readPid(path.join(b, 'conmon.pid'));
    if (!conmonPid) return undefined;
    if (pidAlive(conmonPid, id)) return true;
    return pidAlive(readPid(path.join(b, 'pidfile')));
  }

  /** The container is deleted: its link, then its bundle directory go. */
  async remove(id: string): Promise<void> {
    const b = this.of(id);
    // (the records below go once the link has: a look-up meanwhile finds both)
    if (b) await fs.promises.rm(path.join(this.linkDir, id), { force: true });
    else fs.rmSync(path.join(this.linkDir, id), { force: true });
    this.dirs.delete(id);
    this.specs.delete(id);
    this.sidecars.delete(id);
    // off the daemon's thread: a bundle's files (sockets, fifos, spec) took 2-7 ms to unlink on a busy disk
    if (b) await fs.promises.rm(b, { recursive: true, force: true });
  }
}
