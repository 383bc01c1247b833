// The NAT rules of the embedded resolver inside a container's network namespace, as dockerd's
// (libnetwork's resolver): 127.0.0.11:53 goes to the resolver's real ports (free ones, chosen when its
// sockets were bound) and the answers come back from port 53. Written for iptables-restore --noflush:
// declaring the two chains flushes them, so a berthd that reopens the resolver (new ports) replaces its
// predecessor's rules; the jumps to them are added only when `existing` (iptables-save -t nat) lacks them.
// Pure: no process is run here.

export const RESOLVER_IP = '127.0.0.11';
const OUTPUT_CHAIN = 'DOCKER_OUTPUT';
const POSTROUTING_CHAIN = 'DOCKER_POSTROUTING';

export function resolverRules(udpPort: number, tcpPort: number, existing = ''): string {
  const lines = ['*nat', `:${OUTPUT_CHAIN} - [0:0]`, `:${POSTROUTING_CHAIN} - [0:0]`];
  for (const [proto, port] of [['udp', udpPort], ['tcp', tcpPort]] as const) {
    lines.push(`-A ${OUTPUT_CHAIN} -d ${RESOLVER_IP}/32 -p ${proto} -m ${proto} --dport 53 -j DNAT --to-destination ${RESOLVER_IP}:${port}`);
    lines.push(`-A ${POSTROUTING_CHAIN} -s ${RESOLVER_IP}/32 -p ${proto} -m ${proto} --sport ${port} -j SNAT --to-source :53`);
  }
  const jumps: [string, string][] = [['OUTPUT', OUTPUT_CHAIN], ['POSTROUTING', POSTROUTING_CHAIN]];
  for (const [from, to] of jumps) {
    const rule = `-A ${from} -d ${RESOLVER_IP}/32 -j ${to}`;
    if (!existing.split('\n').includes(rule)) lines.push(rule);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}
