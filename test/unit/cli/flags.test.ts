import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, flagUsages, FlagError, type FlagSpec } from '../../../src/cli/flags.ts';
import { RUN_FLAGS } from '../../../src/cli/container-opts.ts';

const specs: FlagSpec[] = [
  { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open' },
  { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a TTY' },
  { name: 'detach', short: 'd', kind: 'bool', usage: 'Detach' },
  { name: 'env', short: 'e', kind: 'list', usage: 'Env' },
  { name: 'publish', short: 'p', kind: 'list', usage: 'Ports' },
  { name: 'name', kind: 'string', usage: 'Name' },
  { name: 'memory', short: 'm', kind: 'bytes', usage: 'Memory limit', typeName: 'bytes' },
  { name: 'cpus', kind: 'decimal', usage: 'CPUs' },
  { name: 'sig-proxy', kind: 'bool', usage: 'Proxy', def: true },
  { name: 'stop-timeout', kind: 'int', usage: 'Timeout' },
  { name: 'sysctl', kind: 'map', usage: 'Sysctls', typeName: 'map' },
];

test('long, short, combined and attached values', () => {
  const p = parseFlags(['-it', '-e', 'A=1', '-eB=2', '-e=C=3', '--env=D=4', '-p8080:80', '--name', 'web', '-dm', '512m', 'busybox'], specs);
  assert.equal(p.values.interactive, true);
  assert.equal(p.values.tty, true);
  assert.equal(p.values.detach, true);
  assert.deepEqual(p.values.env, ['A=1', 'B=2', 'C=3', 'D=4']);
  assert.deepEqual(p.values.publish, ['8080:80']);
  assert.equal(p.values.name, 'web');
  assert.equal(p.values.memory, 512 * 1024 * 1024);
  assert.deepEqual(p.args, ['busybox']);
  assert.ok(p.changed.has('name') && !p.changed.has('cpus'));
});

test('booleans take =value only; defaults stay unless changed', () => {
  const p = parseFlags(['--sig-proxy=false', '-d=true', '--sysctl', 'a.b=1', '--sysctl', 'c=2'], specs);
  assert.equal(p.values['sig-proxy'], false);
  assert.equal(p.values.detach, true);
  assert.deepEqual(p.values.sysctl, { 'a.b': '1', c: '2' });
  assert.equal(parseFlags([], specs).values['sig-proxy'], true);
});

test('non-interspersed parsing stops at the first positional; -- ends flags', () => {
  const p = parseFlags(['-i', 'busybox', 'ls', '-l', '--name', 'x'], specs, { interspersed: false });
  assert.deepEqual(p.args, ['busybox', 'ls', '-l', '--name', 'x']);
  assert.equal(p.values.name, undefined);
  const q = parseFlags(['a', '--name', 'n', 'b'], specs);
  assert.deepEqual(q.args, ['a', 'b']);
  assert.equal(q.values.name, 'n');
  assert.deepEqual(parseFlags(['--', '-i'], specs).args, ['-i']);
  assert.deepEqual(parseFlags(['-'], specs).args, ['-']);
});

test("errors read like pflag's", () => {
  const err = (argv: string[]) => {
    try {
      parseFlags(argv, specs);
    } catch (e) {
      assert.ok(e instanceof FlagError);
      return e.message;
    }
    return '';
  };
  assert.equal(err(['--foo']), 'unknown flag: --foo');
  assert.equal(err(['--foo=1']), 'unknown flag: --foo');
  assert.equal(err(['-z']), "unknown shorthand flag: 'z' in -z");
  assert.equal(err(['-iz']), "unknown shorthand flag: 'z' in -iz");
  assert.equal(err(['--name']), 'flag needs an argument: --name');
  assert.equal(err(['-e']), "flag needs an argument: 'e' in -e");
  assert.equal(err(['--memory', 'abc']), `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`);
  assert.equal(err(['--cpus', 'x']), 'invalid argument "x" for "--cpus" flag: failed to parse x as a rational number');
  assert.equal(err(['--stop-timeout', '1.5']), 'invalid argument "1.5" for "--stop-timeout" flag: strconv.ParseInt: parsing "1.5": invalid syntax');
  assert.equal(err(['--sig-proxy=maybe']), 'invalid argument "maybe" for "--sig-proxy" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
  assert.equal(err(['---x']), 'bad flag syntax: ---x');
});

test('run flags: docker validations', () => {
  assert.throws(() => parseFlags(['-a', 'stdfoo'], RUN_FLAGS), /invalid argument "stdfoo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR/);
  assert.throws(() => parseFlags(['--pull', 'sometimes'], RUN_FLAGS), /invalid pull option/);
  assert.throws(() => parseFlags(['--ulimit', 'nofile=10:5'], RUN_FLAGS), /soft limit must be less than or equal to hard limit/);
  assert.deepEqual(parseFlags(['--ulimit', 'nofile=1024:2048'], RUN_FLAGS).values.ulimit, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
});

test('help lists flags aligned like pflag, with defaults', () => {
  const text = flagUsages(specs.slice(0, 9));
  const lines = text.split('\n');
  assert.equal(lines[0], '      --cpus decimal   CPUs');
  assert.ok(lines.includes('  -d, --detach         Detach'));
  assert.ok(lines.includes('      --sig-proxy      Proxy (default true)'));
});
