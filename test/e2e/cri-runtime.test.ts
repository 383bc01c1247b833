// End-to-end: the CRI's RuntimeService basics (Version, Status, what is refused) over the CRI socket,
// against berthd, and with BERTH_CRI_TARGET=containerd against containerd's CRI plugin.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { criE2E, codeName, REAL_CRI, CRI_TARGET } from '../helpers/cri.ts';
import { startBerthd } from '../helpers/berthd.ts';
import { e2eSkipReason, T, SUITE } from '../helpers/target.ts';

const skip = e2eSkipReason();

describe(`CRI runtime service (${CRI_TARGET})`, SUITE(skip), () => {
  const c = criE2E();

  test('Version names the runtime and the CRI API version v1', T, async () => {
    const v = await c.rt.call('Version', { version: '0.1.0' });
    assert.equal(v.runtime_api_version, 'v1');
    assert.equal(v.version, '0.1.0');
    assert.equal(v.runtime_name, REAL_CRI ? 'containerd' : 'berth');
    assert.ok(v.runtime_version);
  });

  test('Status: the runtime and the pod network are ready', T, async () => {
    const s = await c.rt.call('Status', {});
    const cond = Object.fromEntries(s.status.conditions.map((x: { type: string }) => [x.type, x]));
    assert.equal(cond.RuntimeReady.status, true);
    assert.equal(cond.NetworkReady.status, true, cond.NetworkReady.message);
    assert.deepEqual(s.info, {}, 'no info unless verbose');
    const verbose = await c.rt.call('Status', { verbose: true });
    // the runtime's configuration as JSON under "config", as containerd gives it
    assert.equal(typeof JSON.parse(verbose.info.config), 'object');
  });

  test('CheckpointContainer is refused as unimplemented', T, async () => {
    await assert.rejects(c.rt.call('CheckpointContainer', { container_id: 'x', location: '/tmp/x.tar' }), (e) => codeName(e) === 'UNIMPLEMENTED');
  });
});

describe('berthd --cri-socket', { ...SUITE(skip), skip: skip || (REAL_CRI && 'a berthd flag') }, () => {
  test('the CRI socket is beside the Engine API socket by default, and --cri-socket "" turns it off', T, async () => {
    const off = await startBerthd({ extraArgs: ['--cri-socket', ''] });
    try {
      assert.equal(fs.existsSync(`${off.root}/cri.sock`), false);
      assert.match(off.logs(), /API listen on/);
      assert.doesNotMatch(off.logs(), /CRI listen on/);
    } finally {
      await off.stop();
    }
    const bad = await startBerthd({ extraArgs: ['--cri-socket', 'tcp://127.0.0.1:1'] }).then(
      async (d) => {
        await d.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    assert.match(String(bad?.message), /only unix:\/\/ addresses/);
  });
});
