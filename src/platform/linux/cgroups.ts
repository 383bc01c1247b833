// cgroup layout detection: v1 (legacy), hybrid (v1 controllers + an empty cgroup2 mount at /sys/fs/cgroup/unified),
// or v2 (unified: /sys/fs/cgroup is itself cgroup2). Only a unified host counts as v2 for the OCI spec and runc.
import fs from 'node:fs';
import path from 'node:path';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const CGROUP_SUPER_MAGIC = 0x27e0eb;

export interface CgroupLayout {
  /** 2 only when /sys/fs/cgroup itself is cgroup2. */
  version: 1 | 2;
  mode: 'legacy' | 'hybrid' | 'unified';
  /** The cgroup mount root. */
  root: string;
  /** v1: controller name → mount point (e.g. memory → /sys/fs/cgroup/memory). v2: the enabled controllers → root. */
  controllers: Record<string, string>;
}

let cached: CgroupLayout | undefined;

export function cgroupLayout(root = '/sys/fs/cgroup'): CgroupLayout {
  if (cached && root === '/sys/fs/cgroup') return cached;
  const layout = detect(root);
  if (root === '/sys/fs/cgroup') cached = layout;
  return layout;
}

function fsType(p: string): number | undefined {
  try {
    return Number(fs.statfsSync(p).type);
  } catch {
    return undefined;
  }
}

function detect(root: string): CgroupLayout {
  const controllers: Record<string, string> = {};
  if (fsType(root) === CGROUP2_SUPER_MAGIC) {
    let list: string[] = [];
    try {
      list = fs.readFileSync(path.join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      // no cgroup.controllers: no controllers are enabled
    }
    for (const c of list) controllers[c] = root;
    return { version: 2, mode: 'unified', root, controllers };
  }
  let hybrid = false;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(root);
  } catch {
    // an unreadable cgroup root: no v1 controllers found
  }
  for (const name of entries) {
    const p = path.join(root, name);
    const t = fsType(p);
    if (t === CGROUP2_SUPER_MAGIC && name === 'unified') hybrid = true;
    if (t !== CGROUP_SUPER_MAGIC) continue;
    // A mount such as cpu,cpuacct serves several controllers; symlinks (cpu → cpu,cpuacct) resolve to the same mount.
    for (const c of name.split(',')) controllers[c] ??= p;
  }
  return { version: 1, mode: hybrid ? 'hybrid' : 'legacy', root, controllers };
}

/** Parse /proc/<pid>/cgroup into controller → path ('' key for the v2 entry). */
export function parseProcCgroup(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line) continue;
    const i = line.indexOf(':');
    const j = line.indexOf(':', i + 1);
    if (i < 0 || j < 0) continue;
    const ctrls = line.slice(i + 1, j);
    const p = line.slice(j + 1);
    if (ctrls === '') out[''] = p;
    else for (const c of ctrls.split(',')) out[c] = p;
  }
  return out;
}
