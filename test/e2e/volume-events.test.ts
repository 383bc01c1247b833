// End-to-end: a container's volumes announce themselves as dockerd's do (moby LogVolumeEvent):
// `mount` when the container starts (container, destination, driver, propagation, read/write),
// `unmount` when it exits (container, driver), and `docker events --filter type=volume` shows them.
// Run against berthd and, with BERTH_E2E_DAEMON=dockerd, Debian's dockerd 20.10 (same expectations).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('volume mount and unmount events', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args, { timeoutMs: 60_000 });

  test('a run with a named and a read-only volume: mount at start, unmount at exit', T, async () => {
    const v1 = uniq('ev1'), v2 = uniq('ev2'), c = uniq('evc');
    ok(await dk(['volume', 'create', v1]));
    ok(await dk(['volume', 'create', v2]));
    const since = ok(await dk(['system', 'info', '-f', '{{.SystemTime}}'])).trim();
    const id = ok(await dk(['run', '--name', c, '-v', `${v1}:/data`, '-v', `${v2}:/ro:ro`, t.image, 'true'])).trim() || ok(await dk(['inspect', '-f', '{{.Id}}', c])).trim();
    const until = new Date(Date.now() + 2000).toISOString();
    const lines = await waitFor(async () => {
      const r = ok(await dk(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{json .Actor.Attributes}}']));
      // (the volumes' own create events can fall inside a --since of whole seconds)
      const l = r.split('\n').filter((x) => / (mount|unmount) /.test(x));
      return l.length >= 4 ? l : undefined;
    }, 'four volume events', 15_000, 500);
    const parse = (l: string) => {
      const [type, action, name, ...rest] = l.split(' ');
      return { type, action, name, attrs: JSON.parse(rest.join(' ')) };
    };
    const got = lines.map(parse).sort((a, b) => `${a.action}${a.name}`.localeCompare(`${b.action}${b.name}`));
    assert.deepEqual(got, [
      { type: 'volume', action: 'mount', name: v1, attrs: { container: id, destination: '/data', driver: 'local', propagation: '', 'read/write': 'true' } },
      { type: 'volume', action: 'mount', name: v2, attrs: { container: id, destination: '/ro', driver: 'local', propagation: '', 'read/write': 'false' } },
      { type: 'volume', action: 'unmount', name: v1, attrs: { container: id, driver: 'local' } },
      { type: 'volume', action: 'unmount', name: v2, attrs: { container: id, driver: 'local' } },
    ]);
    // the mounts come before the container's start, the unmounts after its exit
    const all = ok(await dk(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--filter', 'type=container', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}']));
    const seq = all.split('\n').filter((l) => l === `volume mount ${v1}` || l === `container start ${id}`);
    assert.deepEqual(seq, [`volume mount ${v1}`, `container start ${id}`], all);
    ok(await dk(['rm', c]));
    ok(await dk(['volume', 'rm', v1, v2]));
  });
});
