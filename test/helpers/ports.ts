// Host ports for end-to-end tests: one nothing listens on, and the first line a port answers.
import net from 'node:net';

/**
 * A port nothing listens on at `host` (127.0.0.1; '::' for both families), picked at random from
 * 20000-29999 rather than the kernel's ephemeral range, which clients reuse; `accept` may refuse
 * one (a port some firewall rule still names).
 */
export async function freePort(host = '127.0.0.1', accept?: (port: number) => Promise<boolean>): Promise<number> {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer().once('error', () => resolve(false));
      srv.listen(p, host, () => srv.close(() => resolve(true)));
    });
    if (free && (!accept || (await accept(p)))) return p;
  }
}

/** What a TCP server at host:port says before it closes (or within 2 s), trimmed; '' if nothing answers. */
export function fetchLine(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let data = '';
    const done = () => {
      s.destroy();
      resolve(data.trim());
    };
    s.setTimeout(2000, done);
    s.on('data', (d) => (data += d));
    s.on('end', done);
    s.on('error', done);
  });
}
