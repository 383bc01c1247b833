import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges, expandWord } from '../../../src/images/config-changes.ts';

test('CMD and ENTRYPOINT: JSON form as is, shell form wrapped in /bin/sh -c', () => {
  assert.deepEqual(applyChanges({}, ['CMD ["sh", "-c", "echo hi"]']).Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(applyChanges({}, ['CMD echo "hi there"']).Cmd, ['/bin/sh', '-c', 'echo "hi there"']);
  assert.deepEqual(applyChanges({ Shell: ['/bin/bash', '-c'] }, ['CMD ls']).Cmd, ['/bin/bash', '-c', 'ls']);
  assert.deepEqual(applyChanges({}, ['ENTRYPOINT ["/init"]']).Entrypoint, ['/init']);
  // A new ENTRYPOINT resets CMD, unless CMD is set in the same changes.
  assert.equal(applyChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["/init"]']).Cmd, null);
  assert.deepEqual(applyChanges({ Cmd: ['sh'] }, ['CMD ["x"]', 'ENTRYPOINT ["/init"]']).Cmd, ['x']);
  assert.deepEqual(applyChanges({}, ['CMD [not json']).Cmd, ['/bin/sh', '-c', '[not json']);
  assert.throws(() => applyChanges({}, ['CMD [1, 2]']), /arrays must be comprised of strings only/);
});

test('ENV and LABEL: key=value pairs with quotes, legacy form, substitution', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'A=old'] }, ['ENV A=new B="two words" C=${A}-x', 'ENV D legacy value here']);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=new', 'B=two words', 'C=old-x', 'D=legacy value here']);
  const l = applyChanges({ Env: ['V=1'] }, ['LABEL a=b "c d"="e f" v=$V']);
  assert.deepEqual(l.Labels, { a: 'b', 'c d': 'e f', v: '1' });
  assert.throws(() => applyChanges({}, ['ENV onlykey']), /ENV must have two arguments/);
  assert.throws(() => applyChanges({}, ['ENV a=b c']), /can't find = in "c"/);
});

test('EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, ONBUILD', () => {
  const c = applyChanges({ Env: ['P=9000'], WorkingDir: '/srv' }, [
    'EXPOSE 80 443/udp 8000-8001 $P',
    'VOLUME ["/data", "/logs"]',
    'VOLUME /cache',
    'USER nobody:nogroup',
    'WORKDIR app',
    'STOPSIGNAL SIGINT',
    'ONBUILD RUN echo hi',
  ]);
  assert.deepEqual(Object.keys(c.ExposedPorts!).sort(), ['443/udp', '80/tcp', '8000/tcp', '8001/tcp', '9000/tcp']);
  assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs', '/cache']);
  assert.equal(c.User, 'nobody:nogroup');
  assert.equal(c.WorkingDir, '/srv/app');
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.OnBuild, ['RUN echo hi']);
  assert.equal(applyChanges({ WorkingDir: '/srv' }, ['WORKDIR /abs/../x']).WorkingDir, '/x');
  assert.throws(() => applyChanges({}, ['STOPSIGNAL NOPE']), /Invalid signal: NOPE/);
  assert.throws(() => applyChanges({}, ['EXPOSE 80/xyz']), /invalid proto: xyz/);
  assert.throws(() => applyChanges({}, ['USER a b']), /USER requires exactly one argument/);
});

test('HEALTHCHECK', () => {
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://x/']).Healthcheck, {
    Test: ['CMD-SHELL', 'curl -f http://x/'],
    Interval: 5e9,
    Retries: 3,
  });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD ["true"]']).Healthcheck, { Test: ['CMD', 'true'] });
});

test('only commit instructions are allowed; the input config is not modified', () => {
  assert.throws(() => applyChanges({}, ['RUN echo hi']), { message: 'run is not a valid change command' });
  assert.throws(() => applyChanges({}, ['FROM busybox']), { message: 'from is not a valid change command' });
  const orig = { Env: ['A=1'] };
  applyChanges(orig, ['ENV A=2']);
  assert.deepEqual(orig.Env, ['A=1']);
  // Continuation lines and comments, as in a Dockerfile.
  assert.deepEqual(applyChanges({}, ['# comment\nENV A=1 \\\n  B=2']).Env, ['A=1', 'B=2']);
});

test('word expansion', () => {
  const env = new Map([
    ['A', 'x'],
    ['E', ''],
  ]);
  assert.equal(expandWord('$A${A}', env), 'xx');
  assert.equal(expandWord("'$A'", env), '$A');
  assert.equal(expandWord('"$A y"', env), 'x y');
  assert.equal(expandWord('\\$A', env), '$A');
  assert.equal(expandWord('${U:-def}', env), 'def');
  assert.equal(expandWord('${E:-def}', env), 'def');
  assert.equal(expandWord('${E-def}', env), '');
  assert.equal(expandWord('${A:+alt}', env), 'alt');
  assert.equal(expandWord('${U:+alt}', env), '');
});
