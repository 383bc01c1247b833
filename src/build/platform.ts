// Platforms in a build: the ARGs BuildKit predefines (TARGETPLATFORM, BUILDARCH, ...) and whether an image
// was made for a requested platform.
import type { ImageRecord } from '../images/types.ts';
import { goArch } from '../images/image-config.ts';

/** The automatic platform ARGs for a build targeting `target` ("os/arch[/variant]"; the host's by default). */
export function platformArgs(target?: string): Record<string, string> {
  const build = { os: 'linux', arch: goArch(), variant: goArch() === 'arm' ? 'v7' : '' };
  const [os = build.os, arch = build.arch, variant = arch === build.arch ? build.variant : arch === 'arm' ? 'v7' : ''] = (target ?? '').toLowerCase().split('/').filter(Boolean);
  const normArch = arch === 'x86_64' || arch === 'x86-64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : arch;
  const fmt = (o: string, a: string, v: string) => `${o}/${a}${v ? `/${v}` : ''}`;
  return {
    TARGETPLATFORM: fmt(os, normArch, variant),
    TARGETOS: os,
    TARGETARCH: normArch,
    TARGETVARIANT: variant,
    BUILDPLATFORM: fmt(build.os, build.arch, build.variant),
    BUILDOS: build.os,
    BUILDARCH: build.arch,
    BUILDVARIANT: build.variant,
  };
}

/** Whether an image was made for "os[/arch[/variant]]" (arch names as Go's, amd64 for x86-64). */
export function platformMatches(img: ImageRecord, platform: string): boolean {
  const [os, arch, variant] = platform.toLowerCase().split('/');
  const cfg = img.config as { os?: string; architecture?: string; variant?: string };
  if (os && cfg.os && os !== cfg.os) return false;
  const norm = (a: string | undefined) => (a === 'x86_64' || a === 'x86-64' ? 'amd64' : a === 'aarch64' ? 'arm64' : a);
  if (arch && cfg.architecture && norm(arch) !== norm(cfg.architecture)) return false;
  if (variant && cfg.variant && variant !== cfg.variant) return false;
  return true;
}
