// End-to-end: the Dockerfile syntax of docker/dockerfile:1 through the classic build protocol — flags
// validated with Docker's messages, parser directives, heredocs in RUN/COPY.
//
// dockerd 20.10's classic builder knows neither heredocs nor # syntax= (it ignores the directive, and
// parses heredoc bodies as instructions): where it differs, the test checks what it does and says what
// current Docker (BuildKit's frontend, docker/dockerfile:1) does, which Berth follows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';
import { build, contextsRemovedAfter } from '../helpers/build.ts';

const skip = e2eSkipReason();

describe('build: Dockerfile syntax', SUITE(skip), () => {
  const t = e2e();
  const ctx = contextsRemovedAfter();
  const run = async (image: string, cmd: string) => ok(await docker(t.d.env, ['run', '--rm', image, 'sh', '-c', cmd]));

  test('an unknown or malformed flag fails the request before any step, with Docker\'s message and the line', T, async () => {
    // current Docker's classic builder (BuildKit's parser) says "dockerfile parse error on line N: ";
    // dockerd 20.10 said "dockerfile parse error line N: "
    const on = REAL_DOCKER ? '' : 'on ';
    const cases: [string, RegExp][] = [
      [`FROM ${t.image}\nRUN --bogus=1 true\n`, new RegExp(`dockerfile parse error ${on}line 2: Unknown flag: bogus`)],
      [`FROM ${t.image}\nENV --foo=1 A=b\n`, new RegExp(`dockerfile parse error ${on}line 2: Unknown flag: foo`)],
      [`FROM --bogus=1 ${t.image}\n`, new RegExp(`dockerfile parse error ${on}line 1: Unknown flag: bogus`)],
      [`FROM ${t.image}\nHEALTHCHECK --bogus=1 CMD true\n`, new RegExp(`dockerfile parse error ${on}line 2: Unknown flag: bogus`)],
      [`FROM ${t.image}\nCOPY --from=a --from=b a.txt /x/\n`, new RegExp(`dockerfile parse error ${on}line 2: Duplicate flag specified: from`)],
      [`FROM ${t.image}\nCOPY --from a.txt /x/\n`, new RegExp(`dockerfile parse error ${on}line 2: Missing a value on flag: from`)],
    ];
    const images = ok(await docker(t.d.env, ['images', '-aq'])).trim();
    for (const [df, re] of cases) {
      const r = await build(t.d.env, ctx({ Dockerfile: df, 'a.txt': 'a\n' }));
      assert.equal(r.code, 1, r.all);
      assert.match(r.stderr, re);
      // refused as a 400, before the stream: no "Step" line
      assert.match(r.stderr, /Error response from daemon: dockerfile parse error/);
      assert.doesNotMatch(r.stdout, /Step 1/);
    }
    assert.equal(ok(await docker(t.d.env, ['images', '-aq'])).trim(), images, 'no image is left');
  });

  test('# syntax=docker/dockerfile:1 and # check= are accepted; another frontend is refused', T, async () => {
    const tag = uniq('syntax');
    ok(await build(t.d.env, ctx({ Dockerfile: `# syntax=docker/dockerfile:1.7\n# check=skip=all\nFROM ${t.image}\nRUN echo ok > /ok\n` }), ['-t', tag]));
    assert.equal(await run(tag, 'cat /ok'), 'ok\n');
    const r = await build(t.d.env, ctx({ Dockerfile: `# syntax=example.com/other/frontend:1\nFROM ${t.image}\n` }));
    if (REAL_DOCKER) {
      // dockerd 20.10's classic builder ignores the directive; BuildKit would run that frontend image.
      // Berth cannot run a frontend image, so it refuses rather than ignore it.
      assert.equal(r.code, 0, r.all);
    } else {
      assert.equal(r.code, 1, r.all);
      assert.match(r.stderr, /unsupported Dockerfile frontend "example\.com\/other\/frontend:1"/);
    }
  });

  test('heredocs: RUN <<EOF, a script with its own shebang, several heredocs on one line, <<-, COPY with and without expansion', T, async () => {
    const df = `# syntax=docker/dockerfile:1
FROM ${t.image}
ARG NAME=world
RUN <<EOF
echo "hello $NAME" > /one
echo second line >> /one
EOF
RUN <<EOT
#!/bin/sh
echo "script $0" > /two
EOT
RUN cat <<A >/three && cat <<-B >>/three
first
A
\t\tsecond
\tB
COPY <<EXP /four
expanded $NAME
EXP
COPY <<"RAW" /five/
raw $NAME
RAW
`;
    const tag = uniq('heredoc');
    const r = await build(t.d.env, ctx({ Dockerfile: df }), ['-t', tag]);
    if (REAL_DOCKER) {
      // dockerd 20.10 reads the first heredoc body line as an instruction; BuildKit (docker/dockerfile:1.4+) runs heredocs.
      assert.equal(r.code, 1);
      assert.match(r.stderr, /dockerfile parse error line 5: unknown instruction: ECHO/);
      return;
    }
    assert.equal(r.code, 0, r.all);
    assert.equal(await run(tag, 'cat /one'), 'hello world\nsecond line\n');
    // BuildKit runs a heredoc with #! as a file of its own, /dev/pipes/<name>
    assert.equal(await run(tag, 'cat /two'), 'script /dev/pipes/EOT\n');
    assert.equal(await run(tag, 'cat /three'), 'first\nsecond\n');
    assert.equal(await run(tag, 'cat /four; stat -c %a /four'), 'expanded world\n644\n');
    assert.equal(await run(tag, 'cat /five/RAW'), 'raw $NAME\n');
    // a heredoc without its terminator: BuildKit's parse error, nothing built
    const bad = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN <<EOF\necho never ends\n` }));
    assert.equal(bad.code, 1);
    // (current Docker: the parser's error, "failed to parse Dockerfile: unterminated heredoc")
    assert.match(bad.stderr, /Error response from daemon: failed to parse Dockerfile: unterminated heredoc/);
  });
});
