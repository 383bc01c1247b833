// --link-local-ip (EndpointSettings.IPAMConfig.LinkLocalIPs): addresses libnetwork adds to the container's
// interface besides the one IPAM gives, with the link-local prefix length (/16 for IPv4, /64 for IPv6).
import net from 'node:net';
import { invalidParameter } from '../errdefs.ts';
import { run } from '../util/exec.ts';

/** Docker's checks: a parseable address (daemon), and a link-local one (libnetwork's message). */
export function checkLinkLocal(ips: string[]): string[] {
  for (const ip of ips) {
    if (!net.isIP(ip) || ip === '0.0.0.0' || ip === '::') throw invalidParameter(`invalid link-local IP address: ${ip}`);
    const linkLocal = net.isIPv4(ip) ? ip.startsWith('169.254.') : /^fe[89ab][0-9a-f]:/i.test(ip);
    if (!linkLocal) throw invalidParameter(`invalid link local IP address: ${ip}`);
  }
  return [...ips];
}

/** Add the addresses to `ifName` in the namespace at `netns`. */
export async function addLinkLocal(netns: string, ifName: string, ips: string[]): Promise<void> {
  for (const ip of ips) {
    const v6 = net.isIPv6(ip);
    await run('nsenter', [`--net=${netns}`, 'ip', ...(v6 ? ['-6'] : []), 'addr', 'add', `${ip}/${v6 ? 64 : 16}`, ...(v6 ? [] : ['brd', '+']), 'dev', ifName]);
  }
}
