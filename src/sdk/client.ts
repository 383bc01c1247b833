// The typed Engine API client. Grouped like the API: client.containers, .images, .exec,
// .system, .networks, .volumes (the first three in their own modules). Every call negotiates the
// API version on first use.
import { Transport, type PingResult, type TransportOptions } from './transport.ts';
import { hostFromEnv } from './host.ts';
import { jsonMessages } from './jsonstream.ts';
import { Group, enc, encodeFilters } from './group.ts';
import { Containers, Exec } from './containers.ts';
import { Images } from './images.ts';
import type * as T from './types.ts';

export { encodeFilters } from './group.ts';
export { Containers, Exec } from './containers.ts';
export { Images } from './images.ts';

export interface ClientOptions extends Partial<TransportOptions> {}

export class Client {
  readonly transport: Transport;
  readonly containers: Containers;
  readonly images: Images;
  readonly exec: Exec;
  readonly system: System;
  readonly networks: Networks;
  readonly volumes: Volumes;

  constructor(opts: ClientOptions = {}) {
    const host = opts.host ?? hostFromEnv().host;
    this.transport = new Transport({ ...opts, host, version: opts.version ?? (process.env.DOCKER_API_VERSION || undefined) });
    this.containers = new Containers(this.transport);
    this.images = new Images(this.transport);
    this.exec = new Exec(this.transport);
    this.system = new System(this.transport);
    this.networks = new Networks(this.transport);
    this.volumes = new Volumes(this.transport);
  }

  /** The endpoint's URL (unix:///run/berth/berth.sock). */
  get url(): string {
    return this.transport.endpoint.url;
  }

  ping(signal?: AbortSignal): Promise<PingResult> {
    return this.transport.ping(signal);
  }

  apiVersion(): Promise<string> {
    return this.transport.version();
  }

  close(): void {
    this.transport.close();
  }
}

export class System extends Group {
  version(): Promise<T.SystemVersion> {
    return this.t.json({ path: '/version' });
  }

  info(): Promise<T.SystemInfo> {
    return this.t.json({ path: '/info' });
  }

  df(o: { type?: string[] } = {}): Promise<T.SystemDataUsageResponse> {
    return this.t.json({ path: '/system/df', query: { type: o.type } });
  }

  /** The event stream; ends when `until` passes or the signal aborts. */
  async events(o: T.EventsOptions = {}, signal?: AbortSignal): Promise<AsyncGenerator<T.EventMessage>> {
    const res = await this.t.request({ path: '/events', query: { since: o.since, until: o.until, filters: encodeFilters(o.filters) }, signal });
    return jsonMessages<T.EventMessage>(res);
  }

  auth(body: T.AuthConfig): Promise<{ Status: string; IdentityToken?: string }> {
    return this.t.json({ method: 'POST', path: '/auth', body });
  }
}

export class Networks extends Group {
  list(o: T.NetworkListOptions = {}): Promise<T.Network[]> {
    return this.t.json({ path: '/networks', query: { filters: encodeFilters(o.filters) } });
  }

  inspect(id: string, o: { verbose?: boolean; scope?: string } = {}): Promise<T.Network> {
    return this.t.json({ path: `/networks/${enc(id)}`, query: { verbose: o.verbose || undefined, scope: o.scope } });
  }

  create(body: { Name: string; Driver?: string; Internal?: boolean; Attachable?: boolean; EnableIPv6?: boolean; IPAM?: T.IPAM; Options?: Record<string, string>; Labels?: Record<string, string> }): Promise<T.NetworkCreateResponse> {
    return this.t.json({ method: 'POST', path: '/networks/create', body });
  }

  async remove(id: string): Promise<void> {
    await this.t.empty({ method: 'DELETE', path: `/networks/${enc(id)}` });
  }

  async connect(id: string, container: string, endpoint?: T.EndpointSettings): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/networks/${enc(id)}/connect`, body: { Container: container, EndpointConfig: endpoint } });
  }

  async disconnect(id: string, container: string, force = false): Promise<void> {
    await this.t.empty({ method: 'POST', path: `/networks/${enc(id)}/disconnect`, body: { Container: container, Force: force } });
  }

  prune(filters?: T.Filters): Promise<{ NetworksDeleted?: string[] | null }> {
    return this.t.json({ method: 'POST', path: '/networks/prune', query: { filters: encodeFilters(filters) } });
  }
}

export class Volumes extends Group {
  list(o: T.VolumeListOptions = {}): Promise<T.VolumeListResponse> {
    return this.t.json({ path: '/volumes', query: { filters: encodeFilters(o.filters) } });
  }

  inspect(name: string): Promise<T.Volume> {
    return this.t.json({ path: `/volumes/${enc(name)}` });
  }

  create(body: T.VolumeCreateOptions): Promise<T.Volume> {
    return this.t.json({ method: 'POST', path: '/volumes/create', body });
  }

  async remove(name: string, o: { force?: boolean } = {}): Promise<void> {
    await this.t.empty({ method: 'DELETE', path: `/volumes/${enc(name)}`, query: { force: o.force || undefined } });
  }

  prune(filters?: T.Filters): Promise<{ VolumesDeleted?: string[] | null; SpaceReclaimed?: number }> {
    return this.t.json({ method: 'POST', path: '/volumes/prune', query: { filters: encodeFilters(filters) } });
  }
}
