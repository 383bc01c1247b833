// Binds, tmpfs and --mount entries of a HostConfig → runtime mounts and Docker's MountPoint records.
import fs from 'node:fs';
import path from 'node:path';
import { invalidParameter } from '../../errdefs.ts';
import type { MountSpec } from '../../runtime/types.ts';
import type { HostConfig, MountPoint } from './record.ts';
import type { VolumeService } from '../volumes.ts';

export interface MountSources {
  volumes?: VolumeService;
  /** the image's (and the config's) VOLUMEs: anonymous volumes where nothing else is mounted */
  imageVolumes?: Record<string, object> | null;
  /** --volumes-from: the mounts of another container */
  volumesFrom?: (ref: string) => { points: MountPoint[]; specs: MountSpec[] };
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

export interface ResolvedMounts {
  specs: MountSpec[];
  points: MountPoint[];
}

export function resolveMounts(hc: HostConfig, src: MountSources = {}): ResolvedMounts {
  const specs: MountSpec[] = [];
  const points: MountPoint[] = [];
  const seen = new Set<string>();
  const add = (spec: MountSpec, point: MountPoint) => {
    if (seen.has(spec.destination)) throw invalidParameter(`Duplicate mount point: ${spec.destination}`);
    seen.add(spec.destination);
    specs.push(spec);
    points.push(point);
  };

  const addVolume = (name: string | undefined, dst: string, ro: boolean, mode: string, nocopy: boolean, labels?: Record<string, string>, driver?: { Name?: string; Options?: Record<string, string> | null }) => {
    if (!src.volumes) throw invalidParameter('named volumes are not available');
    const v = src.volumes.create({ Name: name, Labels: labels, Driver: driver?.Name || undefined, DriverOpts: driver?.Options }, !name);
    add(
      { destination: dst, source: v.Mountpoint, type: 'bind', options: ['rbind', ro ? 'ro' : 'rw', 'rprivate'] },
      { Type: 'volume', Name: v.Name, Source: v.Mountpoint, Destination: dst, Driver: 'local', Mode: nocopy ? (mode ? mode : 'nocopy') : mode, RW: !ro, Propagation: '' },
    );
  };

  // --volume-driver: the driver of the volumes -v names and of the image's VOLUMEs (not of --mount's,
  // which name their own); looked up only when such a volume is made, as dockerd does
  const volumeDriver = () => {
    const d = (hc as { VolumeDriver?: string }).VolumeDriver;
    if (d && d !== 'local') throw invalidParameter(`error looking up volume plugin ${d}: plugin "${d}" not found`);
  };

  for (const ref of (hc.VolumesFrom as string[] | null | undefined) ?? []) {
    if (!src.volumesFrom) throw invalidParameter('--volumes-from is not available');
    const [name, mode = ''] = ref.split(':');
    if (mode && mode !== 'ro' && mode !== 'rw') throw invalidParameter(`invalid mode for volumes-from: ${mode}`);
    const other = src.volumesFrom(name!);
    other.points.forEach((p, i) => {
      if (p.Type === 'tmpfs') return;
      const spec = other.specs.find((x) => x.destination === p.Destination) ?? other.specs[i]!;
      const ro = mode ? mode === 'ro' : !p.RW;
      add({ ...spec, options: [...spec.options.filter((o) => o !== 'ro' && o !== 'rw'), ro ? 'ro' : 'rw'] }, { ...p, RW: !ro, Mode: mode || p.Mode });
    });
  }

  for (const bind of hc.Binds ?? []) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3) throw invalidParameter(`invalid volume specification: '${bind}'`);
    const [src, dst, mode = ''] = parts;
    if (!path.isAbsolute(dst)) throw invalidParameter(`invalid volume specification: '${bind}': invalid mount config for type "bind": invalid mount path: '${dst}' mount path must be absolute`);
    const opts = mode ? mode.split(',') : [];
    for (const o of opts) if (!['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATIONS].includes(o)) throw invalidParameter(`invalid mode: ${o}`);
    const ro = opts.includes('ro');
    if (!path.isAbsolute(src)) {
      volumeDriver();
      addVolume(src, dst, ro, mode, opts.includes('nocopy'));
      continue;
    }
    const propagation = opts.find((o) => PROPAGATIONS.includes(o)) ?? 'rprivate';
    // Docker creates a missing bind source directory for -v (not for --mount).
    // An existing source of any type (a file too) is mounted as it is.
    if (!fs.existsSync(src)) makeBindSource(src);
    add(
      { destination: dst, source: src, type: 'bind', options: ['rbind', ro ? 'ro' : 'rw', propagation] },
      { Type: 'bind', Source: src, Destination: dst, Mode: mode, RW: !ro, Propagation: propagation },
    );
  }

  for (const [dst, optStr] of Object.entries(hc.Tmpfs ?? {})) {
    const opts = optStr ? optStr.split(',') : [];
    add(
      { destination: dst, source: 'tmpfs', type: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...opts] },
      { Type: 'tmpfs', Source: '', Destination: dst, Mode: optStr, RW: !opts.includes('ro'), Propagation: '' },
    );
  }

