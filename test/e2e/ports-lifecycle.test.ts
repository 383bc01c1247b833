// End-to-end: a container's published and exposed ports through its life, as inspect and ps show them.
// dockerd fills NetworkSettings.Ports when the container's network is set up and empties it when the
// network is released (moby daemon/container_operations.go releaseNetwork: Ports = nil), so a created
// or stopped container lists no ports, in inspect ({}) or in docker ps. Same expectations on dockerd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('ports through a container\'s life', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const view = async (n: string) => ({
    inspect: ok(await dk(['inspect', '-f', '{{json .NetworkSettings.Ports}}', n])).trim(),
    ps: ok(await dk(['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.Ports}}'])).trim(),
  });

  test('created and stopped containers list no ports; a running one lists its bindings', T, async () => {
    const n = uniq('ports');
    try {
      ok(await dk(['create', '--name', n, '-p', '127.0.0.1::80', '--expose', '81', t.image, 'sleep', '300']));
      const created = await view(n);
      ok(await dk(['start', n]));
      const running = await view(n);
      ok(await dk(['stop', '-t', '0', n]));
      const stopped = await view(n);
      assert.deepEqual(created, { inspect: '{}', ps: '' });
      assert.match(running.inspect, /"80\/tcp":\[\{"HostIp":"127\.0\.0\.1","HostPort":"\d+"\}\]/);
      assert.match(running.inspect, /"81\/tcp":null/);
      assert.match(running.ps, /^127\.0\.0\.1:\d+->80\/tcp, 81\/tcp$|^81\/tcp, 127\.0\.0\.1:\d+->80\/tcp$/);
      assert.deepEqual(stopped, { inspect: '{}', ps: '' });
    } finally {
      await dk(['rm', '-f', n]);
    }
  });
});
