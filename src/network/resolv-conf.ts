// A container's /etc/resolv.conf once the embedded resolver serves it at 127.0.0.11 in its namespace, as
// dockerd writes it (libnetwork's rebuildDNS): the search domains kept, the resolver as the nameserver
// (IPv6 servers stay listed after it: the resolver forwards IPv4 ones only), the options kept and
// `ndots:0` added unless the container sets ndots itself. Pure, and idempotent (a second start rewrites
// the file it wrote at the first).
import { RESOLVER_IP } from './resolver-rules.ts';

export function embeddedResolvConf(current: string): string {
  const lines = current.split('\n').map((l) => l.trim());
  const words = (key: string) => lines.filter((l) => l.split(/\s+/)[0] === key).flatMap((l) => l.split(/\s+/).slice(1));
  // (the last search line wins in resolv.conf, as the resolver library reads it)
  const search = lines.filter((l) => /^search\s/.test(l)).at(-1)?.split(/\s+/).slice(1) ?? [];
  const v6 = words('nameserver').filter((ip) => ip.includes(':'));
  const options = words('options');
  if (!options.some((o) => o.includes('ndots'))) options.push('ndots:0');
  const out: string[] = [];
  if (search.length && search.join(' ').trim() !== '.') out.push(`search ${search.join(' ')}`);
  for (const ns of [RESOLVER_IP, ...v6]) out.push(`nameserver ${ns}`);
  out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}