  for (const m of hc.Mounts ?? []) {
    if (!m.Target || !path.isAbsolute(m.Target)) throw invalidParameter(`invalid mount config: mount path must be absolute`);
    if (m.Type === 'bind') {
      if (!m.Source) throw invalidParameter('invalid mount config for type "bind": field Source must not be empty');
      if (!fs.existsSync(m.Source)) throw invalidParameter(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
      const propagation = (m as { BindOptions?: { Propagation?: string } }).BindOptions?.Propagation || 'rprivate';
      if (!PROPAGATIONS.includes(propagation)) throw invalidParameter(`invalid mount config for type "bind": invalid propagation mode: ${propagation}`);
      add(
        { destination: m.Target, source: m.Source, type: 'bind', options: ['rbind', m.ReadOnly ? 'ro' : 'rw', propagation] },
        { Type: 'bind', Source: m.Source, Destination: m.Target, Mode: '', RW: !m.ReadOnly, Propagation: propagation },
      );
    } else if (m.Type === 'tmpfs') {
      const opts = ['nosuid', 'nodev', 'noexec'];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      if (m.ReadOnly) opts.push('ro');
      add({ destination: m.Target, source: 'tmpfs', type: 'tmpfs', options: opts }, { Type: 'tmpfs', Source: '', Destination: m.Target, Mode: '', RW: !m.ReadOnly, Propagation: '' });
    } else if (m.Type === 'volume') {
      const vo = (m as { VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } } }).VolumeOptions;
      addVolume(m.Source || undefined, m.Target, !!m.ReadOnly, m.ReadOnly ? 'ro' : '', !!vo?.NoCopy, vo?.Labels, vo?.DriverConfig);
    } else if (m.Type === 'image') {
      // a type current dockerd has and Berth not yet
      throw invalidParameter(`mount type "${m.Type}" is not supported yet`);
    } else {
      // npipe, cluster and anything else: dockerd's Linux parser does not know them
      throw invalidParameter(`invalid mount config for type "${m.Type}": mount type unknown`);
    }
  }

  // The image's VOLUMEs (and -v /path): anonymous volumes where nothing else is mounted.
  for (const dst of Object.keys(src.imageVolumes ?? {})) {
    if (seen.has(dst) || !src.volumes) continue;
    volumeDriver();
    addVolume(undefined, dst, false, '', false);
  }
  return { specs, points };
}

/** What Go's os.MkdirAll says for these errnos (dockerd's "error while creating mount source path"). */
const MKDIR_ERRORS: Record<string, string> = { ENOTDIR: 'not a directory', EACCES: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on device', EEXIST: 'file exists', ENAMETOOLONG: 'file name too long', ELOOP: 'too many levels of symbolic links' };

/**
 * A missing -v source directory, made as dockerd makes it. A path it cannot be (a NUL byte, below a
 * file) is the request's fault: a 400 with dockerd's words, not a TypeError's 500.
 */
function makeBindSource(src: string): void {
  const fail = (why: string) => invalidParameter(`error while creating mount source path '${src}': mkdir ${src}: ${why}`);
  if (src.includes('\0')) throw fail('invalid argument');
  try {
    fs.mkdirSync(src, { recursive: true });
  } catch (e) {
    const why = MKDIR_ERRORS[(e as NodeJS.ErrnoException).code ?? ''];
    if (why) throw fail(why);
    throw e;
  }
}
