// logs.ts: a read of a container whose process has ended, its exit not yet recorded, waits for the
// exit (the monitor records it once the output is drained); a live process is read at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { harness } from './fakes.ts';

test('logs of a running container: at once while its process lives, after the exit is recorded once it has ended', async () => {
  const h = harness();
  try {
    const deadPid = spawnSync('true').pid!;
    let pid = process.pid;
    const create = h.runtime.create.bind(h.runtime);
    h.runtime.create = async (spec) => (await create(spec), { pid });
    const runningAtRead: boolean[] = [];
    h.runtime.logs = async function* (id: string) {
      runningAtRead.push(h.svc.get(id).State.Running);
      yield { stream: 'stdout' as const, data: Buffer.from('out\n'), time: new Date().toISOString() };
    } as never;
    const read = async (id: string) => {
      const got: string[] = [];
      for await (const e of h.svc.logs(id, { follow: false, stdout: true, stderr: true }, new AbortController().signal)) got.push(e.data.toString());
      return got;
    };

    const live = (await h.svc.create({ name: 'live', config: { Image: 'busybox' } })).Id;
    await h.svc.start(live);
    assert.deepEqual(await read(live), ['out\n']);
    assert.deepEqual(runningAtRead, [true]);

    pid = deadPid;
    const ended = (await h.svc.create({ name: 'ended', config: { Image: 'busybox' } })).Id;
    await h.svc.start(ended);
    const reading = read(ended);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(runningAtRead.length, 1, 'the read waits for the exit');
    h.runtime.exit(ended, 0);
    assert.deepEqual(await reading, ['out\n']);
    assert.deepEqual(runningAtRead, [true, false]);
  } finally {
    h.close();
  }
});
