import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildSpec,
  containerCapabilities,
  containerRlimits,
  replaceOrAppendEnv,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  type HostInfo,
} from '../../../src/runtime/spec.ts';
import { containerResources } from '../../../src/runtime/cgroup-resources.ts';
import { toJson } from '../../../src/runtime/oci.ts';
import { runSpec } from './rootfs.ts';
import type { RunSpec } from '../../../src/runtime/types.ts';
import { CAPABILITY_NAMES } from '../../../src/platform/linux/capabilities.ts';

const host: HostInfo = {
  capabilities: CAPABILITY_NAMES.filter((c) => c !== 'CAP_SYS_RESOURCE'),
  rlimits: { RLIMIT_NOFILE: { soft: 20000, hard: 20000 }, RLIMIT_NPROC: { soft: 1000, hard: 2000 }, RLIMIT_CORE: { soft: 0, hard: Infinity } },
  cgroupVersion: 1,
  sysctls: ['net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'],
  extraMaskedPaths: [],
  devices: () => [{ path: '/dev/kvm', type: 'c', major: 10, minor: 232, fileMode: 0o660, uid: 0, gid: 0 }],
};
const files = { passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n', group: 'root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n' };
const spec = (over: Partial<RunSpec> = {}) => buildSpec(runSpec('/run/t', '/rootfs', { id: 'c'.repeat(64), hostname: 'cccccccccccc', ...over }), host, files);

test('defaults follow Docker: caps, namespaces, masked/readonly paths, cgroups', () => {
  const s = spec();
  assert.equal(s.root.path, '/rootfs');
  assert.equal(s.root.readonly, false);
  assert.deepEqual(s.process.capabilities, { bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES });
  assert.deepEqual(s.linux.namespaces.map((n) => n.type), ['mount', 'network', 'uts', 'pid', 'ipc']);
  assert.deepEqual(s.linux.maskedPaths, DEFAULT_MASKED_PATHS);
  assert.deepEqual(s.linux.readonlyPaths, DEFAULT_READONLY_PATHS);
  assert.equal(s.linux.cgroupsPath, `/berth/${'c'.repeat(64)}`);
  assert.equal(s.process.noNewPrivileges, false);
  assert.equal(s.process.oomScoreAdj, 0);
  assert.equal(s.process.apparmorProfile, undefined);
  assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0, 10] });
  assert.equal(s.hostname, 'cccccccccccc');
  assert.deepEqual(s.linux.devices, []);
  assert.equal(s.linux.resources!.devices![0].allow, false);
  assert.equal(s.linux.resources!.devices!.length, 8);
  assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' });  // a joined network namespace (container:X, maybe on the host's network) keeps its owner's settings
  assert.deepEqual(spec({ network: { netnsPath: '/proc/1/ns/net' } }).linux.sysctl, {});
  assert.deepEqual(spec({ network: 'host' }).linux.sysctl, {});
  assert.equal(spec({ network: { netnsPath: '/run/netns/x', own: true } }).linux.sysctl?.['net.ipv4.ping_group_range'], '0 2147483647');
});

