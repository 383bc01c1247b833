// The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf Docker bind-mounts into every container.
import { daemonIdMap, toHost } from '../../platform/linux/idmap.ts';
import fs from 'node:fs';
import path from 'node:path';

export interface EtcFiles {
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

export function writeEtcFiles(dir: string, opts: { hostname: string; hostNetwork: boolean; extraHosts: string[]; hostGateway?: string; dns: string[]; dnsSearch: string[]; dnsOptions: string[] }): EtcFiles {
  const hostnamePath = path.join(dir, 'hostname');
  const hostsPath = path.join(dir, 'hosts');
  const resolvConfPath = path.join(dir, 'resolv.conf');
  fs.writeFileSync(hostnamePath, opts.hostname + '\n');
  let hosts: string;
  if (opts.hostNetwork) {
    hosts = readOr('/etc/hosts', '127.0.0.1\tlocalhost\n');
  } else {
    hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters', ''].join('\n');
  }
  for (const h of opts.extraHosts) {
    // "name:ip" or "name=ip" (checked at create); the name never holds either separator
    const i = h.includes('=') ? h.indexOf('=') : h.indexOf(':');
    if (i <= 0) continue;
    let ip = h.slice(i + 1).replace(/^\[(.*)\]$/, '$1');
    // Docker's special address: the host as the default bridge reaches it (dockerd --host-gateway-ip)
    if (ip === 'host-gateway') ip = opts.hostGateway ?? '';
    if (ip) hosts += `${ip}\t${h.slice(0, i)}\n`;
  }
  fs.writeFileSync(hostsPath, hosts);
  fs.writeFileSync(resolvConfPath, resolvConf(opts));
  // with --userns-remap they belong to container root, as in a container without one
  if (daemonIdMap()) for (const f of [hostnamePath, hostsPath, resolvConfPath]) fs.chownSync(f, toHost(0, 'uid'), toHost(0, 'gid'));
  return { hostnamePath, hostsPath, resolvConfPath };
}

function resolvConf(opts: { dns: string[]; dnsSearch: string[]; dnsOptions: string[] }): string {
  const host = readOr('/etc/resolv.conf', '');
  // Loopback resolvers on the host are unreachable from a container's own network namespace; Docker drops them.
  const hostNs = host.split('\n').filter((l) => /^nameserver\s+/.test(l) && !/^nameserver\s+(127\.|::1)/.test(l)).map((l) => l.split(/\s+/)[1]);
  const ns = opts.dns.length ? opts.dns : hostNs;
  const lines: string[] = [];
  const search = opts.dnsSearch.length ? opts.dnsSearch : host.split('\n').filter((l) => l.startsWith('search ')).flatMap((l) => l.split(/\s+/).slice(1));
  if (search.length) lines.push(`search ${search.join(' ')}`);
  for (const n of ns) lines.push(`nameserver ${n}`);
  if (opts.dnsOptions.length) lines.push(`options ${opts.dnsOptions.join(' ')}`);
  return lines.join('\n') + '\n';
}

function readOr(file: string, dflt: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // a host file that is missing or unreadable: the container gets Docker's default content
    return dflt;
  }
}
