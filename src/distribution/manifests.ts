// Manifest media types (Docker schema2 and OCI), and choosing a platform's manifest from a list/index.
import { invalidParameter, notFound } from '../errdefs.ts';
import { goArch, normalizeArch } from '../util/platform.ts';

export const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
};

export const ACCEPT = [MT.dockerManifest, MT.dockerList, MT.ociManifest, MT.ociIndex].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string };
  urls?: string[];
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  manifests?: Descriptor[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
}

export function parsePlatform(s: string | undefined): Platform {
  if (!s) return { os: 'linux', architecture: goArch() };
  const [os, architecture, variant] = s.toLowerCase().split('/');
  if (!os || !architecture) throw invalidParameter(`"${s}": unknown operating system or architecture: invalid argument`);
  return { os, architecture: normalizeArch(architecture), variant };
}

export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The manifest of a list/index for a platform, as containerd's matcher picks it (os.version for Windows). */
export function selectManifest(list: Manifest, want: Platform): Descriptor {
  const candidates = (list.manifests ?? []).filter((d) => d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture);
  const exact = candidates.filter((d) => !want.variant || d.platform!.variant === want.variant || (!d.platform!.variant && want.variant === 'v8' && want.architecture === 'arm64'));
  const chosen = (want.osVersion ? exact.filter((d) => d.platform!['os.version']?.startsWith(want.osVersion!)) : exact)[0] ?? exact[0];
  if (!chosen) throw notFound(`no matching manifest for ${platformString(want)} in the manifest list entries`);
  return chosen;
}

export function isList(mt: string | undefined): boolean {
  return mt === MT.dockerList || mt === MT.ociIndex;
}
