// End-to-end: what happens to a created container between its create (or its attach/wait) and its
// start is what the start runs with: the guard for any work done ahead of a start (such as making
// docker run's runtime container before its start request, branch perfrun-prestart of issue 20).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('changes between create and start', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('docker update of a --rm container before its start: the start has the new limit', T, async () => {
    const id = ok(await dk(['create', '--rm', '--network', 'none', '--memory', '64m', '--memory-swap', '128m', t.image, 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'])).trim();
    // an attach and a wait as docker run makes them, then the change
    const waiting = dk(['wait', id], { timeoutMs: 30_000 });
    await sleep(300);
    ok(await dk(['update', '--memory', '96m', '--memory-swap', '192m', id]));
    assert.equal(ok(await dk(['start', '-a', id])).trim(), String(96 * 1024 * 1024));
    assert.equal(ok(await waiting).trim(), '0');
  });

  test('docker cp into a --rm container before its start: the process sees the file', T, async () => {
    const id = ok(await dk(['create', '--rm', '--network', 'none', t.image, 'cat', '/copied'])).trim();
    await sleep(300);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prestart-'));
    try {
      fs.writeFileSync(path.join(dir, 'copied'), 'copied before the start\n');
      ok(await dk(['cp', path.join(dir, 'copied'), `${id}:/copied`]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(ok(await dk(['start', '-a', id])), 'copied before the start\n');
  });

  test('a --rm container removed before its start: gone, and its name free again', T, async () => {
    const name = `prestart-rm-${process.pid}`;
    ok(await dk(['create', '--rm', '--name', name, '--network', 'none', t.image, 'true']));
    await sleep(300);
    ok(await dk(['rm', name]));
    assert.equal((await dk(['inspect', name])).code, 1);
    ok(await dk(['run', '--rm', '--name', name, '--network', 'none', t.image, 'true']));
  });
});
