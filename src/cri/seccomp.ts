// The CRI's seccomp choice for a sandbox or a container as a Docker SecurityOpt entry, by
// containerd's rules: no profile at all is unconfined (the kubelet sends RuntimeDefault when it wants
// the default), RuntimeDefault (or the deprecated "runtime/default", "docker/default") is Berth's
// default profile, Localhost is the profile JSON in the file localhost_ref names on the node. A
// privileged sandbox or container runs unconfined whatever it asks.
import fs from 'node:fs';
import path from 'node:path';
import { invalidParameter } from '../errdefs.ts';
import type { Msg } from './server.ts';

/** `sc`: a LinuxSandboxSecurityContext or LinuxContainerSecurityContext; undefined: the default profile */
export function seccompSecurityOpt(sc: Msg): string | undefined {
  // containerd looks no further for a privileged sandbox or container (its profile file is not even
  // read); Berth's engine runs a privileged container without a profile unless one is given
  if (sc.privileged) return undefined;
  const profile = sc.seccomp;
  if (profile?.profile_type !== undefined && profile.profile_type !== '') {
    switch (profile.profile_type) {
      case 'Unconfined':
        return 'seccomp=unconfined';
      case 'RuntimeDefault':
        return undefined;
      case 'Localhost':
        return localhost(profile.localhost_ref ?? '');
      default:
        throw invalidParameter(`unknown seccomp profile type ${profile.profile_type}`);
    }
  }
  // the deprecated seccomp_profile_path (containerd still honours it when seccomp is not set)
  const p = typeof sc.seccomp_profile_path === 'string' ? sc.seccomp_profile_path : '';
  if (p === '' || p === 'unconfined') return 'seccomp=unconfined';
  if (p === 'runtime/default' || p === 'docker/default') return undefined;
  if (p.startsWith('localhost/')) return localhost(p.slice('localhost/'.length));
  throw invalidParameter(`unsupported seccomp profile path ${JSON.stringify(p)}`);
}

function localhost(file: string): string {
  if (!path.isAbsolute(file)) throw invalidParameter(`seccomp localhost profile must be an absolute path: ${JSON.stringify(file)}`);
  let json: string;
  try {
    json = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw invalidParameter(`failed to load seccomp profile ${file}: ${(e as Error).message}`);
  }
  return `seccomp=${json}`;
}
