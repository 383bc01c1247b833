// End-to-end: the daemon with --userns-remap default (berthd, or dockerd with the same flag). Container root is an unprivileged host uid (the
// dockremap user's subordinate range, created as dockerd creates it), files on disk carry the
// shifted ids, and archives leaving the daemon (export, commit, cp) carry container ids again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { docker, describeRun, cliEnv, DOCKER_CLI } from '../helpers/docker.ts';
import { startBerthd } from '../helpers/berthd.ts';
import { startDockerd } from '../helpers/dockerd.ts';
import { busyboxDockerArchive, TEST_IMAGE } from '../helpers/images.ts';
import { e2eSkipReason, T, SUITE, REAL_DOCKER, type Daemon } from '../helpers/target.ts';
import { ok, fails, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('user namespace remapping', SUITE(skip), () => {
  let d: Daemon;
  let start = 0;
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(d.env, args, o);

  before(async () => {
    const remap = ['--userns-remap', 'default'];
    d = REAL_DOCKER ? await startDockerd({ extraArgs: remap, bridge: true }) : await startBerthd({ extraArgs: remap });
    const archive = await busyboxDockerArchive();
    const r = await dk(['load', '-i', archive.file]);
    assert.equal(r.code, 0, describeRun(['docker', 'load'], r));
    const line = fs.readFileSync('/etc/subuid', 'utf8').split('\n').find((l) => l.startsWith('dockremap:'));
    assert.ok(line, 'the daemon made a subuid range for dockremap');
    start = Number(line.split(':')[1]);
  }, { timeout: 120_000 });
  after(async () => {
    await d?.stop();
  }, { timeout: 120_000 });

  test('container root is root inside and an unprivileged uid outside', T, async () => {
    assert.equal(ok(await dk(['run', '--rm', TEST_IMAGE, 'id', '-u'])), '0\n');
    assert.match(ok(await dk(['run', '--rm', TEST_IMAGE, 'cat', '/proc/self/uid_map'])), new RegExp(`^\\s*0\\s+${start}\\s+65536\\s*$`));
    const c = uniq('remap');
    ok(await dk(['run', '-d', '--name', c, TEST_IMAGE, 'sleep', '300']));
    const pid = ok(await dk(['inspect', '-f', '{{.State.Pid}}', c])).trim();
    const hostUid = spawnSync('ps', ['-o', 'uid=', '-p', pid], { encoding: 'utf8' }).stdout.trim();
    assert.equal(hostUid, String(start));
    ok(await dk(['rm', '-f', c]));
    assert.match(ok(await dk(['info', '-f', '{{json .SecurityOptions}}'])), /name=userns/);
  });

  test('volumes and the root filesystem are writable by container root; archives carry container ids', T, async () => {
    const c = uniq('files');
    const vol = uniq('vol');
    ok(await dk(['run', '--name', c, '-v', `${vol}:/data`, TEST_IMAGE, 'sh', '-c', 'echo v > /data/f && echo r > /made && chown 65534 /made']));
    const mountpoint = ok(await dk(['volume', 'inspect', '-f', '{{.Mountpoint}}', vol])).trim();
    assert.equal(fs.statSync(`${mountpoint}/f`).uid, start, 'the file on the host has the shifted uid');
    const exported = spawnSync('sh', ['-c', `"$CLI" export ${c} | tar -tvn | grep -E ' (made|bin/busybox)$'`], { env: { ...cliEnv(d.env), CLI: DOCKER_CLI }, encoding: 'utf8' }).stdout;
    assert.match(exported, /0\/0\s+\d+ .* bin\/busybox/);
    assert.match(exported, /65534\/0\s+\d+ .* made/);
    const img = `${uniq('committed')}:v1`;
    ok(await dk(['commit', c, img]));
    assert.equal(ok(await dk(['run', '--rm', img, 'stat', '-c', '%u', '/made'])), '65534\n');
    ok(await dk(['rm', '-v', c]));
    ok(await dk(['volume', 'rm', vol]));
  });

  test('privileged containers need --userns=host', T, async () => {
    fails(await dk(['run', '--rm', '--privileged', TEST_IMAGE, 'true']), 125, /privileged mode is incompatible with user namespaces/);
    assert.equal(ok(await dk(['run', '--rm', '--userns=host', TEST_IMAGE, 'cat', '/proc/self/uid_map'])).trim().split(/\s+/).join(' '), '0 0 4294967295');
  });
});
