import { test } from 'node:test';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { planSandbox } from '../../../src/cri/sandbox-config.ts';
import { planContainer } from '../../../src/cri/container-config.ts';
import { L, nanos, sandboxName, containerName, matchesSelector } from '../../../src/cri/labels.ts';
import { isKind } from '../../../src/errdefs.ts';
import type { ContainerRecord } from '../../../src/engine/containers/record.ts';

const meta = { name: 'web', uid: 'u-1', namespace: 'ns', attempt: 2 };
const invalid = (e: unknown) => isKind(e, 'invalid-parameter');

test('names follow cri-dockerd; selectors match all pairs; nanoseconds keep sub-millisecond digits', () => {
  assert.equal(sandboxName(meta), 'k8s_POD_web_ns_u-1_2');
  assert.equal(containerName({ name: 'app', attempt: 0 }, meta), 'k8s_app_web_ns_u-1_0');
  assert.equal(matchesSelector({ a: '1', b: '2' }, { a: '1' }), true);
  assert.equal(matchesSelector({ a: '1' }, { a: '1', b: '2' }), false);
  assert.equal(nanos('2024-01-01T00:00:00.123456789Z'), '1704067200123456789');
  assert.equal(nanos('0001-01-01T00:00:00Z'), '0');
});

test('planSandbox: pod network, ports with host ports published, DNS, labels kept apart from ours', () => {
  const p = planSandbox(
    {
      metadata: meta,
      hostname: 'web-0',
      labels: { app: 'x' },
      annotations: { k: 'v' },
      port_mappings: [
        { protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '127.0.0.1' },
        { protocol: 'UDP', container_port: 53, host_port: 0 },
      ],
      dns_config: { servers: ['1.1.1.1'], searches: ['a.b'], options: ['ndots:5'] },
    },
    'runc',
    'sha256:pause',
  );
  assert.equal(p.name, 'k8s_POD_web_ns_u-1_2');
  assert.equal(p.hostNetwork, false);
  const cfg = p.request.config as Record<string, any>;
  assert.equal(cfg.Hostname, 'web-0');
  assert.deepEqual(cfg.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
  assert.deepEqual(cfg.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual([cfg.HostConfig.Dns, cfg.HostConfig.DnsSearch, cfg.HostConfig.DnsOptions], [['1.1.1.1'], ['a.b'], ['ndots:5']]);
  assert.equal(cfg.HostConfig.NetworkMode, 'bridge');
  assert.equal(cfg.HostConfig.Runtime, 'runc');
  assert.equal(cfg.Labels.app, 'x');
  assert.deepEqual(JSON.parse(cfg.Labels[L.labels]), { app: 'x' });
  assert.deepEqual(JSON.parse(cfg.Labels[L.annotations]), { k: 'v' });
});

test('planSandbox refuses what it cannot honour', () => {
  const base = { metadata: meta };
  // no metadata is containerd's plain error; empty fields are accepted there, and here
  assert.throws(() => planSandbox({}, '', 'i'), /sandbox config must include metadata/);
  assert.match(planSandbox({ metadata: { name: 'a', namespace: 'b' } }, '', 'i').name, /^k8s_POD_a_b__0$/);
  assert.throws(() => planSandbox({ ...base, linux: { cgroup_parent: 'kubepods.slice' } }, '', 'i'), /cgroup_parent/);
  assert.throws(() => planSandbox({ ...base, linux: { security_context: { namespace_options: { network: 'NODE' } } }, hostname: 'h' }, '', 'i'), /hostname/);
  assert.throws(() => planSandbox({ ...base, linux: { security_context: { namespace_options: { pid: 'TARGET' } } } }, '', 'i'), /pid TARGET/);
  assert.throws(() => planSandbox({ ...base, port_mappings: [{ protocol: 'XX', container_port: 1, host_port: 1 }] }, '', 'i'), invalid);
  // the zero values of the enums are the pod's own namespaces: accepted
  assert.equal(planSandbox({ ...base, linux: { security_context: { namespace_options: { network: 'POD', pid: 'POD', ipc: 'POD' } } } }, '', 'i').hostNetwork, false);
});

const sandbox = {
  Id: 's'.repeat(64),
  Config: { Labels: { [L.metadata]: JSON.stringify(meta), [L.logDirectory]: '/var/log/pods/x' } },
  HostConfig: { Runtime: 'runsc' },
} as unknown as ContainerRecord;

test('planContainer: the pod namespaces, command and args, env, mounts with propagation, user, log path, resources', () => {
  const p = planContainer(
    {
      metadata: { name: 'app', attempt: 1 },
      image: { image: 'busybox' },
      command: ['sh', '-c'],
      args: ['echo hi'],
      envs: [{ key: 'A', value: Buffer.from('1') }, { key: 'B', value: 'x=y' }],
      working_dir: '/w',
      mounts: [{ container_path: '/data', host_path: '/tmp', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
      log_path: 'app/1.log',
      stop_signal: 'SIGINT',
      linux: { resources: { memory_limit_in_bytes: 1 << 26, cpu_shares: 512, oom_score_adj: -500 }, security_context: { run_as_user: { value: 1000 }, run_as_group: { value: 10 }, no_new_privs: true, capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'] } } },
    },
    sandbox,
    'sha256:img',
    -100,
  );
  assert.equal(p.name, 'k8s_app_web_ns_u-1_1');
  assert.equal(p.request.logPath, '/var/log/pods/x/app/1.log');
  const cfg = p.request.config as Record<string, any>;
  assert.deepEqual([cfg.Entrypoint, cfg.Cmd], [['sh', '-c'], ['echo hi']]);
  assert.deepEqual(cfg.Env, ['A=1', 'B=x=y']);
  assert.equal(cfg.User, '1000:10');
  assert.equal(cfg.StopSignal, 'SIGINT');
  const hc = cfg.HostConfig;
  assert.equal(hc.NetworkMode, `container:${sandbox.Id}`);
  assert.equal(hc.IpcMode, `container:${sandbox.Id}`);
  assert.equal(hc.Runtime, 'runsc');
  assert.deepEqual(hc.Binds, ['/tmp:/data:ro,rslave']);
  // no seccomp profile asked: unconfined, as containerd (the kubelet asks RuntimeDefault explicitly)
  assert.deepEqual(hc.SecurityOpt, ['no-new-privileges', 'seccomp=unconfined']);
  assert.deepEqual([hc.CapAdd, hc.CapDrop], [['NET_ADMIN'], ['ALL']]);
  assert.deepEqual([hc.Memory, hc.CpuShares, hc.OomScoreAdj], [1 << 26, 512, -100]);
  // a command without args drops the image's Cmd, as the kubelet means it
  assert.deepEqual((planContainer({ metadata: { name: 'a' }, command: ['x'] }, sandbox, 'i', 0).request.config as any).Cmd, []);
});

test('selinux_relabel: a no-op where SELinux is off, as containerd\'s relabel is (the kubelet and critest ask it anyway)', { skip: fs.existsSync('/sys/fs/selinux/enforce') && 'SELinux is on here' }, () => {
  const p = planContainer({ metadata: { name: 'a' }, mounts: [{ container_path: '/data', host_path: '/tmp', selinux_relabel: true }] }, sandbox, 'i', 0);
  assert.deepEqual((p.request.config as Record<string, any>).HostConfig.Binds, ['/tmp:/data:rw']);
});

test('a container gets its pod\'s DNS config (the pod\'s resolv.conf), as in containerd', () => {
  const sb = { ...sandbox, HostConfig: { Dns: ['10.10.10.10'], DnsSearch: ['example.com'], DnsOptions: ['ndots:8'] } } as unknown as ContainerRecord;
  const hc = (planContainer({ metadata: { name: 'a' } }, sb, 'i', 0).request.config as Record<string, any>).HostConfig;
  assert.deepEqual([hc.Dns, hc.DnsSearch, hc.DnsOptions], [['10.10.10.10'], ['example.com'], ['ndots:8']]);
  assert.equal((planContainer({ metadata: { name: 'a' } }, sandbox, 'i', 0).request.config as Record<string, any>).HostConfig.Dns, undefined);
});

test('planContainer refuses what it cannot honour', () => {
  const c = { metadata: { name: 'a' } };
  assert.throws(() => planContainer({}, sandbox, 'i', 0), /container config must include metadata/);
  assert.throws(() => planContainer({ ...c, mounts: [{ container_path: '/x', host_path: 'myvolume' }] }, sandbox, 'i', 0), /host_path must be an absolute path/);
  assert.throws(() => planContainer({ ...c, mounts: [{ container_path: 'rel', host_path: '/tmp' }] }, sandbox, 'i', 0), /absolute/);
  assert.throws(() => planContainer({ ...c, mounts: [{ container_path: '/x', host_path: '/tmp', propagation: 'NOPE' }] }, sandbox, 'i', 0), /propagation/);
  assert.throws(() => planContainer({ ...c, linux: { security_context: { namespace_options: { pid: 'NODE' } } } }, sandbox, 'i', 0), /pid NODE/);
  assert.throws(() => planContainer({ ...c, linux: { security_context: { namespace_options: { pid: 'TARGET' } } } }, sandbox, 'i', 0), /target_id/);
  assert.throws(() => planContainer({ ...c, linux: { security_context: { masked_paths: ['proc/kcore'] } } }, sandbox, 'i', 0), /masked_paths/);
  assert.throws(() => planContainer({ ...c, linux: { security_context: { run_as_group: { value: 1 } } } }, sandbox, 'i', 0), /run_as_group/);
  assert.throws(() => planContainer({ ...c, linux: { resources: { hugepage_limits: [{ page_size: '2MB', limit: 1 }] } } }, sandbox, 'i', 0), /hugepage/);
});

test('the pod cgroup parent and PID namespace modes: the holder, then every container of the pod', () => {
  const base = { metadata: meta };
  const hc = (p: ReturnType<typeof planSandbox>) => (p.request.config as Record<string, any>).HostConfig;
  const pod = planSandbox({ ...base, linux: { cgroup_parent: '/kubepods/besteffort/podu-1', security_context: { namespace_options: { pid: 'NODE' } } } }, '', 'i');
  assert.deepEqual([hc(pod).CgroupParent, hc(pod).PidMode], ['/kubepods/besteffort/podu-1', 'host']);
  assert.equal(hc(planSandbox({ ...base, linux: { security_context: { namespace_options: { pid: 'POD' } } } }, '', 'i')).PidMode, undefined);

  const sb = { ...sandbox, HostConfig: { CgroupParent: '/kubepods/besteffort/podu-1' } } as unknown as ContainerRecord;
  const plan = (pid: string, target = '') => (planContainer({ metadata: { name: 'a' }, linux: { security_context: { namespace_options: { pid } } } }, sb, 'i', 0, target).request.config as Record<string, any>).HostConfig;
  assert.equal(plan('CONTAINER').CgroupParent, '/kubepods/besteffort/podu-1');
  assert.equal(plan('CONTAINER').PidMode, undefined);
  assert.equal(plan('POD').PidMode, `container:${sandbox.Id}`);
  assert.equal(plan('TARGET', 't'.repeat(64)).PidMode, `container:${'t'.repeat(64)}`);
  const hostPod = { ...sandbox, HostConfig: { PidMode: 'host' } } as unknown as ContainerRecord;
  assert.equal((planContainer({ metadata: { name: 'a' }, linux: { security_context: { namespace_options: { pid: 'NODE' } } } }, hostPod, 'i', 0).request.config as Record<string, any>).HostConfig.PidMode, 'host');
});
