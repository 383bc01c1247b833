// A failed connection to a registry in the words of Go's net package, as dockerd reports it
// ("dial tcp 127.0.0.1:5001: connect: connection refused", "dial tcp: lookup HOST on NS:53: no such
// host"): users and scripts match on these, and Node's own ("getaddrinfo ENOTFOUND") say the same less
// familiarly. Causes without a Go counterpart keep Node's message.
import fs from 'node:fs';

interface NodeNetError extends Error {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
  errors?: NodeNetError[];
}

/** The first resolver of /etc/resolv.conf as Go's resolver names it in a lookup error ("10.0.0.53:53"). */
function firstNameserver(resolvConf = '/etc/resolv.conf'): string {
  let text = '';
  try {
    text = fs.readFileSync(resolvConf, 'utf8');
  } catch {
    // no resolv.conf: Go falls back to the local resolver
  }
  const ns = /^\s*nameserver\s+(\S+)/m.exec(text)?.[1] ?? '127.0.0.1';
  return ns.includes(':') ? `[${ns}]:53` : `${ns}:53`;
}

const CONNECT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  ECONNRESET: 'read: connection reset by peer',
};

/** The message after `Get "URL": ` for a fetch that failed before any response. */
export function goDialError(e: Error & { cause?: unknown }, host: string, resolvConf?: string): string {
  let c = (e.cause ?? e) as NodeNetError;
  // (several addresses tried: Go reports the first failure)
  if (c.errors?.length) c = c.errors[0]!;
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (c.code === 'ENOTFOUND') return `dial tcp: lookup ${name} on ${firstNameserver(resolvConf)}: no such host`;
  if (c.code === 'EAI_AGAIN') return `dial tcp: lookup ${name} on ${firstNameserver(resolvConf)}: server misbehaving`;
  const how = c.code ? CONNECT[c.code] : undefined;
  if (how && c.address) {
    const addr = c.address.includes(':') ? `[${c.address}]` : c.address;
    return `dial tcp ${addr}:${c.port}: ${how}`;
  }
  return c.message || e.message;
}
