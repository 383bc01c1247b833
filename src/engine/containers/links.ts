// Legacy container links (docker run --link name:alias), as dockerd keeps them. On the default bridge a
// link is recorded in HostConfig.Links as "/target:/self/alias"; at each start the target must run, and
// the container gets the target's address in /etc/hosts (alias, hostname, name) and the ALIAS_PORT_*,
// ALIAS_NAME, ALIAS_ENV_* variables. On a user-defined network a link is the endpoint's "target:alias",
// a name only the linking container resolves (engine/networks.ts). `docker rm --link /self/alias` drops one.
import fs from 'node:fs';
import { invalidParameter, conflict, notFound, systemError, BerthError } from '../../errdefs.ts';
import { log } from '../../util/log.ts';
import type { ContainerRecord, HostConfig, NetworkSettings } from './record.ts';
import type { Ctx } from './context.ts';

/** Docker's opts.ParseLink: "name", "name:alias", or the stored "/name:/self/alias". */
export function parseLink(s: string): { name: string; alias: string } {
  if (!s) throw systemError('empty string specified for links');
  const parts = s.split(':');
  if (parts.length > 2) throw systemError(`bad format for links: ${s}`);
  if (parts.length === 1) return { name: s, alias: s };
  const [name, alias] = parts as [string, string];
  if (name.startsWith('/')) return { name: name.slice(1), alias: alias.slice(alias.lastIndexOf('/') + 1) };
  return { name, alias };
}

/** The environment a link gives (moby's links.ToEnv): ports TCP first then by number, ranges of consecutive ports. */
export function linkEnv(alias: string, linkName: string, ip: string, exposed: string[], env: string[]): string[] {
  const A = alias.toUpperCase().replaceAll('-', '_');
  const ports = exposed.map((p) => {
    const [num, proto = 'tcp'] = p.split('/');
    return { num: Number(num), proto: proto.toLowerCase() };
  }).filter((p) => Number.isInteger(p.num));
  ports.sort((a, b) => (a.proto === b.proto ? a.num - b.num : a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : a.proto < b.proto ? -1 : 1));
  const out: string[] = [];
  let start = ports[0];
  let end = ports[0];
  ports.forEach((p, i) => {
    if (i === 0) out.push(`${A}_PORT=${p.proto}://${ip}:${p.num}`);
    const prefix = `${A}_PORT_${p.num}_${p.proto.toUpperCase()}`;
    out.push(`${prefix}=${p.proto}://${ip}:${p.num}`, `${prefix}_ADDR=${ip}`, `${prefix}_PORT=${p.num}`, `${prefix}_PROTO=${p.proto}`);
    if (p.num === end!.num + 1 && p.proto === end!.proto) {
      end = p;
      if (i < ports.length - 1) return;
    }
    if (end !== start) {
      const rp = `${A}_PORT_${start!.num}_${start!.proto.toUpperCase()}`;
      out.push(`${rp}_START=${start!.proto}://${ip}:${start!.num}`, `${rp}_PORT_START=${start!.num}`, `${rp}_END=${end!.proto}://${ip}:${end!.num}`, `${rp}_PORT_END=${end!.num}`);
    }
    start = end = p;
  });
  out.push(`${A}_NAME=${linkName}`);
  for (const v of env) {
    const i = v.indexOf('=');
    if (i < 0) continue;
    const k = v.slice(0, i);
    if (k === 'HOME' || k === 'PATH') continue;
    out.push(`${A}_ENV_${k}=${v.slice(i + 1)}`);
  }
  return out;
}

/**
 * At create: check the links against the network mode (Docker's messages) and record them where dockerd
 * does: HostConfig.Links as "/target:/self/alias" on the default bridge, the endpoint's Links on a
 * user-defined network (where a target need not exist yet).
 */
