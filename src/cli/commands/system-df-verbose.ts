// system df -v: docker's verboseWrite — the images, containers, volumes and build cache one by
// one, as four tables, or a custom --format executed once over {Images, Containers, Volumes, BuildCache}.
import { FormatContext, renderFormat, templateString, templateError } from '../formatter.ts';
import { parseTemplate } from '../template.ts';
import { ago, humanSize } from '../units.ts';
import { ImageContext, splitRef, familiarName } from './images.ts';
import { ContainerContext } from './ps.ts';
import { VolumeContext } from './volume.ts';
import type { ImageSummary, ContainerSummary, Volume } from '../../sdk/types.ts';

interface CacheRecord { ID?: string; Type?: string; Size?: number; CreatedAt?: string; LastUsedAt?: string | null; UsageCount?: number; Shared?: boolean; InUse?: boolean; Description?: string; Parents?: string[] | null }

class BuildCacheContext extends FormatContext {
  private readonly b: CacheRecord;
  private readonly trunc: boolean;
  constructor(b: CacheRecord, trunc: boolean) {
    super();
    this.b = b;
    this.trunc = trunc;
  }
  fields(): string[] {
    return ['ID', 'Parent', 'CacheType', 'Description', 'Size', 'CreatedSince', 'LastUsedSince', 'UsageCount', 'InUse', 'Shared'];
  }
  ID(): string {
    const id = this.b.ID ?? '';
    return this.trunc ? id.slice(0, 12) + (this.b.InUse ? '*' : '') : id;
  }
  Parent(): string {
    const p = (this.b.Parents ?? []).join(', ');
    return this.trunc ? p.slice(0, 12) : p;
  }
  CacheType(): string {
    return this.b.Type ?? '';
  }
  Description(): string {
    return this.b.Description ?? '';
  }
  Size(): string {
    return humanSize(this.b.Size ?? 0);
  }
  CreatedSince(): string {
    return this.b.CreatedAt ? ago(Date.parse(this.b.CreatedAt) / 1000) : '';
  }
  LastUsedSince(): string {
    return this.b.LastUsedAt ? ago(Date.parse(this.b.LastUsedAt) / 1000) : '';
  }
  UsageCount(): string {
    return String(this.b.UsageCount ?? 0);
  }
  InUse(): string {
    return String(!!this.b.InUse);
  }
  Shared(): string {
    return String(!!this.b.Shared);
  }
}

const IMAGE_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const CONTAINER_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const VOLUME_TABLE = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const CACHE_TABLE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
const HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS',
};

/** The first tag as repository and tag, "<none>" for an untagged (dangling) image, as docker's verboseWrite. */
function imageContext(i: ImageSummary, trunc: boolean): ImageContext {
  const first = (i.RepoTags ?? []).find((t) => t !== '<none>:<none>');
  if (!first) return new ImageContext(i, trunc, '<none>', '<none>', '');
  const r = splitRef(first);
  return new ImageContext(i, trunc, familiarName(r.repo), r.tag ?? 'latest', '');
}

export function renderDfVerbose(format: string, du: { Images: ImageSummary[]; Containers: ContainerSummary[]; Volumes: Volume[]; BuildCache: CacheRecord[] }, cacheSize: string): string {
  const trunc = format.startsWith('table');
  const images = du.Images.map((i) => imageContext(i, trunc));
  // docker hides the virtual size
  const containers = du.Containers.map((c) => new ContainerContext({ ...c, SizeRootFs: 0 }, trunc));
  const volumes = du.Volumes.map((v) => new VolumeContext(v));
  const cache = [...du.BuildCache].sort((a, b) => Date.parse(b.LastUsedAt ?? '') - Date.parse(a.LastUsedAt ?? '')).map((b) => new BuildCacheContext(b, trunc));
  if (format === 'table') {
    return 'Images space usage:\n\n' + renderFormat(IMAGE_TABLE, images, HEADERS) +
      '\nContainers space usage:\n\n' + renderFormat(CONTAINER_TABLE, containers, { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES' }) +
      '\nLocal Volumes space usage:\n\n' + renderFormat(VOLUME_TABLE, volumes, { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' }) +
      `\nBuild cache usage: ${cacheSize}\n\n` + renderFormat(CACHE_TABLE, cache, { ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED' });
  }
  try {
    return parseTemplate(templateString(format)).execute({ Images: images, Containers: containers, Volumes: volumes, BuildCache: cache });
  } catch (e) {
    return templateError(e);
  }
}
