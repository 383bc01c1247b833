// End-to-end: isolation modes (process: runc; hyperv, alias sandbox: gVisor's runsc), resource
// controls (memory, OOM, pids, cpu, update, validation), stats and the security defaults
// (capabilities, seccomp), with the real docker CLI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, fails, uniq, waitFor } from '../helpers/util.ts';

const skip = e2eSkipReason();
const noRunsc = spawnSync('sh', ['-c', 'command -v runsc']).status !== 0 ? 'runsc is not installed' : false;
const CGROUP_V2 = (() => {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(l));
  } catch {
    return false;
  }
})();
const MEMORY_LIMIT_FILE = CGROUP_V2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes';

describe('isolation, resources and security', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  describe('isolation modes', { skip: REAL_DOCKER ? 'dockerd has no sandbox isolation on Linux' : noRunsc }, () => {
    test('the same image runs under both: same output, a different kernel underneath', T, async () => {
      const script = 'echo same output; ls /bin/busybox';
      const proc = ok(await dk(['run', '--rm', '--isolation=process', t.image, 'sh', '-c', script]));
      const sand = ok(await dk(['run', '--rm', '--isolation=sandbox', t.image, 'sh', '-c', script]));
      assert.equal(sand, proc);
      const hostKernel = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
      assert.match(ok(await dk(['run', '--rm', t.image, 'uname', '-a'])), new RegExp(hostKernel.replace(/[.+]/g, '\\$&')));
      const sandUname = ok(await dk(['run', '--rm', '--isolation=hyperv', t.image, 'uname', '-a']));
      assert.doesNotMatch(sandUname, new RegExp(hostKernel.replace(/[.+]/g, '\\$&')), 'gVisor reports its own kernel');
      assert.match(ok(await dk(['run', '--rm', '--isolation=sandbox', t.image, 'dmesg'])), /gVisor/);
    });

    test('inspect and info report the isolation and the runtime', T, async () => {
      const c = uniq('iso');
      ok(await dk(['create', '--name', c, '--isolation=sandbox', t.image, 'true']));
      assert.equal(ok(await dk(['inspect', '-f', '{{.HostConfig.Isolation}} {{.HostConfig.Runtime}} {{.HostConfig.NetworkMode}}', c])).trim(), 'sandbox runsc none');
      ok(await dk(['rm', c]));
      const p = uniq('proc');
      ok(await dk(['create', '--name', p, t.image, 'true']));
      assert.equal(ok(await dk(['inspect', '-f', '{{.HostConfig.Runtime}}', p])).trim(), 'runc');
      ok(await dk(['rm', p]));
      const info = ok(await dk(['info', '--format', '{{json .Runtimes}} {{.DefaultRuntime}} {{.CgroupVersion}}']));
      assert.match(info, /"runc":\{"path":"[^"]*runc"\}/);
      assert.match(info, /"runsc":\{"path":"[^"]*runsc"/);
      assert.match(info, / runc [12]\n$/);
    });

    test('logs, exec, cp, top, stats, pause and stop work in the sandbox', T, async () => {
      const c = uniq('sbx');
      ok(await dk(['run', '-d', '--name', c, '--isolation=sandbox', t.image, 'sh', '-c', 'echo started; trap "exit 0" TERM; sleep 1000 & wait']));
      await waitFor(async () => (await dk(['logs', c])).stdout === 'started\n', 'the log line', 10_000);
      assert.equal(ok(await dk(['exec', c, 'sh', '-c', 'echo $((6*7))'])), '42\n');
      fails(await dk(['exec', '-t', c, 'tty']), 1, /the sandbox runtime \(runsc\) cannot give a process a terminal on this host: run it without -t/);
      const file = `/tmp/${uniq('f')}`;
      fs.writeFileSync(file, 'copied in\n');
      ok(await dk(['cp', file, `${c}:/tmp/in.txt`]));
      assert.equal(ok(await dk(['exec', c, 'cat', '/tmp/in.txt'])), 'copied in\n');
      fs.rmSync(file);
      assert.match(ok(await dk(['top', c])), /sleep/);
      assert.match(ok(await dk(['stats', '--no-stream', '--format', '{{.MemUsage}}', c])), /[1-9]/);
      ok(await dk(['pause', c]));
      ok(await dk(['unpause', c]));
      ok(await dk(['stop', '-t', '5', c]));
      assert.equal(ok(await dk(['inspect', '-f', '{{.State.ExitCode}}', c])).trim(), '0');
      ok(await dk(['rm', c]));
    });

    test('what the sandbox cannot do is refused with a clear message', T, async () => {
      fails(await dk(['run', '--rm', '--isolation=sandbox', '--network', 'bridge', t.image, 'true']), 125, /isolation "sandbox" does not support network mode "bridge": the gVisor sandbox has loopback networking only/);
      fails(await dk(['run', '--rm', '--isolation=sandbox', '--runtime', 'runc', t.image, 'true']), 125, /cannot be combined with runtime runc/);
      fails(await dk(['run', '--rm', '--isolation=bogus', t.image, 'true']), 125, /invalid isolation "bogus"/);
      fails(await dk(['run', '--rm', '-t', '--isolation=sandbox', t.image, 'true']), 125, /cannot give a process a terminal on this host: run it without -t/);
      fails(await dk(['run', '--rm', '--runtime', 'nope', t.image, 'true']), 125, /unknown or invalid runtime name: nope/);
      const c = uniq('sbu');
      ok(await dk(['run', '-d', '--name', c, '--isolation=sandbox', t.image, 'sleep', '60']));
      fails(await dk(['update', '-m', '64m', '--memory-swap', '128m', c]), 1, /the runsc runtime cannot change the limits of a running container/);
      ok(await dk(['rm', '-f', c]));
    });
  });

  describe('resource controls', () => {
    test('-m 32m shows in the container\'s cgroup and in inspect; docker update changes it live', T, async () => {
      assert.equal(ok(await dk(['run', '--rm', '-m', '32m', t.image, 'cat', MEMORY_LIMIT_FILE])).trim(), String(32 * 1024 * 1024));
      const c = uniq('mem');
      ok(await dk(['run', '-d', '--name', c, '-m', '32m', t.image, 'sleep', '60']));
      assert.equal(ok(await dk(['inspect', '-f', '{{.HostConfig.Memory}}', c])).trim(), String(32 * 1024 * 1024));
      ok(await dk(['update', '-m', '64m', '--memory-swap', '128m', '--pids-limit', '50', c]));
      assert.equal(ok(await dk(['exec', c, 'cat', MEMORY_LIMIT_FILE])).trim(), String(64 * 1024 * 1024));
      assert.equal(ok(await dk(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', c])).trim(), `${64 * 1024 * 1024} 50`);
      ok(await dk(['rm', '-f', c]));
    });

    test('a memory hog is OOM-killed and reported, with an oom event', T, async () => {
      const c = uniq('oom');
      const since = Math.floor(Date.now() / 1000) - 1;
      const r = await dk(['run', '--name', c, '-m', '16m', '--memory-swap', '16m', t.image, 'sh', '-c', 'x=aaaaaaaa; while true; do x=$x$x; done'], { timeoutMs: 60_000 });
      assert.equal(r.code, 137, r.stderr);
      assert.equal(ok(await dk(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', c])).trim(), 'true 137');
      const until = Math.floor(Date.now() / 1000) + 1;
      const events = ok(await dk(['events', '--since', String(since), '--until', String(until), '--filter', `container=${c}`, '--format', '{{.Action}}']));
      assert.match(events, /^oom$/m);
      ok(await dk(['rm', c]));
    });

    test('a fork bomb is stopped by --pids-limit', T, async () => {
      const c = uniq('bomb');
      ok(await dk(['run', '-d', '--name', c, '--pids-limit', '24', t.image, 'sh', '-c', 'bomb() { bomb | bomb & }; bomb; sleep 30']));
      await new Promise((r) => setTimeout(r, 1500));
      const pids = Number(ok(await dk(['stats', '--no-stream', '--format', '{{.PIDs}}', c])).trim());
      assert.ok(pids > 0 && pids <= 24, `pids ${pids} within the limit`);
      ok(await dk(['rm', '-f', c]), 'the bomb can still be removed');
    });

    test('docker stats --no-stream shows CPU use for a busy container', T, async () => {
      const c = uniq('busy');
      ok(await dk(['run', '-d', '--name', c, '--cpus', '0.5', t.image, 'sh', '-c', 'while true; do :; done']));
      await new Promise((r) => setTimeout(r, 1000));
      const cpu = ok(await dk(['stats', '--no-stream', '--format', '{{.CPUPerc}}', c])).trim();
      assert.ok(Number.parseFloat(cpu) > 1, `CPU ${cpu}`);
      assert.ok(Number.parseFloat(cpu) < 80, `CPU ${cpu} held near 50% by --cpus 0.5`);
      ok(await dk(['rm', '-f', c]));
    });

    test('impossible limits are refused with Docker\'s messages', T, async () => {
      fails(await dk(['run', '--rm', '-m', '1m', t.image, 'true']), 125, /Minimum memory limit allowed is 6MB/);
      fails(await dk(['run', '--rm', '--cpuset-cpus', '63', t.image, 'true']), 125, /Requested CPUs are not available - requested 63, available: /);
      fails(await dk(['run', '--rm', '--memory-reservation', '64m', '-m', '32m', t.image, 'true']), 125, /Minimum memory limit can not be less than memory reservation limit/);
      if (!REAL_DOCKER) fails(await dk(['run', '--rm', '--ulimit', 'nofile=99999999:99999999', t.image, 'true']), 125, /ulimit nofile: hard limit 99999999 is above this host's limit/);
      assert.equal(ok(await dk(['run', '--rm', '--ulimit', 'nofile=1024:2048', t.image, 'sh', '-c', 'ulimit -n'])).trim(), '1024');
    });
  });

  describe('security defaults', () => {
    test('--cap-drop ALL makes chown fail', T, async () => {
      ok(await dk(['run', '--rm', t.image, 'chown', 'nobody', '/tmp']));
      fails(await dk(['run', '--rm', '--cap-drop', 'ALL', t.image, 'chown', 'nobody', '/tmp']), 1, /Operation not permitted/);
    });

    test('--device makes a host device available under another name; a missing one is refused', T, async () => {
      assert.match(ok(await dk(['run', '--rm', '--device', '/dev/zero:/dev/myzero', t.image, 'sh', '-c', 'ls -l /dev/myzero && head -c 4 /dev/myzero | wc -c'])), /^c.* 1,\s+5 .*\/dev\/myzero\n\s*4\n$/);
      fails(await dk(['run', '--rm', '--device', '/dev/no-such-device', t.image, 'true']), 127, /error gathering device information while adding custom device "\/dev\/no-such-device": no such file or directory/);
    });

    test('a system call blocked by the default seccomp profile fails; unconfined lets it through', T, async () => {
      assert.match(ok(await dk(['run', '--rm', t.image, 'grep', 'Seccomp:', '/proc/self/status'])), /Seccomp:\s+2/);
      fails(await dk(['run', '--rm', t.image, 'unshare', '-U', 'true']), 1, /Operation not permitted/);
      ok(await dk(['run', '--rm', '--security-opt', 'seccomp=unconfined', t.image, 'unshare', '-U', 'true']));
      // what Docker's profile allows stays allowed: the 32-bit personality
      assert.match(ok(await dk(['run', '--rm', t.image, 'linux32', 'uname', '-m'])), /^i[3-6]86\n$/);
      // (Debian's dockerd cannot start privileged containers on hosts that lack some capabilities)
      if (!REAL_DOCKER) assert.match(ok(await dk(['run', '--rm', '--privileged', t.image, 'grep', 'Seccomp:', '/proc/self/status'])), /Seccomp:\s+0/);
    });
  });
});
