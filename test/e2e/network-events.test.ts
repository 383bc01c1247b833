// End-to-end: the network events dockerd emits — create and destroy of a network, connect when a
// container's endpoint joins (start, network connect), disconnect when it leaves (stop, exit, network
// disconnect, rm -f) — with the network's id as the actor and the container in the attributes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('network events', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  /** network events since `since` (seconds), as "action network container-name" lines */
  const events = async (since: number, filter: string[], names: Map<string, string>) => {
    await sleep(300);
    const until = Math.ceil(Date.now() / 1000) + 1;
    const out = ok(await dk(['events', '--since', String(since), '--until', String(until), '--filter', 'type=network', ...filter, '--format', '{{.Action}}|{{.Actor.Attributes.name}}|{{.Actor.Attributes.type}}|{{.Actor.Attributes.container}}']));
    return out.trim().split('\n').filter(Boolean).map((l) => {
      const [action, name, type, c = ''] = l.split('|');
      const cid = c === '<no value>' ? '' : c;
      return [action, name, type, names.get(cid) ?? (cid ? 'other' : '')].join(' ').trim();
    });
  };

  test('create, connect at start, disconnect at stop, connect/disconnect, destroy', T, async () => {
    const since = Math.floor(Date.now() / 1000);
    const nw = uniq('evnet');
    const other = uniq('evother');
    const c = uniq('evc');
    ok(await dk(['network', 'create', nw]));
    ok(await dk(['network', 'create', other]));
    const id = ok(await dk(['run', '-d', '--name', c, '--network', nw, t.image, 'sleep', '60'])).trim();
    ok(await dk(['network', 'connect', other, c]));
    ok(await dk(['network', 'disconnect', other, c]));
    ok(await dk(['stop', '-t', '1', c]));
    ok(await dk(['start', c]));
    ok(await dk(['rm', '-f', c]));
    ok(await dk(['network', 'rm', nw, other]));
    const names = new Map([[id, 'C']]);
    const got = await events(since, ['--filter', `network=${nw}`], names);
    assert.deepEqual(got, [`create ${nw} bridge`, `connect ${nw} bridge C`, `disconnect ${nw} bridge C`, `connect ${nw} bridge C`, `disconnect ${nw} bridge C`, `destroy ${nw} bridge`]);
    const gotOther = await events(since, ['--filter', `network=${other}`], names);
    // dockerd reports a running container's `network disconnect` twice: once as the endpoint leaves
    // (as at a stop), once for the request
    assert.deepEqual(gotOther, [`create ${other} bridge`, `connect ${other} bridge C`, `disconnect ${other} bridge C`, `disconnect ${other} bridge C`, `destroy ${other} bridge`]);
  });

  test('the default bridge, and a container that exits by itself', T, async () => {
    const since = Math.floor(Date.now() / 1000);
    const id = ok(await dk(['run', '-d', t.image, 'true'])).trim();
    ok(await dk(['wait', id]));
    await sleep(300);
    ok(await dk(['rm', id]));
    const got = (await events(since, [], new Map([[id, 'C']]))).filter((l) => l.endsWith(' C'));
    assert.deepEqual(got, ['connect bridge bridge C', 'disconnect bridge bridge C']);
  });

  test('host and none networks', T, async () => {
    const since = Math.floor(Date.now() / 1000);
    const a = ok(await dk(['run', '-d', '--network', 'none', t.image, 'true'])).trim();
    const b = ok(await dk(['run', '-d', '--network', 'host', t.image, 'true'])).trim();
    ok(await dk(['wait', a, b]));
    await sleep(300);
    ok(await dk(['rm', a, b]));
    const got = (await events(since, [], new Map([[a, 'A'], [b, 'B']]))).filter((l) => / [AB]$/.test(l));
    assert.deepEqual(got, ['connect none null A', 'disconnect none null A', 'connect host host B', 'disconnect host host B']);
  });
});
