// Which stages a target needs; the platform ARGs; the stage scheduler and its ordered output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../../src/build/dockerfile.ts';
import { neededStages, stageDeps } from '../../../src/build/stages.ts';
import { platformArgs } from '../../../src/build/platform.ts';
import { OrderedOutput, runGraph } from '../../../src/build/schedule.ts';

test('only the stages the target uses (FROM, COPY --from, RUN --mount from=), transitively', () => {
  const df = parseDockerfile('ARG B=base\nFROM x AS base\nFROM x AS unused\nFROM ${B} AS mid\nFROM x AS tool\nFROM x AS cached\nFROM x\nCOPY --from=mid /a /a\nRUN --mount=type=bind,from=tool,target=/t true\n');
  const id = (s: string) => s.replace('${B}', 'base');
  const names = neededStages(df.stages, df.stages.length - 1, id).map((s) => s.name ?? String(s.index));
  assert.deepEqual(names, ['base', 'mid', 'tool', '5']);
  const needed = neededStages(df.stages, df.stages.length - 1, id);
  assert.deepEqual(stageDeps(needed, needed[3]!, id), [1, 2]);
  assert.deepEqual(stageDeps(needed, needed[1]!, id), [0]);
});

test('platform ARGs as BuildKit predefines them', () => {
  const host = platformArgs();
  assert.equal(host.TARGETPLATFORM, host.BUILDPLATFORM);
  const arm = platformArgs('linux/arm/v6');
  assert.deepEqual([arm.TARGETPLATFORM, arm.TARGETOS, arm.TARGETARCH, arm.TARGETVARIANT], ['linux/arm/v6', 'linux', 'arm', 'v6']);
  assert.equal(platformArgs('linux/arm64').TARGETVARIANT, '');
});

test('stages run concurrently after their dependencies; output comes out in lane order; the first failure wins', async () => {
  const lines: string[] = [];
  const out = new OrderedOutput(3, (t) => lines.push(t));
  const order: string[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const res = await runGraph([
    { deps: [], run: async () => (await sleep(30), out.lane(0)('a'), order.push('a'), out.finish(0), 'a') },
    { deps: [], run: async () => (out.lane(1)('b'), order.push('b'), out.finish(1), 'b') },
    { deps: [0, 1], run: async () => (out.lane(2)('c'), order.push('c'), out.finish(2), 'c') },
  ]);
  assert.deepEqual(res, ['a', 'b', 'c']);
  assert.deepEqual(order, ['b', 'a', 'c']);
  assert.deepEqual(lines, ['a', 'b', 'c']);
  let started = false;
  await assert.rejects(
    runGraph([
      { deps: [], run: async () => Promise.reject(new Error('stage failed')) },
      { deps: [0], run: async () => ((started = true), 'x') },
    ]),
    /stage failed/,
  );
  assert.equal(started, false);
});