test('default mounts, /dev/shm size, user mounts after them sorted by depth', () => {
  const s = spec({
    shmSize: 1 << 20,
    mounts: [
      { destination: '/a/b/c', source: '/x', type: 'bind', options: ['rbind', 'rw'] },
      { destination: '/etc/hosts', source: '/h', type: 'bind', options: ['rbind', 'ro'] },
    ],
  });
  assert.deepEqual(s.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/hosts', '/a/b/c']);
  assert.ok(s.mounts.find((m) => m.destination === '/dev/shm')!.options!.includes('size=1048576'));
  assert.ok(s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
});

test('a user mount replaces the default; a user /dev drops all defaults under /dev', () => {
  const s = spec({ mounts: [{ destination: '/dev/shm', source: '/host/shm', type: 'bind', options: ['rbind'] }] });
  assert.equal(s.mounts.filter((m) => m.destination === '/dev/shm').length, 1);
  assert.equal(s.mounts.find((m) => m.destination === '/dev/shm')!.source, '/host/shm');
  const s2 = spec({ mounts: [{ destination: '/dev', source: '/dev', type: 'bind', options: ['rbind'] }] });
  assert.deepEqual(s2.mounts.map((m) => m.destination), ['/proc', '/sys', '/sys/fs/cgroup', '/dev']);
});

test('readonly rootfs makes default mounts ro except proc and /dev ones', () => {
  const s = spec({ readonlyRootfs: true });
  assert.equal(s.root.readonly, true);
  for (const m of s.mounts) {
    const ro = m.options!.includes('ro');
    assert.equal(ro, ['/sys', '/sys/fs/cgroup'].includes(m.destination), m.destination);
  }
});

test('privileged: all caps, host devices, no masks, writable /sys and cgroups', () => {
  const s = spec({ privileged: true });
  assert.deepEqual(s.process.capabilities!.bounding, host.capabilities);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.deepEqual(s.linux.readonlyPaths, []);
  assert.deepEqual(s.linux.resources!.devices, [{ allow: true, access: 'rwm' }]);
  assert.equal(s.linux.devices!.length, 1);
  assert.ok(!s.mounts.find((m) => m.destination === '/sys')!.options!.includes('ro'));
  assert.ok(!s.mounts.find((m) => m.destination === '/sys/fs/cgroup')!.options!.includes('ro'));
});

test('network modes: none (new netns), host (none, no net sysctls), path (join)', () => {
  assert.deepEqual(spec({ network: 'none' }).linux.namespaces.find((n) => n.type === 'network'), { type: 'network' });
  const h = spec({ network: 'host' });
  assert.equal(h.linux.namespaces.find((n) => n.type === 'network'), undefined);
  assert.deepEqual(h.linux.sysctl, {});
  assert.deepEqual(spec({ network: { netnsPath: '/run/netns/x' } }).linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
});

test('cgroup v2 adds a private cgroup namespace', () => {
  const s = buildSpec(runSpec('/run/t', '/rootfs'), { ...host, cgroupVersion: 2 }, files);
  assert.ok(s.linux.namespaces.some((n) => n.type === 'cgroup'));
});

test('capabilities: add, drop, ALL, normalization and validation', () => {
  const all = host.capabilities;
  assert.deepEqual(containerCapabilities(['net_admin'], ['chown', 'CAP_KILL'], false, all), [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'), 'CAP_NET_ADMIN']);
  assert.deepEqual(containerCapabilities(['ALL'], ['mknod'], false, all), all.filter((c) => c !== 'CAP_MKNOD'));
  assert.deepEqual(containerCapabilities(['chown'], ['ALL'], false, all), ['CAP_CHOWN']);
  assert.throws(() => containerCapabilities(['foo'], [], false, all), { message: 'unknown capability: "CAP_FOO"' });
  assert.throws(() => containerCapabilities(['SYS_RESOURCE'], [], false, all), /not supported by your kernel/);
});

test('env: PATH, HOSTNAME, TERM for a tty, user values override, HOME from passwd', () => {
  assert.deepEqual(spec({ env: ['FOO=bar'] }).process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=cccccccccccc', 'FOO=bar', 'HOME=/root']);
  assert.deepEqual(spec({ env: ['PATH=/bin', 'HOME=/x'], tty: true }).process.env, ['PATH=/bin', 'HOSTNAME=cccccccccccc', 'TERM=xterm', 'HOME=/x']);
  assert.deepEqual(spec({ user: 'nobody' }).process.env!.at(-1), 'HOME=/home');
  assert.deepEqual(replaceOrAppendEnv(['A=1', 'B=2'], ['B', 'C=3']), ['A=1', 'C=3']);
});

test('user resolution against the rootfs files', () => {
  assert.deepEqual(spec({ user: 'nobody' }).process.user, { uid: 65534, gid: 65534, additionalGids: [65534] });
  assert.deepEqual(spec({ user: '1234:5678', groupAdd: ['wheel'] }).process.user, { uid: 1234, gid: 5678, additionalGids: [5678, 10] });
  assert.throws(() => spec({ user: 'nobody2' }), { message: 'unable to find user nobody2: no matching entries in passwd file' });
});

test('rlimits: Docker NOFILE default and requested limits, clamped to host hard limits', () => {
  assert.deepEqual(containerRlimits([], host.rlimits), [{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }]);
  assert.deepEqual(containerRlimits([{ Name: 'nofile', Soft: 1024, Hard: 4096 }, { Name: 'nproc', Soft: 5000, Hard: 5000 }, { Name: 'core', Soft: -1, Hard: -1 }], host.rlimits), [
    { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
    { type: 'RLIMIT_NPROC', soft: 2000, hard: 2000 },
    { type: 'RLIMIT_CORE', soft: Infinity, hard: Infinity },
  ]);
  assert.match(toJson({ hard: Infinity, soft: 5 }), /^\{"hard":18446744073709551615,"soft":5\}$/);
});

test('resources: memory, cpu, pids, blkio in Docker form', () => {
  assert.deepEqual(containerResources({ Memory: 1 << 26, MemorySwap: -1, MemorySwappiness: -1, CpuShares: 512, NanoCpus: 1.5e9, CpusetCpus: '0-1', PidsLimit: 100, BlkioWeight: 300 }), {
    memory: { limit: 1 << 26 },
    cpu: { shares: 512, cpus: '0-1', period: 100000, quota: 150000 },
    pids: { limit: 100 },
    blockIO: { weight: 300 },
  });
  assert.deepEqual(containerResources({ PidsLimit: 0, CpuQuota: 50000, CpuPeriod: 100000 }), { cpu: { period: 100000, quota: 50000 }, pids: { limit: -1 } });
  assert.deepEqual(containerResources({}), {});
  const s = spec({ resources: { Memory: 1e8, OomScoreAdj: 500, ConsoleSize: [30, 100] }, tty: true, cgroupParent: 'custom/parent/' });
  assert.equal(s.linux.resources!.memory!.limit, 1e8);
  assert.equal(s.process.oomScoreAdj, 500);
  assert.deepEqual(s.process.consoleSize, { height: 30, width: 100 });
  assert.equal(s.linux.cgroupsPath, `/custom/parent/${'c'.repeat(64)}`);
});

test('security options and sysctls', () => {
  assert.equal(spec({ securityOpt: ['no-new-privileges'] }).process.noNewPrivileges, true);
  assert.equal(spec({ securityOpt: ['no-new-privileges:true'] }).process.noNewPrivileges, true);
  assert.equal(spec({ securityOpt: ['no-new-privileges=false'] }).process.noNewPrivileges, false);
  assert.deepEqual(spec({ securityOpt: ['systempaths=unconfined'] }).linux.maskedPaths, []);
  assert.equal(spec({ sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.ip_unprivileged_port_start': '1024' } }).linux.sysctl!['net.ipv4.ip_unprivileged_port_start'], '1024');
  assert.equal(spec({ domainname: 'example.org' }).domainname, 'example.org');
  assert.equal(spec({ mounts: [{ destination: '/m', source: '/s', type: 'bind', options: ['rbind', 'rshared'] }] }).linux.rootfsPropagation, 'shared');
});

test('toJson writes unlimited values as runc\'s uint64 literal wherever they are, and is plain JSON otherwise', () => {
  const plain = { a: [1, 'x', { b: null, c: [true, -1] }], d: 'Infinity', e: Number.NaN };
  assert.equal(toJson(plain), JSON.stringify(plain));
  assert.equal(toJson({ process: { rlimits: [{ type: 'RLIMIT_CORE', soft: 0, hard: Infinity }] } }), '{"process":{"rlimits":[{"type":"RLIMIT_CORE","soft":0,"hard":18446744073709551615}]}}');
  assert.equal(toJson([[Infinity]]), '[[18446744073709551615]]');
  assert.equal(toJson(Infinity), '18446744073709551615');
});
