// End-to-end: IPv6 on a daemon without any IPv6 configuration, as current Docker has it. `network create
// --ipv6` without an IPv6 subnet takes a /64 of the daemon's default IPv6 pool (a ULA prefix); ports
// published for a container without an IPv6 address (an IPv4-only network, the default bridge) listen on
// [::] too and carry IPv6 clients to the container's IPv4 address, as dockerd's docker-proxy does: listed
// on 0.0.0.0 and ::, reached over ::1 (TCP and UDP), an explicit [::1] binding too, released at stop and
// rm, and back after the daemon is killed with -9 while the container runs. And the daemon's --ipv6
// without --fixed-cidr-v6: the default bridge's /64 from the same pool. Traffic stays on loopback.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { docker, run } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER, type Daemon } from '../helpers/target.ts';
import { startBerthd } from '../helpers/berthd.ts';
import { startDockerd, ensureDocker0 } from '../helpers/dockerd.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../helpers/images.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';
import { freePort, fetchLine } from '../helpers/ports.ts';

const skip = e2eSkipReason();

/** The first answer of a UDP server at [host]:port to `msg`, or '' within 2 s. */
function askUdp(host: string, port: number, msg: string): Promise<string> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const done = (v: string) => {
      clearTimeout(timer);
      s.close();
      resolve(v.trim());
    };
    const timer = setTimeout(() => done(''), 2000);
    s.on('message', (m) => done(m.toString()));
    s.on('error', () => done(''));
    s.send(msg, port, host);
  });
}

/** Whether a TCP port can be listened on at host right now (nothing, proxy included, holds it). */
const bindable = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false));
    srv.listen({ port, host, ipv6Only: host.includes(':') }, () => srv.close(() => resolve(true)));
  });

