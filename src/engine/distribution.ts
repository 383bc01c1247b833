// Registries: pull, push and login, over the distribution protocol (src/distribution), with the
// credentials clients pass in X-Registry-Auth.
import type { MetaDB } from '../store/db.ts';
import type { DaemonConfig } from '../config.ts';
import type { ImageStoreService } from '../images/image-service.ts';
import type { EventsService } from '../events/bus.ts';
import { familiarString, tagNameOnly, type Reference } from '../images/reference.ts';
import { RegistryClient, registryHost, type Credentials } from '../distribution/client.ts';
import { pull } from '../distribution/pull.ts';
import { push } from '../distribution/push.ts';
import { inspectDistribution, type DistributionInspect } from '../distribution/inspect.ts';
import { parsePlatform } from '../distribution/manifests.ts';
import { Progress } from '../distribution/progress.ts';
import { BlobSources } from '../distribution/blob-sources.ts';

/** X-Registry-Auth: base64url(JSON AuthConfig); empty or "{}" means anonymous. */
import { searchRegistry, type SearchOptions, type SearchResult } from '../distribution/search.ts';
export function decodeAuth(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  try {
    const j = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Credentials;
    return j && (j.username || j.identitytoken || j.registrytoken) ? j : undefined;
  } catch {
    return undefined;
  }
}

export class DistributionService {
  private readonly images: ImageStoreService;
  private readonly sources: BlobSources;
  private readonly cfg: DaemonConfig;
  private readonly events: EventsService;

  constructor(deps: { cfg: DaemonConfig; db: MetaDB; images: ImageStoreService; events: EventsService }) {
    this.cfg = deps.cfg;
    this.images = deps.images;
    this.events = deps.events;
    this.sources = new BlobSources(deps.db);
  }

  private client(ref: Reference, actions: string, creds?: Credentials): RegistryClient {
    return new RegistryClient(registryHost(ref.domain), [`repository:${ref.path}:${actions}`], creds, { insecureRegistries: this.cfg.insecureRegistries });
  }

  async pull(ref: Reference, o: { platform?: string; creds?: Credentials }, write: (m: unknown) => void): Promise<string> {
    const id = await pull({ images: this.images, client: this.client(ref, 'pull', o.creds), ref, platform: parsePlatform(o.platform), progress: new Progress(write), sources: this.sources });
    this.events.publish('image', 'pull', familiarString(ref.digest ? ref : tagNameOnly(ref)), { name: familiarString(ref.digest ? ref : tagNameOnly(ref)) });
    return id;
  }

  async push(ref: Reference, o: { creds?: Credentials }, write: (m: unknown) => void): Promise<void> {
    await push({ images: this.images, client: this.client(ref, 'pull,push', o.creds), ref, progress: new Progress(write), sources: this.sources });
    this.events.publish('image', 'push', familiarString(tagNameOnly(ref)), { name: familiarString(tagNameOnly(ref)) });
  }

  /** GET /distribution/{name}/json: the registry's descriptor and platforms of a named reference
   * (tag or digest; no tag means latest). */
  async inspect(ref: Reference, o: { creds?: Credentials }): Promise<DistributionInspect> {
    return inspectDistribution(this.client(ref, 'pull', o.creds), tagNameOnly(ref));
  }

  /** docker search: the v1 search of the index the term names (Docker Hub's by default) */
  search(o: Omit<SearchOptions, 'insecureRegistries'>): Promise<SearchResult[]> {
    return searchRegistry({ ...o, insecureRegistries: this.cfg.insecureRegistries });
  }

  /** docker login: the registry accepts the credentials (GET /v2/ through its challenge). */
  async login(creds: Credentials & { serveraddress?: string }): Promise<{ Status: string; IdentityToken: string }> {
    let host = (creds.serveraddress || 'https://index.docker.io/v1/').replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (host === 'index.docker.io') host = 'registry-1.docker.io';
    const client = new RegistryClient(host, [], creds, { insecureRegistries: this.cfg.insecureRegistries });
    await client.ping(true);
    return { Status: 'Login Succeeded', IdentityToken: '' };
  }
}
