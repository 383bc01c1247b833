// End-to-end: hostile input beyond hostile-input.test.ts and bad-input.test.ts. Dockerfiles: a line
// over Docker's 64 KiB scanner limit is refused with Docker's message; ${A:-${B:-…}} words nesting
// ten thousand deep are expanded as Docker's lexer does, in linear time (the daemon is not frozen).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { ok } from '../helpers/util.ts';
import { build, contextsRemovedAfter } from '../helpers/build.ts';

const skip = e2eSkipReason();

describe('hostile input, more', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args);
  const ctx = contextsRemovedAfter();

  test('a Dockerfile line of 65,536 bytes: refused as Docker does; 65,535 bytes: built', T, async () => {
    const line = (n: number) => `LABEL x=${'a'.repeat(n - 'LABEL x='.length)}`;
    const bad = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\n${line(65_536)}\n` }));
    assert.equal(bad.code, 1, bad.all);
    assert.match(bad.stderr, /Error response from daemon: failed to parse Dockerfile: dockerfile line greater than max allowed size of 65535/);
    const tag = 'berth-hostile-longline:1';
    const good = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\n${line(65_535)}\n` }), ['-t', tag]);
    assert.equal(good.code, 0, good.all);
    ok(await dk(['rmi', tag]));
  });

  test('a Dockerfile word nesting ${Z:-…} 10,000 deep: expanded, in seconds', T, async () => {
    // (10,000 levels of 6 bytes: just under the 64 KiB line limit)
    const depth = 10_000;
    const nested = '${Z:-'.repeat(depth) + '${B}' + '}'.repeat(depth);
    const tag = 'berth-hostile-nested:1';
    const started = Date.now();
    const r = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nENV B=deep\nENV X=${nested} Y=\${Z:-\${B}x}\n` }), ['-t', tag]);
    assert.equal(r.code, 0, r.all);
    // (a lexer that rescans the rest of the line at each level took about a minute here, the
    // daemon's only thread busy all that time)
    assert.ok(Date.now() - started < 60_000, `the build took ${Date.now() - started} ms`);
    const env = ok(await dk(['image', 'inspect', '-f', '{{json .Config.Env}}', tag]));
    const vars = JSON.parse(env) as string[];
    assert.ok(vars.includes('X=deep'), env);
    assert.ok(vars.includes('Y=deepx'), env);
    ok(await dk(['rmi', tag]));
  });
});