export function recordLinks(ctx: Ctx, hc: HostConfig, settings: NetworkSettings | undefined, selfName: string): void {
  const links = (hc.Links as string[] | null | undefined) ?? [];
  if (!links.length) return;
  const parsed = links.map(parseLink);
  const mode = hc.NetworkMode ?? 'bridge';
  if (mode === 'host') throw invalidParameter("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  if (mode.startsWith('container:')) throw invalidParameter("conflicting options: container type network can't be used with links. This would result in undefined behavior");
  if (mode !== 'bridge') {
    const ep = settings?.Networks[mode];
    // (the docker CLI sends a user network's links in its endpoint settings too: each is kept once)
    if (ep) ep.Links = [...new Set([...(ep.Links ?? []), ...parsed.map((l) => `${l.name}:${l.alias}`)])];
    hc.Links = null;
    return;
  }
  hc.Links = parsed.map((l) => {
    let target: ContainerRecord;
    try {
      target = ctx.store.get(l.name);
    } catch (e) {
      // a 404 would make the docker CLI pull the image: dockerd answers 400 (moby#39823)
      if (e instanceof BerthError && e.kind === 'not-found') throw invalidParameter(`could not get container for ${l.name}: ${e.message}`, e);
      throw e;
    }
    if ((target.HostConfig.NetworkMode ?? 'bridge') === 'host') throw invalidParameter("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
    return `${target.Name}:${selfName}/${l.alias}`;
  });
}

interface Resolved {
  alias: string;
  linkName: string;
  target: ContainerRecord;
  ip: string;
}

/** The default-bridge links of c, each target running (else Docker's error) unless `anyState`. */
function resolveLinks(ctx: Ctx, c: ContainerRecord, anyState = false): Resolved[] {
  return ((c.HostConfig.Links as string[] | null | undefined) ?? []).map((s) => {
    const { name, alias } = parseLink(s);
    const linkName = `${c.Name}/${alias}`;
    // a target removed since stays a link that cannot start, as in dockerd's link graph
    const target = ctx.store.find(name);
    if (!target || (!target.State.Running && !anyState)) throw systemError(`Cannot link to a non running container: /${name} AS ${linkName}`);
    return { alias, linkName, target, ip: target.NetworkSettings?.Networks.bridge?.IPAddress ?? '' };
  });
}

/** The variables the links of c give its process (before its own Env, which wins on a clash). */
export function linkEnvOf(ctx: Ctx, c: ContainerRecord): string[] {
  return resolveLinks(ctx, c).flatMap((l) => linkEnv(l.alias, l.linkName, l.ip, Object.keys(l.target.Config.ExposedPorts ?? {}), l.target.Config.Env ?? []));
}

/** "ip<TAB>alias hostname [name]" for each link, as moby's sandbox options. */
function hostLines(ctx: Ctx, c: ContainerRecord, anyState = false): string[] {
  return resolveLinks(ctx, c, anyState).filter((l) => l.ip).map((l) => {
    const name = l.target.Name.slice(1);
    return `${l.ip}\t${l.alias} ${l.target.Config.Hostname}${l.alias !== name ? ` ${name}` : ''}`;
  });
}

/**
 * Rewrite the link entries of c's /etc/hosts (a bind mount: in place), keeping every other line; then, as
 * libnetwork's parent updates, the entries of the running containers that link to c (its address is new).
 */
export function writeLinkHosts(ctx: Ctx, c: ContainerRecord, previous: string[] = []): void {
  rewriteHosts(c, safeHostLines(ctx, c), previous);
  for (const p of ctx.store.list()) {
    if (p.Id === c.Id || !p.State.Running || !((p.HostConfig.Links as string[] | null | undefined) ?? []).some((l) => parseLink(l).name === c.Name.slice(1))) continue;
    rewriteHosts(p, safeHostLines(ctx, p, true), []);
  }
}

function rewriteHosts(c: ContainerRecord, lines: string[], previous: string[]): void {
  if (!lines.length && !previous.length) return;
  try {
    const names = new Set([...lines, ...previous].map((l) => l.split('\t')[1]));
    const kept = fs.readFileSync(c.HostsPath, 'utf8').split('\n').filter((l) => !names.has(l.split('\t')[1] ?? '\0'));
    while (kept.length && kept[kept.length - 1] === '') kept.pop();
    fs.writeFileSync(c.HostsPath, [...kept, ...lines].join('\n') + '\n');
  } catch (e) {
    log.warn(`link entries of ${c.Id}'s /etc/hosts: ${(e as Error).message}`);
  }
}

/** After a rename: the links that name the container (as target or as the linking one) follow it, as
 * dockerd's link graph (kept by container, not by name) does. */
export function renameInLinks(ctx: Ctx, oldName: string, newName: string): void {
  for (const x of ctx.store.list()) {
    const links = (x.HostConfig.Links as string[] | null | undefined) ?? [];
    const next = links.map((l) => {
      const [target = '', self = ''] = l.split(':');
      return `${target === oldName ? newName : target}:${self.startsWith(`${oldName}/`) ? newName + self.slice(oldName.length) : self}`;
    });
    if (next.some((l, i) => l !== links[i])) ctx.store.update(x.Id, (y) => void (y.HostConfig.Links = next));
  }
}

/** docker rm --link /self/alias: the link goes from the record and, while c runs, from its /etc/hosts. */
export async function removeLink(ctx: Ctx, ref: string): Promise<void> {
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const slash = name.lastIndexOf('/');
  if (slash <= 0) throw conflict('Conflict, cannot remove the default link name of the container');
  const selfRef = name.slice(1, slash);
  const alias = name.slice(slash + 1);
  let self: ContainerRecord | undefined;
  try {
    self = ctx.store.get(selfRef);
  } catch {
    // no such parent: the same answer as no such link
  }
  const links = (self?.HostConfig.Links as string[] | null | undefined) ?? [];
  const gone = links.find((l) => parseLink(l).alias === alias);
  if (!self || !gone) throw notFound(`No such container: ${name.slice(1)}`);
  const before = self.State.Running ? safeHostLines(ctx, self) : [];
  const c = ctx.store.update(self.Id, (x) => {
    const rest = links.filter((l) => l !== gone);
    x.HostConfig.Links = rest.length ? rest : null;
  });
  if (c.State.Running) writeLinkHosts(ctx, c, before);
}

function safeHostLines(ctx: Ctx, c: ContainerRecord, anyState = false): string[] {
  try {
    return hostLines(ctx, c, anyState);
  } catch {
    return [];
  }
}
