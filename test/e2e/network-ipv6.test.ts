// End-to-end: IPv6 as dockerd has it. Dual-stack user networks (--ipv6 --subnet, IPRange, gateway,
// --ip6 at run and connect), the addresses in container and network inspect, AAAA answers of the embedded
// DNS and container-to-container traffic over IPv6, ports published on [::] and [::1], the default bridge
// made dual-stack by the daemon's --ipv6 --fixed-cidr-v6, bad input refused without leftovers, and what a
// container holds released when it goes. Traffic stays on loopback and on the test's own networks (a
// port published on every address is reached through this test network's own gateway address).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { docker, run } from '../helpers/docker.ts';
import { e2eSkipReason, T, SUITE, REAL_DOCKER, type Daemon } from '../helpers/target.ts';
import { startBerthd } from '../helpers/berthd.ts';
import { startDockerd, ensureDocker0 } from '../helpers/dockerd.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../helpers/images.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';
import { tail } from '../helpers/daemon-common.ts';
import { freePort, fetchLine } from '../helpers/ports.ts';

const skip = e2eSkipReason();
/** the default bridge's IPv6 pool (daemon --fixed-cidr-v6); the host's own eth0 is on fd00::/64 */
const FIXED_V6 = 'fd00:db8:7f::/64';

/** One line from [host]:port, or '' when nothing answers. */
const ip6tablesLines = async (re: RegExp) => (await run('ip6tables-save', [])).stdout.split('\n').filter((l) => re.test(l));
const links = () => new Set(fs.readdirSync('/sys/class/net'));