describe('IPv6 by default', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const inspect = async (ref: string, fmt: string) => ok(await dk(['inspect', '-f', fmt, ref]), `inspect ${fmt}`).trim();
  /** TCP 80 answers `word` to every connection */
  const serve = (word: string) => ['nc', '-ll', '-p', '80', '-e', 'echo', word];
  /** and UDP 81 `udp-<word>` to every datagram: busybox has no UDP server, the host's perl does it in the
   * container's network namespace (the host's root mounted read-only at /host) */
  const udpEcho = `while (my $peer = $s->recv(my $m, 1500)) { $s->send("udp-$ARGV[0]\\n", 0, $peer) }`;
  const serveBoth = (word: string) => ['-v', '/:/host:ro', t.image, 'sh', '-c', `chroot /host perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 81, Proto => "udp") or die "udp: $!"; ${udpEcho}' ${word} & exec nc -ll -p 80 -e echo ${word}`];
  const answers = (host: string, port: number, word: string) => waitFor(async () => (await fetchLine(host, port)) === word, `[${host}]:${port} answers ${word}`, 15_000, 200);
  const byIp = (a: { HostIp: string }, b: { HostIp: string }) => (a.HostIp < b.HostIp ? -1 : a.HostIp > b.HostIp ? 1 : 0);

  test('network create --ipv6 without an IPv6 subnet: a /64 of the daemon\'s ULA pool, its gateway, addresses for containers', T, async () => {
    const a = uniq('v6auto');
    const b = uniq('v6auto');
    const r = await dk(['network', 'create', '--ipv6', '--subnet', '10.251.81.0/24', a]);
    if (REAL_DOCKER) {
      // dockerd 20.10 has no default IPv6 pool; current dockerd (27+) allocates as Berth does below
      assert.equal(r.code, 1);
      assert.match(r.stderr, /could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network/);
      return;
    }
    ok(r);
    const more: string[] = [];
    try {
      ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.82.0/24', b]));
      const pools = async (n: string) => JSON.parse(await inspect(n, '{{json .IPAM.Config}}')) as { Subnet: string; Gateway: string }[];
      const [pa, pb] = [await pools(a), await pools(b)];
      assert.equal(pa.length, 2, JSON.stringify(pa));
      // the IPv4 pool as the client gave it (dockerd's buildIPAMResources: no gateway was given, none shown)
      assert.deepEqual(pa[0], { Subnet: '10.251.81.0/24' });
      // fdXX:XXXX:XXXX:<subnet id>::/64, the /48 derived from the daemon's id, its first /64s in order
      const m = /^(fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}):(?:([0-9a-f]{1,4}):)?:\/64$/.exec(pa[1]!.Subnet);
      assert.ok(m, pa[1]!.Subnet);
      assert.equal(pa[1]!.Gateway, pa[1]!.Subnet.replace('/64', '1'));
      assert.ok(pb[1]!.Subnet.startsWith(`${m[1]}:`), `${pb[1]!.Subnet} in the same /48 as ${pa[1]!.Subnet}`);
      assert.notEqual(pb[1]!.Subnet, pa[1]!.Subnet);
      assert.equal(await inspect(a, '{{.EnableIPv6}}'), 'true');

      const c = uniq('v6auto-c');
      ok(await dk(['run', '-d', '--name', c, '--network', a, t.image, 'sleep', '60']));
      const ep = JSON.parse(await inspect(c, `{{json (index .NetworkSettings.Networks "${a}")}}`));
      assert.ok(ep.GlobalIPv6Address.startsWith(pa[1]!.Subnet.replace('::/64', ':')), ep.GlobalIPv6Address);
      assert.equal(ep.GlobalIPv6PrefixLen, 64);
      assert.equal(ep.IPv6Gateway, pa[1]!.Gateway);
      // the gateway is on the host's bridge: reached over IPv6 from the container
      ok(await dk(['exec', c, 'ping', '-c', '1', '-W', '3', pa[1]!.Gateway]));
      ok(await dk(['rm', '-f', c]));

      // the first /64 freed is the next one taken (dockerd takes the lowest free prefix)
      ok(await dk(['network', 'rm', a]));
      ok(await dk(['network', 'create', '--ipv6', a]));
      assert.equal((await pools(a))[1]!.Subnet, pa[1]!.Subnet);
      // networks made at the same time get different prefixes
      const [x, y] = [uniq('v6auto'), uniq('v6auto')];
      more.push(x, y);
      await Promise.all([x, y].map(async (n) => ok(await dk(['network', 'create', '--ipv6', n]))));
      const [px, py] = [await pools(x), await pools(y)];
      assert.notEqual(px[1]!.Subnet, py[1]!.Subnet);
      assert.notEqual(px[0]!.Subnet, py[0]!.Subnet);
    } finally {
      await dk(['network', 'rm', a, b, ...more]);
    }
  });

  test('an IPv4-only network: a port on every address is listed on 0.0.0.0 and ::, reached over ::1 (TCP and UDP), released at stop', T, async () => {
    const nw = uniq('v4only');
    ok(await dk(['network', 'create', '--subnet', '10.251.83.0/24', nw]));
    const [p, q] = [await freePort('::'), await freePort('::')];
    const c = uniq('v4p');
    try {
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', `${p}:80`, '-p', `${q}:81/udp`, ...serveBoth('four')]));
      // (the docker CLI sorts the lines: "0.0.0.0" before "[::]")
      assert.equal(ok(await dk(['port', c])), `80/tcp -> 0.0.0.0:${p}\n80/tcp -> [::]:${p}\n81/udp -> 0.0.0.0:${q}\n81/udp -> [::]:${q}\n`);
      const ports = JSON.parse(await inspect(c, '{{json .NetworkSettings.Ports}}'));
      assert.deepEqual(ports['80/tcp'].sort(byIp), [{ HostIp: '0.0.0.0', HostPort: String(p) }, { HostIp: '::', HostPort: String(p) }]);
      assert.deepEqual(ports['81/udp'].sort(byIp), [{ HostIp: '0.0.0.0', HostPort: String(q) }, { HostIp: '::', HostPort: String(q) }]);
      assert.equal(await inspect(c, '{{(index .NetworkSettings.Networks "' + nw + '").GlobalIPv6Address}}'), '', 'the container has no IPv6 address');
      await answers('::1', p, 'four');
      await answers('127.0.0.1', p, 'four');
      await waitFor(async () => (await askUdp('::1', q, 'hello')) === 'udp-four', `udp [::1]:${q} answers`, 15_000, 300);

      ok(await dk(['stop', '-t', '1', c]));
      assert.equal(await fetchLine('::1', p), '', '[::1] no longer answers after stop');
      assert.ok(await bindable(p, '::'), `[::]:${p} is free again after stop`);
      // started again: the same ports, listed and served again
      ok(await dk(['start', c]));
      await answers('::1', p, 'four');
      ok(await dk(['rm', '-f', c]));
      assert.ok(await bindable(p, '::'), `[::]:${p} is free again after rm`);
    } finally {
      await dk(['rm', '-f', c]);
      await dk(['network', 'rm', nw]);
    }
  });

  test('an IPv4-only network: explicit [::1] and [::] bindings are reached over ::1 only, an explicit 0.0.0.0 one has no IPv6 side', T, async () => {
    const nw = uniq('v4only');
    ok(await dk(['network', 'create', '--subnet', '10.251.84.0/24', nw]));
    const [p, q, r] = [await freePort('::'), await freePort('::'), await freePort('::')];
    const c = uniq('v4x');
    try {
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', `[::1]:${p}:80`, '-p', `0.0.0.0:${q}:80`, '-p', `[::]:${r}:80`, t.image, ...serve('explicit')]));
      assert.equal(ok(await dk(['port', c])), `80/tcp -> 0.0.0.0:${q}\n80/tcp -> [::1]:${p}\n80/tcp -> [::]:${r}\n`);
      await answers('::1', p, 'explicit');
      await answers('127.0.0.1', q, 'explicit');
      await answers('::1', r, 'explicit');
      assert.equal(await fetchLine('::1', q), '', `nothing on [::1]:${q}`);
      assert.equal(await fetchLine('127.0.0.1', r), '', `nothing on 127.0.0.1:${r}`);
      ok(await dk(['rm', '-f', c]));
      assert.equal(await fetchLine('::1', p), '', '[::1] no longer answers after rm');
      assert.ok(await bindable(r, '::'), `[::]:${r} is free again after rm`);
    } finally {
      await dk(['rm', '-f', c]);
      await dk(['network', 'rm', nw]);
    }
  });

  test('the default bridge (no IPv6): -p is reached over ::1 as well', T, async () => {
    const p = await freePort('::');
    const c = uniq('v4def');
    try {
      ok(await dk(['run', '-d', '--name', c, '-p', `${p}:80`, t.image, ...serve('default')]));
      assert.equal(ok(await dk(['port', c, '80'])), `0.0.0.0:${p}\n[::]:${p}\n`);
      await answers('::1', p, 'default');
    } finally {
      await dk(['rm', '-f', c]);
    }
    assert.equal(await fetchLine('::1', p), '');
  });

  test('a host port held on IPv6 by another program: refused as docker-proxy fails, nothing left behind', T, async () => {
    const p = await freePort('::');
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen({ port: p, host: '::', ipv6Only: true }, resolve));
    const c = uniq('v4held');
    try {
      const r = await dk(['run', '-d', '--name', c, '-p', `${p}:80`, t.image, ...serve('held')]);
      assert.equal(r.code, 125, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`driver failed programming external connectivity on endpoint ${c} \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp6 \\[::\\]:${p}: bind: address already in use`));
      assert.equal(await inspect(c, '{{.State.Running}}'), 'false');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      await dk(['rm', '-f', c]);
    }
    // the IPv4 side was given back with the rest: the port can be published again
    const again = uniq('v4held');
    try {
      ok(await dk(['run', '-d', '--name', again, '-p', `${p}:80`, t.image, ...serve('free')]));
      await answers('::1', p, 'free');
      await answers('127.0.0.1', p, 'free');
    } finally {
      await dk(['rm', '-f', again]);
    }
  });

  test('after kill -9 of the daemon the [::] side of a running container\'s port comes back, and is released at rm', T, async () => {
    const nw = uniq('v4kill');
    ok(await dk(['network', 'create', '--subnet', '10.251.85.0/24', nw]));
    const [p, q] = [await freePort('::'), await freePort('::')];
    const c = uniq('v4k');
    try {
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', `${p}:80`, '-p', `[::1]:${q}:80`, t.image, ...serve('alive')]));
      await answers('::1', p, 'alive');
      await answers('::1', q, 'alive');
      await t.d.stopDaemon({ signal: 'SIGKILL' });
      await t.d.startDaemon();
      await answers('::1', p, 'alive');
      await answers('::1', q, 'alive');
      assert.equal(ok(await dk(['port', c])), `80/tcp -> 0.0.0.0:${p}\n80/tcp -> [::1]:${q}\n80/tcp -> [::]:${p}\n`);
      ok(await dk(['rm', '-f', c]));
      assert.equal(await fetchLine('::1', p), '', `[::1]:${p} no longer answers after rm`);
      assert.equal(await fetchLine('::1', q), '', `[::1]:${q} no longer answers after rm`);
      assert.ok(await bindable(p, '::'), `[::]:${p} is free again`);
    } finally {
      await dk(['rm', '-f', c]);
      await dk(['network', 'rm', nw]);
    }
  });
});

