// Binds, tmpfs and --mount entries of a HostConfig → runtime mounts and Docker's MountPoint records.
import fs from 'node:fs';
import path from 'node:path';
import { invalidParameter } from '../../errdefs.ts';
import type { MountSpec } from '../../runtime/types.ts';
import type { HostConfig, MountPoint } from './record.ts';

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

export interface ResolvedMounts {
  specs: MountSpec[];
  points: MountPoint[];
}

export function resolveMounts(hc: HostConfig): ResolvedMounts {
  const specs: MountSpec[] = [];
  const points: MountPoint[] = [];
  const seen = new Set<string>();
  const add = (spec: MountSpec, point: MountPoint) => {
    if (seen.has(spec.destination)) throw invalidParameter(`Duplicate mount point: ${spec.destination}`);
    seen.add(spec.destination);
    specs.push(spec);
    points.push(point);
  };

  for (const bind of hc.Binds ?? []) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3) throw invalidParameter(`invalid volume specification: '${bind}'`);
    const [src, dst, mode = ''] = parts;
    if (!path.isAbsolute(dst)) throw invalidParameter(`invalid volume specification: '${bind}': invalid mount config for type "bind": invalid mount path: '${dst}' mount path must be absolute`);
    if (!path.isAbsolute(src)) throw invalidParameter(`invalid volume specification: '${bind}': named volumes are not supported yet`);
    const opts = mode ? mode.split(',') : [];
    for (const o of opts) if (!['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATIONS].includes(o)) throw invalidParameter(`invalid mode: ${o}`);
    const ro = opts.includes('ro');
    const propagation = opts.find((o) => PROPAGATIONS.includes(o)) ?? 'rprivate';
    // Docker creates a missing bind source directory for -v (not for --mount).
    fs.mkdirSync(src, { recursive: true });
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
      add(
        { destination: m.Target, source: m.Source, type: 'bind', options: ['rbind', m.ReadOnly ? 'ro' : 'rw', 'rprivate'] },
        { Type: 'bind', Source: m.Source, Destination: m.Target, Mode: '', RW: !m.ReadOnly, Propagation: 'rprivate' },
      );
    } else if (m.Type === 'tmpfs') {
      const opts = ['nosuid', 'nodev', 'noexec'];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      if (m.ReadOnly) opts.push('ro');
      add({ destination: m.Target, source: 'tmpfs', type: 'tmpfs', options: opts }, { Type: 'tmpfs', Source: '', Destination: m.Target, Mode: '', RW: !m.ReadOnly, Propagation: '' });
    } else {
      throw invalidParameter(`mount type "${m.Type}" is not supported yet`);
    }
  }
  return { specs, points };
}
