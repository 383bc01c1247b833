// GET /distribution/{name}/json: what a registry says an image reference is, without pulling it:
// the descriptor of its manifest (or index) and the platforms it is for, as dockerd answers it
// (moby's distribution router): an index lists its entries' platforms, an image manifest gives the
// platform its config names; an OCI image manifest gives none (dockerd reads only Docker's).
import { fetchManifest } from './pull.ts';
import { isList, MT } from './manifests.ts';
import type { RegistryClient } from './client.ts';
import type { Reference } from '../images/reference.ts';
import { readAtMost, MAX_CONFIG_BYTES } from './bounded-body.ts';

/** An OCI platform as dockerd encodes it (ocispec.Platform: empty optional fields left out). */
export interface InspectPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: InspectPlatform[] | null;
}

function platformOf(p: Record<string, unknown> | undefined): InspectPlatform {
  const s = (k: string) => (typeof p?.[k] === 'string' ? (p[k] as string) : '');
  const out: InspectPlatform = { architecture: s('architecture'), os: s('os') };
  if (s('os.version')) out['os.version'] = s('os.version');
  const features = p?.['os.features'];
  if (Array.isArray(features) && features.length) out['os.features'] = features.filter((f): f is string => typeof f === 'string');
  if (s('variant')) out.variant = s('variant');
  return out;
}

/** `ref` is named, with a tag or a digest. */
export async function inspectDistribution(client: RegistryClient, ref: Reference): Promise<DistributionInspect> {
  const { manifest, digest, bytes, mediaType } = await fetchManifest(client, ref.path, ref.digest ?? ref.tag ?? 'latest');
  const out: DistributionInspect = { Descriptor: { mediaType, digest, size: bytes.length }, Platforms: null };
  if (isList(mediaType)) {
    out.Platforms = (manifest.manifests ?? []).map((m) => platformOf(m.platform as Record<string, unknown> | undefined));
  } else if (mediaType === MT.dockerManifest && manifest.config?.digest) {
    // the platform is the config's; a config that cannot be read leaves it out, as dockerd does
    try {
      const res = await client.fetch('GET', `/v2/${ref.path}/blobs/${manifest.config.digest}`);
      if (res.ok) {
        const config = JSON.parse((await readAtMost(res.body, MAX_CONFIG_BYTES)).toString('utf8')) as Record<string, unknown>;
        const p = platformOf(config);
        if (p.os || p.architecture) out.Platforms = [p];
      } else await res.body?.cancel();
    } catch {
      // unreadable or not JSON: no platform, as dockerd answers
    }
  }
  return out;
}