describe('the daemon\'s --ipv6 without --fixed-cidr-v6', SUITE(skip), () => {
  let d: Daemon;
  let madeDocker0 = false;
  let startError = '';
  /** the default bridge's IPv6 pool and gateway, taken off the shared bridge after */
  let pool: { Subnet: string; Gateway: string } | undefined;
  before(async () => {
    const archive = await busyboxDockerArchive();
    // (dockerd 20.10 needs docker0 to exist with its --bip address on a shared host: see ensureDocker0)
    if (REAL_DOCKER) madeDocker0 = ensureDocker0();
    if (REAL_DOCKER) {
      // dockerd 20.10 does not start (checked in the test); current dockerd starts as Berth does
      startError = await startDockerd({ extraArgs: ['--live-restore', '--ipv6'], bridge: true }).then(
        (x) => {
          d = x;
          return '';
        },
        (e: Error) => e.message,
      );
      return;
    }
    d = await startBerthd({ extraArgs: ['--ipv6'] });
    ok(await docker(d.env, ['load', '-i', archive.file], { timeoutMs: 60_000 }), 'load the test image');
  }, { timeout: 120_000 });
  after(async () => {
    await d?.stop();
    if (madeDocker0) await run('ip', ['link', 'del', 'docker0']);
    if (pool && !REAL_DOCKER) {
      // berthd's default bridge (berth0) is shared with other daemons on this host: its IPv6 side is this file's
      await run('ip', ['-6', 'addr', 'del', `${pool.Gateway}/64`, 'dev', 'berth0']);
      await run('ip6tables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-s', pool.Subnet, '!', '-o', 'berth0', '-j', 'MASQUERADE']);
    }
  }, { timeout: 120_000 });
  const dk = (args: string[]) => docker(d.env, args);
  const inspect = async (ref: string, fmt: string) => ok(await dk(['inspect', '-f', fmt, ref]), `inspect ${fmt}`).trim();

  test('the default bridge takes a /64 of the ULA pool, and its containers an address in it', T, async () => {
    if (REAL_DOCKER) {
      // dockerd 20.10 refuses to start; current dockerd (27+) gives the default bridge a /64 of its
      // default IPv6 pool (a ULA prefix derived from its id), as Berth does below
      assert.match(startError, /IPv6 is enabled for the default bridge, but no subnet is configured. Specify an IPv6 subnet using --fixed-cidr-v6/);
      return;
    }
    assert.equal(await inspect('bridge', '{{.EnableIPv6}}'), 'true');
    const cfg = JSON.parse(await inspect('bridge', '{{json .IPAM.Config}}')) as { Subnet: string; Gateway?: string }[];
    const c = uniq('v6br');
    ok(await dk(['run', '-d', '--name', c, TEST_IMAGE, 'sleep', '60']));
    try {
      const ns = JSON.parse(await inspect(c, '{{json .NetworkSettings}}'));
      const v6 = cfg.find((x) => x.Subnet.includes(':'));
      assert.ok(v6 && /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/.test(v6.Subnet), JSON.stringify(cfg));
      pool = { Subnet: v6.Subnet, Gateway: v6.Gateway! };
      assert.equal(v6.Gateway, v6.Subnet.replace('/64', '1'));
      assert.ok(ns.GlobalIPv6Address.startsWith(v6.Subnet.replace('/64', '')), ns.GlobalIPv6Address);
      assert.equal(ns.IPv6Gateway, v6.Gateway);
      ok(await dk(['exec', c, 'ping', '-c', '1', '-W', '3', v6.Gateway!]));
      // a user network with --ipv6 takes the next /64 of the same /48
      const nw = uniq('v6next');
      ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.86.0/24', nw]));
      try {
        const mine = (JSON.parse(await inspect(nw, '{{json .IPAM.Config}}')) as { Subnet: string }[])[1]!.Subnet;
        assert.equal(mine, v6.Subnet.replace('::/64', ':1::/64'));
      } finally {
        await dk(['network', 'rm', nw]);
      }
      // the same pool after a restart
      await d.restart();
      assert.equal(JSON.stringify(JSON.parse(await inspect('bridge', '{{json .IPAM.Config}}'))), JSON.stringify(cfg));
    } finally {
      await dk(['rm', '-f', c]);
    }
  });
});
