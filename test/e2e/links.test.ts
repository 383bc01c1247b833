// End-to-end: legacy links (docker run --link name:alias). On the default bridge: the /etc/hosts entry
// and the ALIAS_* variables dockerd gives, HostConfig.Links as "/target:/self/alias", docker rm --link;
// on a user-defined network the alias is a name only the linking container resolves. Docker's errors
// for a missing or stopped target and for host networking.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('legacy links', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);

  test('default bridge: ALIAS_* variables, /etc/hosts, inspect, docker rm --link', T, async () => {
    const web = uniq('web');
    const cli = uniq('cli');
    // tcp ports below the udp one: dockerd 20.10 (ports by number) and current Docker (tcp first) agree on
    // ALIAS_PORT; three consecutive ports: 20.10 gives _START/_END from three, current Docker from two
    ok(await dk(['run', '-d', '--name', web, '-e', 'FOO=bar', '-e', 'MULTI=a b', '--expose', '80-82', '--expose', '9000/udp', t.image, 'sleep', '300']));
    try {
      const ip = ok(await dk(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', web])).trim();
      const id = ok(await dk(['inspect', '-f', '{{.Id}}', web])).trim();
      ok(await dk(['run', '-d', '--name', cli, '--link', `${web}:db-1`, t.image, 'sleep', '300']));
      const env = ok(await dk(['exec', cli, 'env'])).split('\n').filter((l) => l.startsWith('DB_1_')).sort();
      assert.deepEqual(env, [
        'DB_1_ENV_FOO=bar',
        'DB_1_ENV_MULTI=a b',
        `DB_1_NAME=/${cli}/db-1`,
        `DB_1_PORT=tcp://${ip}:80`,
        `DB_1_PORT_80_TCP=tcp://${ip}:80`,
        `DB_1_PORT_80_TCP_ADDR=${ip}`,
        `DB_1_PORT_80_TCP_END=tcp://${ip}:82`,
        'DB_1_PORT_80_TCP_PORT=80',
        'DB_1_PORT_80_TCP_PORT_END=82',
        'DB_1_PORT_80_TCP_PORT_START=80',
        'DB_1_PORT_80_TCP_PROTO=tcp',
        `DB_1_PORT_80_TCP_START=tcp://${ip}:80`,
        `DB_1_PORT_81_TCP=tcp://${ip}:81`,
        `DB_1_PORT_81_TCP_ADDR=${ip}`,
        'DB_1_PORT_81_TCP_PORT=81',
        'DB_1_PORT_81_TCP_PROTO=tcp',
        `DB_1_PORT_82_TCP=tcp://${ip}:82`,
        `DB_1_PORT_82_TCP_ADDR=${ip}`,
        'DB_1_PORT_82_TCP_PORT=82',
        'DB_1_PORT_82_TCP_PROTO=tcp',
        `DB_1_PORT_9000_UDP=udp://${ip}:9000`,
        `DB_1_PORT_9000_UDP_ADDR=${ip}`,
        'DB_1_PORT_9000_UDP_PORT=9000',
        'DB_1_PORT_9000_UDP_PROTO=udp',
      ]);
      const hosts = ok(await dk(['exec', cli, 'cat', '/etc/hosts']));
      assert.match(hosts, new RegExp(`^${ip.replaceAll('.', '\\.')}\\tdb-1 ${id.slice(0, 12)} ${web}$`, 'm'));
      assert.match(ok(await dk(['exec', cli, 'ping', '-c1', '-W2', 'db-1'])), /1 packets received/);
      assert.equal(ok(await dk(['inspect', '-f', '{{json .HostConfig.Links}}', cli])).trim(), JSON.stringify([`/${web}:/${cli}/db-1`]));
      assert.equal(ok(await dk(['inspect', '-f', '{{json .HostConfig.Links}}', web])).trim(), 'null');
      // the target restarts (with whatever address it gets): the linking container's entry follows it
      ok(await dk(['restart', '-t', '0', web]));
      const ip2 = ok(await dk(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', web])).trim();
      assert.match(ok(await dk(['exec', cli, 'cat', '/etc/hosts'])), new RegExp(`^${ip2.replaceAll('.', '\\.')}\\tdb-1 ${id.slice(0, 12)} ${web}$`, 'm'));
      // the alias is the name when none is given
      assert.match(ok(await dk(['run', '--rm', '--link', web, t.image, 'sh', '-c', `env | grep -c '^${web.toUpperCase().replaceAll('-', '_')}_NAME='`])).trim(), /^1$/);

      // renames: HostConfig.Links follows both ends
      ok(await dk(['rename', web, `${web}x`]));
      ok(await dk(['rename', cli, `${cli}x`]));
      assert.equal(ok(await dk(['inspect', '-f', '{{json .HostConfig.Links}}', `${cli}x`])).trim(), JSON.stringify([`/${web}x:/${cli}x/db-1`]));
      ok(await dk(['rename', `${web}x`, web]));
      ok(await dk(['rename', `${cli}x`, cli]));
      const noDefault = await dk(['rm', '--link', cli]);
      assert.equal(noDefault.code, 1);
      assert.match(noDefault.stderr, /Conflict, cannot remove the default link name of the container/);
      const noSuch = await dk(['rm', '--link', `/${cli}/nosuch`]);
      assert.equal(noSuch.code, 1);
      assert.match(noSuch.stderr, new RegExp(`No such container: ${cli}/nosuch`));
      ok(await dk(['rm', '--link', `/${cli}/db-1`]));
      assert.equal(ok(await dk(['inspect', '-f', '{{json .HostConfig.Links}}', cli])).trim(), 'null');
      assert.doesNotMatch(ok(await dk(['exec', cli, 'cat', '/etc/hosts'])), /db-1/);
      assert.equal(ok(await dk(['inspect', '-f', '{{.State.Running}}', web])).trim(), 'true', 'rm --link removed the target');
    } finally {
      await dk(['rm', '-f', cli, web]);
    }
  });

  test('a missing or stopped target, host networking, a bad link: Docker\'s errors', T, async () => {
    const missing = await dk(['create', '--link', 'berthnosuchctr:db', t.image, 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /could not get container for berthnosuchctr: No such container: berthnosuchctr/);
    assert.doesNotMatch(missing.stderr, /Unable to find image/, 'a 404 made the CLI pull the image');
    const host = await dk(['create', '--network', 'host', '--link', 'x:y', t.image, 'true']);
    assert.equal(host.code, 1);
    assert.match(host.stderr, /conflicting options: host type networking can't be used with links/);
    const bad = await dk(['create', '--link', 'a:b:c', t.image, 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /bad format for links: a:b:c|invalid/);
    const stopped = uniq('stopped');
    const cli = uniq('cli');
    ok(await dk(['create', '--name', stopped, t.image, 'true']));
    try {
      ok(await dk(['create', '--name', cli, '--link', `${stopped}:s`, t.image, 'true']));
      const r = await dk(['start', cli]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Cannot link to a non running container: /${stopped} AS /${cli}/s`));
      // a target removed since: the link stays, and still cannot start
      ok(await dk(['rm', stopped]));
      assert.equal(ok(await dk(['inspect', '-f', '{{json .HostConfig.Links}}', cli])).trim(), JSON.stringify([`/${stopped}:/${cli}/s`]));
      const again = await dk(['start', cli]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`Cannot link to a non running container: /${stopped} AS /${cli}/s`));
    } finally {
      await dk(['rm', '-f', cli, stopped]);
    }
  });

  test('user-defined network: the alias resolves for the linking container only', T, async () => {
    const nw = uniq('lnk');
    const web = uniq('web');
    ok(await dk(['network', 'create', '--subnet', '10.182.0.0/24', nw]));
    try {
      ok(await dk(['run', '-d', '--name', web, '--network', nw, t.image, 'sleep', '300']));
      const ip = ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nw}").IPAddress}}`, web])).trim();
      const out = ok(await dk(['run', '--rm', '--network', nw, '--link', `${web}:dbalias`, t.image, 'sh', '-c', 'env | grep -c DBALIAS_ ; grep -c dbalias /etc/hosts; ping -c1 -W2 dbalias']));
      assert.match(out, /^0\n0\n/, 'user networks get no link variables or hosts entries');
      assert.match(out, new RegExp(`PING dbalias \\(${ip.replaceAll('.', '\\.')}\\)`));
      const other = await dk(['run', '--rm', '--network', nw, t.image, 'ping', '-c1', '-W2', 'dbalias']);
      assert.notEqual(other.code, 0, 'a container without the link resolved its alias');
      const cli = uniq('cli');
      ok(await dk(['create', '--name', cli, '--network', nw, '--link', `${web}:dbalias`, t.image, 'true']));
      assert.equal(ok(await dk(['inspect', '-f', `{{json .HostConfig.Links}} {{json (index .NetworkSettings.Networks "${nw}").Links}}`, cli])).trim(), `null ["${web}:dbalias"]`);
      // a target need not exist on a user network
      ok(await dk(['run', '--rm', '--network', nw, '--link', 'berthnosuchctr:x', t.image, 'true']));
      await dk(['rm', '-f', cli]);
    } finally {
      await dk(['rm', '-f', web]);
      ok(await dk(['network', 'rm', nw]));
    }
  });
});
