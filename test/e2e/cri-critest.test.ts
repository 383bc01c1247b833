// End-to-end: the cases the Kubernetes CRI conformance suite (critest, scripts/critest/) found Berth
// apart from containerd on: a container reads its pod's DNS config; seccomp as containerd's (none
// asked is unconfined, a Localhost profile is loaded from its file, privileged ignores it); a
// container that leaves its namespace options unset in a host-network pod starts there; a mount
// with selinux_relabel on a host without SELinux. Against berthd and, with BERTH_CRI_TARGET=containerd,
// containerd's CRI.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { criE2EWithImage, runPod, CRI_TARGET, type Msg } from '../helpers/cri.ts';
import { registryUnavailable } from '../helpers/registry.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason() || registryUnavailable();

describe(`CRI cases of critest (${CRI_TARGET})`, SUITE(skip), () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cri-critest-'));
  const c = criE2EWithImage();
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const rt = (m: string, req: Msg) => c.rt.call(m, req);
  const exec = async (id: string, cmd: string[]) => {
    const r = await rt('ExecSync', { container_id: id, cmd, timeout: 0 });
    return { out: String(r.stdout), err: String(r.stderr), code: r.exit_code };
  };
  const pod = (name: string, edit?: (cfg: Msg) => void) => runPod(c, name, edit);
  const ctr = (name: string, extra: Msg = {}): Msg => ({ metadata: { name, attempt: 0 }, image: { image: c.image }, command: ['sleep', '1000'], ...extra });
  async function start(p: { id: string; config: Msg }, cfg: Msg): Promise<string> {
    const id = (await rt('CreateContainer', { pod_sandbox_id: p.id, config: cfg, sandbox_config: p.config })).container_id;
    await rt('StartContainer', { container_id: id });
    return id;
  }
  const remove = (p: { id: string }) => rt('RemovePodSandbox', { pod_sandbox_id: p.id });

  test("a container's resolv.conf is its pod's DNS config", T, async () => {
    const p = await pod('dns', (cfg) => (cfg.dns_config = { servers: ['10.10.10.10'], searches: ['example.com'], options: ['ndots:8'] }));
    try {
      const conf = (await exec(await start(p, ctr('app')), ['cat', '/etc/resolv.conf'])).out;
      for (const line of ['nameserver 10.10.10.10', 'search example.com', 'options ndots:8']) assert.ok(conf.split('\n').includes(line), `${line} in\n${conf}`);
      assert.doesNotMatch(conf, /nameserver (?!10\.10\.10\.10)/, 'no other nameserver');
    } finally {
      await remove(p);
    }
  });

  test('seccomp: none asked is unconfined, RuntimeDefault filters, Localhost loads the file, privileged ignores it', T, async () => {
    const profile = path.join(tmp, 'block-hostname.json');
    fs.writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['sethostname'], action: 'SCMP_ACT_ERRNO' }] }));
    const mode = async (id: string) => (await exec(id, ['grep', '^Seccomp:', '/proc/self/status'])).out.trim();
    const p = await pod('seccomp', (cfg) => (cfg.linux.security_context.privileged = true));
    try {
      assert.equal(await mode(await start(p, ctr('none'))), 'Seccomp:\t0');
      assert.equal(await mode(await start(p, ctr('default', { linux: { security_context: { seccomp: { profile_type: 'RuntimeDefault' } } } }))), 'Seccomp:\t2');
      const local = await start(p, ctr('local', { linux: { security_context: { seccomp: { profile_type: 'Localhost', localhost_ref: profile }, capabilities: { add_capabilities: ['SYS_ADMIN'] } } } }));
      assert.equal(await mode(local), 'Seccomp:\t2');
      const r = await exec(local, ['hostname', 'changed']);
      assert.notEqual(r.code, 0, 'sethostname is blocked by the profile');
      const priv = await start(p, ctr('priv', { linux: { security_context: { privileged: true, seccomp: { profile_type: 'Localhost', localhost_ref: profile } } } }));
      assert.equal(await mode(priv), 'Seccomp:\t0');
    } finally {
      await remove(p);
    }
  });

  test('a container that sets no namespace options runs in its host-network pod, on the host network', T, async () => {
    const p = await pod('hostnet', (cfg) => {
      cfg.hostname = '';
      cfg.linux.security_context.namespace_options.network = 'NODE';
    });
    try {
      const id = await start(p, { metadata: { name: 'bare', attempt: 0 }, image: { image: c.image }, command: ['sleep', '1000'], linux: {} });
      assert.equal((await rt('ContainerStatus', { container_id: id })).status.state, 'CONTAINER_RUNNING');
      assert.equal((await exec(id, ['readlink', '/proc/self/ns/net'])).out.trim(), fs.readlinkSync('/proc/self/ns/net'));
    } finally {
      await remove(p);
    }
  });

  test('a mount with selinux_relabel on a host without SELinux', { ...T, skip: fs.existsSync('/sys/fs/selinux/enforce') && 'SELinux is on here' }, async () => {
    const data = fs.mkdtempSync(path.join(tmp, 'data-'));
    fs.writeFileSync(path.join(data, 'f'), 'from the host\n');
    const p = await pod('relabel');
    try {
      const id = await start(p, ctr('app', { mounts: [{ container_path: '/data', host_path: data, selinux_relabel: true }] }));
      assert.equal((await exec(id, ['cat', '/data/f'])).out, 'from the host\n');
    } finally {
      await remove(p);
    }
  });
});