describe('IPv6', SUITE(skip), () => {
  let d: Daemon;
  let offset = 0;
  let madeDocker0 = false;
  before(async () => {
    const archive = await busyboxDockerArchive();
    // (dockerd 20.10 needs docker0 to exist with its --bip address on a shared host: see ensureDocker0)
    if (REAL_DOCKER) madeDocker0 = ensureDocker0();
    // the default bridge is dual-stack for the whole file: the daemon's --ipv6 --fixed-cidr-v6
    const v6 = ['--ipv6', '--fixed-cidr-v6', FIXED_V6];
    d = REAL_DOCKER ? await startDockerd({ extraArgs: ['--live-restore', ...v6], bridge: true }) : await startBerthd({ extraArgs: v6 });
    ok(await docker(d.env, ['load', '-i', archive.file], { timeoutMs: 60_000 }), 'load the test image');
  }, { timeout: 120_000 });
  after(async () => {
    await d?.stop();
    if (madeDocker0) await run('ip', ['link', 'del', 'docker0']);
    // (dockerd leaves its default bridge's addresses when it stops: the IPv6 one is this file's)
    else if (REAL_DOCKER) await run('ip', ['-6', 'addr', 'del', 'fd00:db8:7f::1/64', 'dev', 'docker0']);
    if (!REAL_DOCKER) {
      // berthd's default bridge (berth0) is shared with other daemons on this host: its IPv6 side is this file's
      await run('ip', ['-6', 'addr', 'del', 'fd00:db8:7f::1/64', 'dev', 'berth0']);
      await run('ip6tables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', '-s', FIXED_V6, '!', '-o', 'berth0', '-j', 'MASQUERADE']);
    }
  }, { timeout: 120_000 });
  afterEach((t) => {
    if ((t as { passed?: boolean }).passed !== false) {
      offset = d?.logSize() ?? 0;
      return;
    }
    process.stderr.write(`\n----- ${d.kind} log during failed test "${t.name}" -----\n${tail(d.logFile, 150, offset)}\n-----\n`);
    offset = d.logSize();
  });
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(d.env, args, o);
  const inspect = async (ref: string, fmt: string) => ok(await dk(['inspect', '-f', fmt, ref]), `inspect ${fmt}`).trim();
  const serve = (word: string) => ['nc', '-ll', '-p', '80', '-e', 'echo', word];

  test('only an IPv6 subnet given: an IPv4 pool from the defaults beside it, as dockerd (20.10 and current) allocates', T, async (t) => {
    const nw = uniq('v6only');
    const r = await dk(['network', 'create', '--ipv6', '--subnet', 'fd00:db8:70::/64', nw]);
    // the default IPv4 pools avoid the host's routes: other daemons' bridges on a shared host may hold them all
    if (/could not find an available, non-overlapping IPv4 address pool/.test(r.stderr)) return t.skip('every default IPv4 pool is taken on this host');
    ok(r);
    try {
      assert.equal(await inspect(nw, '{{.EnableIPv6}}'), 'true');
      const cfg = JSON.parse(await inspect(nw, '{{json .IPAM.Config}}')) as { Subnet: string }[];
      assert.equal(cfg.length, 2, JSON.stringify(cfg));
      assert.match(cfg[0]!.Subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
      assert.equal(cfg[1]!.Subnet, 'fd00:db8:70::/64');
    } finally {
      await dk(['network', 'rm', nw]);
    }
  });

  test('a dual-stack network: containers get both addresses, --ip6 a fixed one, and reach each other over IPv6', T, async () => {
    const nw = uniq('v6net');
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.71.0/24', '--subnet', 'fd00:db8:71::/64', nw]));
    try {
      assert.equal(await inspect(nw, '{{.EnableIPv6}}'), 'true');

      const a = uniq('v6a');
      ok(await dk(['run', '-d', '--name', a, '--network', nw, TEST_IMAGE, ...serve('over-v6')]));
      const ep = JSON.parse(await inspect(a, `{{json (index .NetworkSettings.Networks "${nw}")}}`));
      assert.match(ep.GlobalIPv6Address, /^fd00:db8:71::[0-9a-f]+$/);
      assert.equal(ep.GlobalIPv6PrefixLen, 64);
      assert.equal(ep.IPv6Gateway, 'fd00:db8:71::1');
      assert.match(ep.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
      const members = JSON.parse(await inspect(nw, '{{json .Containers}}'));
      assert.equal((Object.values(members)[0] as { IPv6Address: string }).IPv6Address, `${ep.GlobalIPv6Address}/64`);

      // --ip6: that address, in the container and in IPAMConfig; a second container reaches the first over IPv6
      const out = ok(await dk(['run', '--rm', '--network', nw, '--ip6', 'fd00:db8:71::55', TEST_IMAGE, 'sh', '-c', `ip -6 addr show eth0; nc ${ep.GlobalIPv6Address} 80`]));
      assert.match(out, /inet6 fd00:db8:71::55\/64 scope global/);
      assert.match(out, /over-v6/);
      const b = uniq('v6b');
      ok(await dk(['create', '--name', b, '--network', nw, '--ip6', 'fd00:db8:71::56', TEST_IMAGE, 'sleep', '60']));
      assert.equal(await inspect(b, `{{(index .NetworkSettings.Networks "${nw}").IPAMConfig.IPv6Address}}`), 'fd00:db8:71::56');
      ok(await dk(['rm', '-f', a, b]));
    } finally {
      await dk(['network', 'rm', nw]);
    }
  });

  test('IPRange, Gateway and AuxiliaryAddresses of an IPv6 pool, beside a given IPv4 one; network connect --ip6', T, async () => {
    const nw = uniq('v6range');
    const other = uniq('v6conn');
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.72.0/24', '--subnet', 'fd00:db8:72::/64', '--gateway', '10.251.72.1', '--gateway', 'fd00:db8:72::fe', '--ip-range', 'fd00:db8:72::100/120', '--aux-address', 'res=fd00:db8:72::101', nw]));
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.73.0/24', '--subnet', 'fd00:db8:73::/64', other]));
    try {
      const cfg = JSON.parse(await inspect(nw, '{{json .IPAM.Config}}')) as Record<string, unknown>[];
      assert.deepEqual(cfg.map((c) => c.Subnet), ['10.251.72.0/24', 'fd00:db8:72::/64']);
      assert.equal(cfg[1]!.Gateway, 'fd00:db8:72::fe');
      assert.equal(cfg[1]!.IPRange, 'fd00:db8:72::100/120');
      assert.deepEqual(cfg[1]!.AuxiliaryAddresses, { res: 'fd00:db8:72::101' });
      const c = uniq('v6r');
      ok(await dk(['run', '-d', '--name', c, '--network', nw, TEST_IMAGE, 'sleep', '60']));
      const ip6 = await inspect(c, `{{(index .NetworkSettings.Networks "${nw}").GlobalIPv6Address}}`);
      assert.match(ip6, /^fd00:db8:72::1[0-9a-f]{2}$/, 'an address of the IPRange');
      assert.notEqual(ip6, 'fd00:db8:72::101', 'never the auxiliary address');
      assert.equal(await inspect(c, `{{(index .NetworkSettings.Networks "${nw}").IPv6Gateway}}`), 'fd00:db8:72::fe');

      ok(await dk(['network', 'connect', '--ip6', 'fd00:db8:73::77', other, c]));
      assert.equal(await inspect(c, `{{(index .NetworkSettings.Networks "${other}").GlobalIPv6Address}}`), 'fd00:db8:73::77');
      assert.match(ok(await dk(['exec', c, 'ip', '-6', 'addr'])), /inet6 fd00:db8:73::77\/64/);
      ok(await dk(['rm', '-f', c]));
    } finally {
      await dk(['network', 'rm', nw, other]);
    }
  });

  test('the embedded DNS answers AAAA queries with the IPv6 address of a container on the network', T, async () => {
    const nw = uniq('v6dns');
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.74.0/24', '--subnet', 'fd00:db8:74::/64', nw]));
    const srv = uniq('v6srv');
    try {
      ok(await dk(['run', '-d', '--name', srv, '--network', nw, '--network-alias', 'svc6', '--ip6', 'fd00:db8:74::20', TEST_IMAGE, ...serve('by-name')]));
      const out = ok(await dk(['run', '--rm', '--network', nw, TEST_IMAGE, 'sh', '-c', `nslookup -type=AAAA ${srv}; nslookup -type=AAAA svc6; nc fd00:db8:74::20 80`]));
      assert.equal(out.match(/Address:\s+fd00:db8:74::20/g)?.length, 2, out);
      assert.match(out, /by-name/);
    } finally {
      await dk(['rm', '-f', srv]);
      await dk(['network', 'rm', nw]);
    }
  });

  test('ports: published on every address they are listed on 0.0.0.0 and ::, reached over IPv6; [::1] reached over ::1; all released at rm', T, async () => {
    const nw = uniq('v6port');
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.75.0/24', '--subnet', 'fd00:db8:75::/64', nw]));
    const [p1, p2] = [await freePort('::'), await freePort('::')];
    const c = uniq('v6p');
    try {
      const id = ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', `${p1}:80`, '-p', `[::1]:${p2}:80`, TEST_IMAGE, ...serve('published')])).trim();
      const ports = JSON.parse(await inspect(c, '{{json .NetworkSettings.Ports}}'));
      // (Berth lists them in this order; dockerd 20.10 in no fixed one)
      const byIp = (a: { HostIp: string }, b: { HostIp: string }) => a.HostIp.localeCompare(b.HostIp);
      assert.deepEqual(ports['80/tcp'].sort(byIp), [{ HostIp: '0.0.0.0', HostPort: String(p1) }, { HostIp: '::', HostPort: String(p1) }, { HostIp: '::1', HostPort: String(p2) }].sort(byIp));
      // (the docker CLI sorts the lines: "[::1]" before "[::]")
      assert.equal(ok(await dk(['port', c])), `80/tcp -> 0.0.0.0:${p1}\n80/tcp -> [::1]:${p2}\n80/tcp -> [::]:${p1}\n`);
      // [::]: through this network's own IPv6 gateway address (a local address of this host)
      await waitFor(async () => (await fetchLine('fd00:db8:75::1', p1)) === 'published', `[fd00:db8:75::1]:${p1} answers`, 15_000, 200);
      await waitFor(async () => (await fetchLine('::1', p2)) === 'published', `[::1]:${p2} answers`, 15_000, 200);
      if (!REAL_DOCKER) assert.ok((await ip6tablesLines(new RegExp(`dports? ${p1}\\b`))).length > 0, 'ip6tables DNAT for the port while it runs');

      ok(await dk(['rm', '-f', c]));
      // (the test's dockerd runs with --iptables=false: its docker-proxy carries the ports, no rule to see)
      assert.deepEqual(await ip6tablesLines(new RegExp(`dports? (${p1}|${p2})\\b`)), [], 'no ip6tables rule for the ports after rm');
      assert.equal(await fetchLine('::1', p2), '', '[::1] no longer answers');
      if (!REAL_DOCKER && d.kind === 'berthd') {
        const ipam = path.join(d.dataRoot, 'network', 'ipam');
        const leases = (fs.readdirSync(ipam, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(ipam, f)).isFile() && fs.readFileSync(path.join(ipam, f), 'utf8').includes(id));
        assert.deepEqual(leases, [], 'no IPv4 or IPv6 lease of the container');
      }
      // the same ports again, from a new container
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', `${p1}:80`, '-p', `[::1]:${p2}:80`, TEST_IMAGE, ...serve('again')]));
      await waitFor(async () => (await fetchLine('::1', p2)) === 'again', `[::1]:${p2} answers again`, 15_000, 200);
      ok(await dk(['stop', '-t', '1', c]));
      assert.deepEqual(await ip6tablesLines(new RegExp(`dports? (${p1}|${p2})\\b`)), [], 'no ip6tables rule for the ports after stop');
      assert.equal(await fetchLine('::1', p2), '', '[::1] no longer answers after stop');
    } finally {
      await dk(['rm', '-f', c]);
      await dk(['network', 'rm', nw]);
    }
  });

  test('a port on [::1] is still reached after the daemon restarts (its containers run on), and released at rm after', T, async () => {
    const nw = uniq('v6rst');
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.78.0/24', '--subnet', 'fd00:db8:78::/64', nw]));
    const port = await freePort('::');
    const c = uniq('v6rst');
    try {
      ok(await dk(['run', '-d', '--name', c, '--network', nw, '-p', `[::1]:${port}:80`, TEST_IMAGE, ...serve('still-here')]));
      await waitFor(async () => (await fetchLine('::1', port)) === 'still-here', `[::1]:${port} answers`, 15_000, 200);
      await d.restart();
      await waitFor(async () => (await fetchLine('::1', port)) === 'still-here', `[::1]:${port} answers after the restart`, 15_000, 200);
      ok(await dk(['rm', '-f', c]));
      assert.equal(await fetchLine('::1', port), '', '[::1] no longer answers after rm');
    } finally {
      await dk(['rm', '-f', c]);
      await dk(['network', 'rm', nw]);
    }
  });

  test('the default bridge with the daemon\'s --ipv6 --fixed-cidr-v6: EnableIPv6, the pool, the top-level IPv6 fields', T, async () => {
    assert.equal(await inspect('bridge', '{{.EnableIPv6}}'), 'true');
    const cfg = JSON.parse(await inspect('bridge', '{{json .IPAM.Config}}')) as { Subnet: string }[];
    assert.ok(cfg.some((x) => x.Subnet === FIXED_V6), JSON.stringify(cfg));
    const c = uniq('v6def');
    ok(await dk(['run', '-d', '--name', c, TEST_IMAGE, 'sleep', '60']));
    try {
      const ns = JSON.parse(await inspect(c, '{{json .NetworkSettings}}'));
      assert.match(ns.GlobalIPv6Address, /^fd00:db8:7f::[0-9a-f:]+$/);
      assert.equal(ns.GlobalIPv6PrefixLen, 64);
      assert.equal(ns.IPv6Gateway, 'fd00:db8:7f::1');
      assert.equal(ns.Networks.bridge.GlobalIPv6Address, ns.GlobalIPv6Address);
      assert.match(ok(await dk(['exec', c, 'ip', '-6', 'addr', 'show', 'eth0'])), new RegExp(`inet6 ${ns.GlobalIPv6Address}/64`));
      // --ip6 on the default bridge: as --ip, user networks only
      const r = await dk(['run', '--rm', '--ip6', 'fd00:db8:7f::99', TEST_IMAGE, 'true']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /user specified IP address is supported on user defined networks only/);
    } finally {
      await dk(['rm', '-f', c]);
    }
  });

  test('bad input is refused with dockerd\'s messages and leaves no bridge, rule or network behind', T, async () => {
    const keep = uniq('v6keep');
    ok(await dk(['network', 'create', '--ipv6', '--subnet', '10.251.76.0/24', '--subnet', 'fd00:db8:76::/64', keep]));
    const linksBefore = links();
    const rulesBefore = await ip6tablesLines(/fd00:db8:76:|fd00:db8:77:/);
    const netsBefore = ok(await dk(['network', 'ls', '-q'])).trim().split('\n').sort();
    try {
      const refused = async (args: string[], re: RegExp, code = 1) => {
        const r = await dk(args);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, re);
      };
      const bad = uniq('v6bad');
      await refused(['network', 'create', '--ipv6', '--subnet', 'fd00:db8:zz::/64', bad], /invalid CIDR address: fd00:db8:zz::\/64/);
      // (--ipv6 without an IPv6 subnet: a ULA /64 from the default IPv6 pools, as current dockerd; see
      // network-ipv6-defaults.test.ts)
      await refused(['network', 'create', '--ipv6', '--subnet', '10.251.77.0/24', '--subnet', 'fd00:db8:76:0:1::/80', bad], /Pool overlaps with other one on this address space/);
      await refused(['network', 'create', '--ipv6', '--subnet', '10.251.77.0/24', '--subnet', 'fd00:db8::/32', bad], /Pool overlaps with other one on this address space/);
      await refused(['run', '--rm', '--network', keep, '--ip6', 'zz::1', TEST_IMAGE, 'true'], /invalid IPv6 address: zz::1/, 125);
      // (dockerd 20.10: "Invalid address ...: It does not belong to any of this network's subnets"; current dockerd as Berth)
      await refused(['run', '--rm', '--network', keep, '--ip6', 'fd00:db8:77::5', TEST_IMAGE, 'true'], REAL_DOCKER ? /Invalid address fd00:db8:77::5: It does not belong to any of this network's subnets/ : /no configured subnet or ip-range contain the IP address fd00:db8:77::5/, 125);

      assert.deepEqual(ok(await dk(['network', 'ls', '-q'])).trim().split('\n').sort(), netsBefore, 'no network made');
      assert.deepEqual([...links()].filter((l) => !linksBefore.has(l) && /^br-/.test(l)), [], 'no bridge made');
      assert.deepEqual(await ip6tablesLines(/fd00:db8:76:|fd00:db8:77:/), rulesBefore, 'no ip6tables rule made');
    } finally {
      await dk(['network', 'rm', keep]);
    }
  });
});
