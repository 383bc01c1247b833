// Where the daemon listens: `unix:///path`, `tcp://host:port`, or a bare socket path.
// Resolution order: an explicit host, then BERTH_HOST, then DOCKER_HOST, then the default socket.

export const DEFAULT_SOCKET = '/run/berth/berth.sock';
export const DEFAULT_HOST = `unix://${DEFAULT_SOCKET}`;

export type Endpoint =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; hostname: string; port: number; url: string };

export class InvalidHostError extends Error {
  constructor(host: string, why: string) {
    super(`unable to parse docker host \`${host}\`: ${why}`);
    this.name = 'InvalidHostError';
  }
}

export function parseHost(host: string): Endpoint {
  const h = host.trim();
  if (h.startsWith('/')) return { kind: 'unix', socketPath: h, url: `unix://${h}` };
  const m = /^([a-z0-9+]+):\/\/(.*)$/i.exec(h);
  if (!m) throw new InvalidHostError(host, 'invalid format');
  const [, proto, rest] = m;
  switch (proto.toLowerCase()) {
    case 'unix': {
      if (!rest) throw new InvalidHostError(host, 'empty socket path');
      return { kind: 'unix', socketPath: rest, url: `unix://${rest}` };
    }
    case 'tcp':
    case 'http': {
      const hp = rest.replace(/\/+$/, '');
      const mm = /^(\[[^\]]+\]|[^:/]*)(?::(\d+))?$/.exec(hp);
      if (!mm) throw new InvalidHostError(host, 'invalid address');
      const hostname = (mm[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
      const port = mm[2] ? Number(mm[2]) : 2375;
      if (!(port > 0 && port < 65536)) throw new InvalidHostError(host, `invalid port ${mm[2]}`);
      return { kind: 'tcp', hostname, port, url: `tcp://${mm[1] || '127.0.0.1'}:${port}` };
    }
    default:
      throw new InvalidHostError(host, `protocol not supported: ${proto}`);
  }
}

/** The host to use when none was given on the command line. */
export function hostFromEnv(env: NodeJS.ProcessEnv = process.env): { host: string; fromDefault: boolean } {
  const h = env.BERTH_HOST || env.DOCKER_HOST;
  if (h) return { host: h, fromDefault: false };
  return { host: DEFAULT_HOST, fromDefault: true };
}
