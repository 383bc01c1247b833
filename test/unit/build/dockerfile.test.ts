// The Dockerfile parser: directives, continuations, flags validated per instruction (Docker's messages
// with the line number), heredocs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile, checkSyntax } from '../../../src/build/dockerfile.ts';

const parse = (s: string) => parseDockerfile(s);
const fails = (s: string, re: RegExp) => assert.throws(() => parse(s), (e: Error) => (assert.match(e.message, re), true));

test('unknown flags fail with "Unknown flag: X" and the line, on every instruction', () => {
  fails('FROM x\nRUN --bogus=1 true\n', /^dockerfile parse error on line 2: Unknown flag: bogus$/);
  fails('FROM x\nENV --foo=1 A=b\n', /line 2: Unknown flag: foo/);
  fails('FROM --bogus=1 x\n', /line 1: Unknown flag: bogus/);
  fails('FROM x\nHEALTHCHECK --bogus=1 CMD true\n', /line 2: Unknown flag: bogus/);
  fails('FROM x\nCOPY --mount=type=cache a b\n', /line 2: Unknown flag: mount/);
  fails('FROM x\nADD --parents a b\n', /line 2: Unknown flag: parents/);
});

test('flag values: duplicates, missing values, booleans, list flags, RUN --network/--security', () => {
  fails('FROM x\nCOPY --from=a --from=b a /x/\n', /line 2: Duplicate flag specified: from/);
  fails('FROM x\nCOPY --from a /x/\n', /line 2: Missing a value on flag: from/);
  fails('FROM x\nCOPY --link=maybe a /x/\n', /expecting boolean value for flag link, not: maybe/);
  fails('FROM x\nRUN --network=bridge true\n', /line 2: unsupported network mode "bridge"/);
  fails('FROM x\nRUN --security=weird true\n', /unsupported security mode "weird"/);
  const df = parse('FROM x\nRUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none true\nCOPY --link --parents --exclude=*.md --exclude=b a/ /x/\n');
  const [run, copy] = df.stages[0]!.instructions;
  assert.deepEqual(run!.lists.mount, ['type=cache,target=/c', 'type=tmpfs,target=/t']);
  assert.equal(run!.flags.network, 'none');
  assert.equal(run!.args, 'true');
  assert.deepEqual(copy!.flags, { link: 'true', parents: 'true' });
  assert.deepEqual(copy!.lists.exclude, ['*.md', 'b']);
  // a bare -- ends the flags
  assert.equal(parse('FROM x\nCOPY -- --weird /x/\n').stages[0]!.instructions[0]!.args, '--weird /x/');
});

test('directives: syntax accepts docker/dockerfile:1..., refuses other frontends; escape; check', () => {
  for (const ok of ['docker/dockerfile:1', 'docker/dockerfile:1.7', 'docker/dockerfile:1.7-labs', 'docker.io/docker/dockerfile:1', 'docker/dockerfile', 'docker/dockerfile:labs']) checkSyntax(ok);
  for (const bad of ['foo/bar', 'docker/dockerfile:0.1', 'tonistiigi/dockerfile:x', 'docker/dockerfile:2']) assert.throws(() => checkSyntax(bad), /unsupported Dockerfile frontend/);
  fails('# syntax=foo/bar\nFROM x\n', /unsupported Dockerfile frontend "foo\/bar"/);
  const df = parse('# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM x\nRUN echo a `\n  b\n');
  assert.equal(df.escape, '`');
  assert.equal(df.stages[0]!.instructions[0]!.args, 'echo a   b');
  // a directive after a comment is a comment
  assert.equal(parse('# hello\n# escape=`\nFROM x\nRUN a \\\nb\n').escape, '\\');
  fails('# escape=x\nFROM x\n', /invalid escape token 'x'/);
  fails('# escape=`\n# escape=`\nFROM x\n', /only one escape parser directive can be used/);
});

test('continuations skip comment and empty lines; line numbers are the first line', () => {
  const df = parse('FROM x\nRUN echo a \\\n# comment\n\n  && echo b\nFOO\n'.replace('FOO\n', 'CMD c\n'));
  const [run, cmd] = df.stages[0]!.instructions;
  assert.equal(run!.args, 'echo a   && echo b');
  assert.equal(run!.line, 2);
  assert.equal(cmd!.line, 6);
  fails('FROM x\nRUN true\nFOO bar\n', /^dockerfile parse error on line 3: unknown instruction: foo \(did you mean from\?\)$/);
});

test('heredocs: <<EOF, <<-EOF, quoted delimiters, several on one line, in RUN/COPY/ADD only', () => {
  const df = parse('FROM x\nRUN <<EOF\necho $A\nEOF\nCOPY <<-"END" <<two /dst/\n\tquoted $A\n\tEND\nsecond\ntwo\nRUN echo after\n');
  const [run, copy, after] = df.stages[0]!.instructions;
  assert.deepEqual(run!.heredocs, [{ name: 'EOF', content: 'echo $A\n', chomp: false, expand: true }]);
  assert.deepEqual(copy!.heredocs, [
    { name: 'END', content: '\tquoted $A\n', chomp: true, expand: false },
    { name: 'two', content: 'second\n', chomp: false, expand: true },
  ]);
  assert.equal(after!.args, 'echo after');
  assert.equal(after!.line, 10);
  fails('FROM x\nRUN <<EOF\necho never ends\n', /^failed to parse Dockerfile: unterminated heredoc$/);
  // "<< EOF" (a space) is not a heredoc; nor is a heredoc word in CMD
  assert.deepEqual(parse('FROM x\nRUN cat << EOF\n').stages[0]!.instructions[0]!.heredocs, []);
  assert.equal(parse('FROM x\nCMD cat <<EOF\n').stages[0]!.instructions.length, 1);
});

test('a physical line over 65,535 bytes is refused with the scanner limit Docker reports', () => {
  fails(`FROM x\nLABEL a=${'é'.repeat(32_765)}\n`, /^failed to parse Dockerfile: dockerfile line greater than max allowed size of 65535$/);
  assert.equal(parse(`FROM x\nLABEL a=${'é'.repeat(32_763)}\n`).stages.length, 1);
});
