// End-to-end: a container's security context and namespaces through the CRI, in the kubelet's order
// of calls (pull, run the pod, create, start, exec, remove): masked and read-only /proc paths exactly
// as given (none when none is given, cleared by privileged), the host's IPC namespace for a hostIPC
// pod, and the NamespaceMode combinations containerd accepts or refuses. Against berthd and, with
// BERTH_CRI_TARGET=containerd, containerd's CRI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { criE2EWithImage, runPod, codeName, podConfig, REAL_CRI, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();

describe(`CRI security context and namespaces (${CRI_TARGET})`, SUITE(skip), () => {
  const c = criE2EWithImage();
  const rt = (m: string, req: Msg) => c.rt.call(m, req);
  const exec = async (id: string, cmd: string[]) => {
    const r = await rt('ExecSync', { container_id: id, cmd, timeout: 0 });
    return String(r.stdout);
  };
  const nsOpts = (o: Msg = {}) => ({ network: 'POD', pid: 'CONTAINER', ipc: 'POD', ...o });
  const pod = (name: string, edit?: (cfg: Msg) => void) => runPod(c, name, edit);
  function ctrConfig(name: string, sc: Msg = {}): Msg {
    return { metadata: { name, attempt: 0 }, image: { image: c.image }, command: ['sleep', '1000'], linux: { security_context: { namespace_options: nsOpts(), ...sc } } };
  }
  async function start(p: { id: string; config: Msg }, cfg: Msg): Promise<string> {
    const id = (await rt('CreateContainer', { pod_sandbox_id: p.id, config: cfg, sandbox_config: p.config })).container_id;
    await rt('StartContainer', { container_id: id });
    return id;
  }
  /** mount point → its options, from the container's /proc/self/mountinfo */
  async function mounts(id: string): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const line of (await exec(id, ['cat', '/proc/self/mountinfo'])).split('\n').filter(Boolean)) {
      const f = line.split(' ');
      m.set(f[4], f[5]);
    }
    return m;
  }

  test('masked and read-only paths: exactly those given, none when none is given, cleared for a privileged container', T, async () => {
    const p = await pod('masked');
    try {
      // (this machine's kernel has no /proc/kcore: /proc/keys and /proc/timer_list are among the defaults it has)
      const given = await start(p, ctrConfig('given', { masked_paths: ['/proc/keys', '/proc/meminfo', '/proc/no-such-file'], readonly_paths: ['/proc/sys', '/proc/no-such-dir'] }));
      let m = await mounts(given);
      for (const path of ['/proc/keys', '/proc/meminfo']) assert.ok(m.has(path), `${path} masked`);
      assert.equal(await exec(given, ['cat', '/proc/meminfo']), '', '/proc/meminfo reads as /dev/null');
      assert.ok(!m.has('/proc/timer_list'), 'a default path that was not given is not masked');
      assert.match(m.get('/proc/sys') ?? '', /^ro\b/, '/proc/sys read-only');
      assert.ok(!m.has('/proc/fs'), 'a default read-only path that was not given stays as it is');
      assert.notEqual(await exec(given, ['sh', '-c', 'echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 && echo written || echo refused']), 'written\n');

      // the kubelet sends the defaults for procMount Default, and none for procMount Unmasked: none given masks nothing
      const none = await start(p, ctrConfig('none'));
      m = await mounts(none);
      assert.ok(!m.has('/proc/keys') && !m.has('/proc/timer_list'), 'nothing masked');
      assert.ok(!m.has('/proc/sys') || !/^ro\b/.test(m.get('/proc/sys')!), 'nothing read-only');
      assert.match(await exec(none, ['head', '-1', '/proc/meminfo']), /^MemTotal:/);

      await assert.rejects(
        rt('CreateContainer', { pod_sandbox_id: p.id, sandbox_config: p.config, config: ctrConfig('priv', { privileged: true }) }),
        (e) => codeName(e) === 'UNKNOWN' && /no privileged container allowed in sandbox/.test(String(e)),
      );
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
    const pp = await pod('privileged', (cfg) => (cfg.linux.security_context.privileged = true));
    try {
      const priv = await start(pp, ctrConfig('priv', { privileged: true, masked_paths: ['/proc/keys'], readonly_paths: ['/proc/sys'] }));
      const m = await mounts(priv);
      assert.ok(!m.has('/proc/keys'), 'privileged: nothing masked');
      assert.ok(!/^ro\b/.test(m.get('/proc/sys') ?? 'rw'), 'privileged: nothing read-only');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: pp.id });
    }
  });

  test("ipc NODE (hostIPC): the pod and its containers use the host's IPC namespace and /dev/shm", T, async () => {
    const p = await pod('hostipc', (cfg) => (cfg.linux.security_context.namespace_options.ipc = 'NODE'));
    const marker = `berth-e2e-${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(`/dev/shm/${marker}`, 'host');
    try {
      assert.equal((await rt('PodSandboxStatus', { pod_sandbox_id: p.id })).status.linux.namespaces.options.ipc, 'NODE');
      const id = await start(p, ctrConfig('c', { namespace_options: nsOpts({ ipc: 'NODE' }) }));
      assert.equal(await exec(id, ['readlink', '/proc/self/ns/ipc']), fs.readlinkSync('/proc/self/ns/ipc') + '\n');
      assert.equal(await exec(id, ['cat', `/dev/shm/${marker}`]), 'host');
    } finally {
      fs.rmSync(`/dev/shm/${marker}`, { force: true });
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test('namespace modes a container may not choose apart from its pod: containerd ignores them, berthd refuses them', T, async () => {
    const p = await pod('nsmodes');
    try {
      const ownIpc = await exec(await start(p, ctrConfig('ref')), ['readlink', '/proc/self/ns/ipc']);
      const ownNet = await exec(await start(p, ctrConfig('ref2')), ['readlink', '/proc/self/ns/net']);
      const cases: [string, Msg, string, string][] = [
        // [name, namespace options, the namespace containerd gives, what berthd names in its refusal]
        ['ipcnode', { ipc: 'NODE' }, 'ipc', /ipc NODE/.source],
        ['ipcctr', { ipc: 'CONTAINER' }, 'ipc', /ipc CONTAINER/.source],
        ['netnode', { network: 'NODE' }, 'net', /network NODE/.source],
        ['netctr', { network: 'CONTAINER' }, 'net', /network CONTAINER/.source],
      ];
      for (const [name, o, ns, why] of cases) {
        const cfg = ctrConfig(name, { namespace_options: nsOpts(o) });
        if (REAL_CRI) {
          // containerd puts the container in its pod's namespace whatever it asked for
          const id = await start(p, cfg);
          assert.equal(await exec(id, ['readlink', `/proc/self/ns/${ns}`]), ns === 'ipc' ? ownIpc : ownNet, name);
        } else {
          await assert.rejects(rt('CreateContainer', { pod_sandbox_id: p.id, sandbox_config: p.config, config: cfg }), (e) => codeName(e) === 'INVALID_ARGUMENT' && new RegExp(why).test(String(e)), name);
        }
      }
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test('pid TARGET: a target in the pod is joined; an unknown one is NOT_FOUND', T, async () => {
    const p = await pod('target');
    try {
      const target = await start(p, ctrConfig('target'));
      const dbg = await start(p, ctrConfig('debug', { namespace_options: nsOpts({ pid: 'TARGET', target_id: target }) }));
      assert.equal(await exec(dbg, ['readlink', '/proc/self/ns/pid']), await exec(target, ['readlink', '/proc/self/ns/pid']));
      await assert.rejects(rt('CreateContainer', { pod_sandbox_id: p.id, sandbox_config: p.config, config: ctrConfig('dbg2', { namespace_options: nsOpts({ pid: 'TARGET', target_id: 'f'.repeat(64) }) }) }), (e) => codeName(e) === 'NOT_FOUND');
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });

  test("a pod's own namespace modes: containerd takes a mode it has no use for as the pod's own, berthd refuses it", T, async () => {
    for (const [which, m] of [['network', 'CONTAINER'], ['network', 'TARGET'], ['ipc', 'CONTAINER'], ['ipc', 'TARGET'], ['pid', 'TARGET']]) {
      const config = podConfig(`ns-${which}-${m.toLowerCase()}`);
      config.linux.security_context.namespace_options[which] = m;
      if (REAL_CRI) {
        const id = (await rt('RunPodSandbox', { config })).pod_sandbox_id;
        await rt('RemovePodSandbox', { pod_sandbox_id: id });
      } else {
        await assert.rejects(rt('RunPodSandbox', { config }), (e) => codeName(e) === 'INVALID_ARGUMENT' && new RegExp(`${which} ${m}`).test(String(e)), `${which} ${m}`);
      }
    }
  });

  test('user namespaces (userns_options mode POD): berthd refuses them and says so in Status; containerd 1.6 predates them', T, async () => {
    const userns = { mode: 'POD', uids: [{ host_id: 65536 * 8, container_id: 0, length: 65536 }], gids: [{ host_id: 65536 * 8, container_id: 0, length: 65536 }] };
    const handlers = (await rt('Status', {})).runtime_handlers as Msg[];
    if (REAL_CRI) {
      // containerd 1.6's CRI has no userns_options: it drops the field and runs the pod in the host's
      // user namespace. Current containerd (2.x) honours mode POD with id-mapped mounts and says so in
      // Status (runtime_handlers[].features.user_namespaces), which the kubelet checks before it sends one
      assert.deepEqual(handlers, []);
      const p = await pod('userns', (cfg) => (cfg.linux.security_context.namespace_options.userns_options = userns));
      try {
        const id = await start(p, ctrConfig('c', { namespace_options: nsOpts({ userns_options: userns }) }));
        assert.equal(await exec(id, ['readlink', '/proc/self/ns/user']), fs.readlinkSync('/proc/self/ns/user') + '\n');
      } finally {
        await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
      }
      return;
    }
    // the kubelet runs no pod with hostUsers: false on a runtime whose handlers do not offer it
    assert.ok(handlers.length > 0 && handlers.every((h) => h.features.user_namespaces === false));
    const config = podConfig('userns');
    config.linux.security_context.namespace_options.userns_options = userns;
    await assert.rejects(rt('RunPodSandbox', { config }), (e) => codeName(e) === 'INVALID_ARGUMENT' && /user namespaces/.test(String(e)));
    const p = await pod('usernsc');
    try {
      await assert.rejects(rt('CreateContainer', { pod_sandbox_id: p.id, sandbox_config: p.config, config: ctrConfig('c', { namespace_options: nsOpts({ userns_options: userns }) }) }), (e) => codeName(e) === 'INVALID_ARGUMENT' && /user namespaces/.test(String(e)));
    } finally {
      await rt('RemovePodSandbox', { pod_sandbox_id: p.id });
    }
  });
});
