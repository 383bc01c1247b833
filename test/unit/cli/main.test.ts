// The berth binary's own behaviour that needs no daemon: errors, help, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../../bin/berth');

function berth(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, BERTH_HOST: 'unix:///nonexistent/berth-test.sock', BERTH_NO_AUTOSTART: '1' }, timeout: 20000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('unknown command', () => {
  const r = berth('foo');
  assert.equal(r.code, 1);
  assert.equal(r.err, "berth: unknown command: berth foo\n\nRun 'berth --help' for more information\n");
  assert.equal(berth('network', 'foo').err, "berth: unknown command: berth network foo\n\nUsage:  berth network\n\nRun 'berth network --help' for more information\n");
});

test('unknown flags exit 125 with a pointer to the help', () => {
  // docker 28's FlagErrorFunc
  assert.deepEqual(berth('run', '--foo'), { code: 125, out: '', err: "unknown flag: --foo\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth run --help' for more information\n" });
  assert.deepEqual(berth('container', 'run', '-z', 'x'), { code: 125, out: '', err: "unknown shorthand flag: 'z' in -z\n\nUsage:  berth container run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth container run --help' for more information\n" });
  assert.deepEqual(berth('--bogus'), { code: 125, out: '', err: "unknown flag: --bogus\n\nUsage:  berth [OPTIONS] COMMAND [ARG...]\n\nRun 'berth --help' for more information\n" });
  assert.deepEqual(berth('network', '--bogus'), { code: 125, out: '', err: "unknown flag: --bogus\n\nUsage:  berth network\n\nRun 'berth network --help' for more information\n" });
});

test('argument counts', () => {
  const r = berth('run');
  assert.equal(r.code, 1);
  // docker 28's cli.RequiresMinArgs ("See"), NoArgs and ExactArgs ("Run")
  assert.equal(r.err, `berth: 'berth run' requires at least 1 argument\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'berth run --help' for more information\n`);
  assert.equal(berth('ps', 'x').err, `berth: 'berth ps' accepts no arguments\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n`);
  assert.equal(berth('rename', 'a').err, `berth: 'berth rename' requires 2 arguments\n\nUsage:  berth rename CONTAINER NEW_NAME\n\nRun 'berth rename --help' for more information\n`);
});

test('daemon down: one clear line, exit 1', () => {
  const r = berth('ps');
  assert.equal(r.code, 1);
  assert.equal(r.err, 'Cannot connect to the Berth daemon at unix:///nonexistent/berth-test.sock. Is the daemon running?\n');
});

test('help output', () => {
  const root = berth('--help');
  assert.equal(root.code, 0);
  assert.match(root.out, /^Usage:  berth \[OPTIONS\] COMMAND\n/);
  assert.match(root.out, /\n  run         Create and run a new container from an image\n/);
  const run = berth('run', '--help');
  assert.match(run.out, /^Usage:  berth run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]\n\nCreate and run a new container from an image\n\nAliases:\n  berth container run, berth run\n/);
  assert.match(run.out, /\n  -h, --hostname string +Container host name\n/);
  assert.match(run.out, /\n      --help +Print usage\n/);
  const group = berth('container');
  assert.match(group.out, /^Usage:  berth container COMMAND\n\nManage containers\n/);
});

test('completion scripts are valid shell', () => {
  const bash = berth('completion', 'bash');
  assert.equal(bash.code, 0);
  assert.match(bash.out, /complete -o default -F _berth berth/);
  const check = spawnSync('bash', ['-n'], { input: bash.out, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const zsh = berth('completion', 'zsh');
  assert.match(zsh.out, /^#compdef berth/);
});
