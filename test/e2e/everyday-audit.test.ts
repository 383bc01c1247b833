// End-to-end: everyday docker CLI commands whose output the differential audit (test/audit/) found
// different from dockerd, checked byte for byte: system df's counts, docker update's memoryswap
// rule, create-time refusals (unknown capabilities, -h with --uts host, unknown mount types),
// rename and exec-on-paused messages, logs --tail that is not a number, --group-add of a missing
// group, volume create errors, and the classic builder's history lines and refusals. Run against
// berthd and, with BERTH_E2E_DAEMON=dockerd, Debian's dockerd 20.10 (where 20.10 is older than
// Docker 28, the test says so and branches on REAL_DOCKER).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, CLI_NAME } from '../helpers/docker.ts';
import { build, contextsRemovedAfter } from '../helpers/build.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();

describe('everyday CLI output as dockerd prints it', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  const ctx = contextsRemovedAfter();
  /** exit code and stderr exactly */
  const refused = async (args: string[], code: number, stderr: string, input?: string) => {
    const r = await dk(args, { input });
    assert.equal(r.stderr, stderr, `docker ${args.join(' ')}`);
    assert.equal(r.code, code, `docker ${args.join(' ')}`);
    assert.equal(r.stdout, '');
  };
  const runHelp = `\nRun '${CLI_NAME} run --help' for more information\n`;
  const createHelp = ''; // docker create prints no hint

  test('system df counts top-level images and the ones containers use', T, async () => {
    const c = uniq('df');
    ok(await dk(['create', '--name', c, t.image, 'true']));
    // an intermediate image of a classic build is not counted
    const tag = uniq('dfimg');
    ok(await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nRUN echo x > /x\nRUN echo y > /y\n` }), ['-q', '-t', tag]));
    const images = ok(await dk(['images', '-q'])).split('\n').filter(Boolean);
    const line = ok(await dk(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}'])).split('\n')[0];
    assert.equal(line, `Images ${new Set(images).size} 1`);
    const v = ok(await dk(['system', 'df', '-v', '--format', '{{json .Images}}']));
    const mine = (JSON.parse(v) as { Repository: string; Containers: string }[]).find((i) => `${i.Repository}:latest` === t.image);
    assert.equal(mine?.Containers, '1');
    ok(await dk(['rm', c]));
    ok(await dk(['rmi', tag]));
  });

  test('update: a first --memory needs --memory-swap (dockerd\'s rule), then limits change', T, async () => {
    const c = uniq('upd');
    const id = ok(await dk(['run', '-d', '--name', c, t.image, 'sleep', '60'])).trim();
    await refused(['update', '--memory', '64m', c], 1, `Error response from daemon: Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n`);
    assert.equal(ok(await dk(['update', '--memory', '64m', '--memory-swap', '128m', c])), `${c}\n`);
    await refused(['update', '--memory', '256m', c], 1, `Error response from daemon: Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n`);
    assert.equal(ok(await dk(['update', '--memory', '96m', c])), `${c}\n`);
    assert.equal(ok(await dk(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}', c])), `${96 << 20} ${128 << 20}\n`);
    ok(await dk(['rm', '-f', c]));
  });

  test('create refuses unknown capabilities, -h with --uts host and unknown mount types', T, async () => {
    await refused(['create', '--cap-add', 'bogus', t.image], 1, `Error response from daemon: invalid CapAdd: unknown capability: "CAP_BOGUS"\n${createHelp}`);
    await refused(['create', '--cap-drop', 'net_bogus', t.image], 1, `Error response from daemon: invalid CapDrop: unknown capability: "CAP_NET_BOGUS"\n${createHelp}`);
    await refused(['run', '--rm', '--uts', 'host', '-h', 'x', t.image, 'true'], 125, `${CLI_NAME}: Error response from daemon: conflicting options: hostname and the UTS mode\n${runHelp}`);
    await refused(['run', '--rm', '--mount', 'type=bogus,dst=/t', t.image, 'true'], 125, `${CLI_NAME}: Error response from daemon: invalid mount config for type "bogus": mount type unknown\n${runHelp}`);
    // lower case and the CAP_ prefix are fine
    ok(await dk(['run', '--rm', '--cap-add', 'net_admin', '--cap-drop', 'CAP_CHOWN', t.image, 'true']));
  });

  test('rename to an invalid name and exec in a paused container, in dockerd\'s words', T, async () => {
    const c = uniq('ren');
    const id = ok(await dk(['run', '-d', '--name', c, t.image, 'sleep', '60'])).trim();
    await refused(['rename', c, 'bad/name'], 1, `Error response from daemon: Error when allocating new name: Invalid container name (/bad/name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\nError: failed to rename container named ${c}\n`);
    await refused(['rename', c, `/${c}`], 1, `Error response from daemon: Renaming a container with the same name as its current name\nError: failed to rename container named ${c}\n`);
    ok(await dk(['pause', c]));
    // the container as the client named it
    await refused(['exec', c, 'true'], 1, `Error response from daemon: Container ${c} is paused, unpause the container before exec\n`);
    await refused(['exec', id.slice(0, 12), 'true'], 1, `Error response from daemon: Container ${id.slice(0, 12)} is paused, unpause the container before exec\n`);
    ok(await dk(['unpause', c]));
    ok(await dk(['rm', '-f', c]));
  });

  test('cp and load of what is not a tar: Go\'s archive/tar words, as current dockerd passes them on', T, async () => {
    const c = uniq('cpx');
    ok(await dk(['create', '--name', c, t.image, 'true']));
    // dockerd 20.10's re-exec'd unpacker prefixed "Error processing tar file(exit status 1): "
    const prefix = REAL_DOCKER ? 'Error processing tar file(exit status 1): ' : '';
    await refused(['cp', '-', `${c}:/tmp`], 1, `Error response from daemon: ${prefix}unexpected EOF\n`, 'not a tar');
    await refused(['load'], 1, `${prefix}unexpected EOF\n`, 'not a tar');
    // save of a missing bare name: dockerd's image store names the term as given
    await refused(['save', 'nosuchimage'], 1, 'Error response from daemon: No such image: nosuchimage\n');
    ok(await dk(['rm', c]));
  });

  test('logs --tail: an integer counts lines from the end; anything else, or a negative count, is every line', T, async () => {
    const c = uniq('tail');
    ok(await dk(['run', '--name', c, t.image, 'sh', '-c', 'echo 1; echo 2; echo 3']));
    assert.equal(ok(await dk(['logs', '--tail', '2', c])), '2\n3\n');
    assert.equal(ok(await dk(['logs', '--tail', '0', c])), '');
    for (const v of ['bogus', '-1', '1.5', 'all']) assert.equal(ok(await dk(['logs', '--tail', v, c])), '1\n2\n3\n', `--tail ${v}`);
    ok(await dk(['rm', c]));
  });

  test('--group-add of a missing group, a bad log option; volume create errors name the volume', T, async () => {
    await refused(['run', '--rm', '--group-add', 'nosuchgroup', t.image, 'id'], 125, `${CLI_NAME}: Error response from daemon: Unable to find group nosuchgroup: no matching entries in group file\n${runHelp}`);
    // dockerd fails the start (the container stays created); Berth refuses at create, in the same words
    const lo = uniq('logopt');
    await refused(['run', '--name', lo, '--log-opt', 'max-size=bogus', t.image, 'true'], 125, `${CLI_NAME}: Error response from daemon: failed to initialize logging driver: invalid size: 'bogus'\n${runHelp}`);
    await dk(['rm', '-f', lo]);
    const v = uniq('vol');
    await refused(['volume', 'create', '-d', 'bogus', v], 1, `Error response from daemon: create ${v}: error looking up volume plugin bogus: plugin "bogus" not found\n`);
    await refused(['volume', 'create', '-o', 'bogus=1', v], 1, `Error response from daemon: create ${v}: invalid option: "bogus"\n`);
    await refused(['volume', 'create', '-o', 'type=tmpfs', v], 1, `Error response from daemon: create ${v}: missing required option: "device"\n`);
  });

  test('build: each metadata step\'s history line as the classic builder writes it', T, async () => {
    const tag = uniq('hist');
    const df = [
      `FROM ${t.image}`,
      'ARG A=x',
      'ARG B',
      'EXPOSE 80 90/udp',
      'VOLUME /a /b',
      'ENTRYPOINT ["echo", "q\\"x"]',
      'LABEL "k 1"="v 1" k2=$A',
      'CMD echo $A',
      'SHELL ["/bin/sh", "-e", "-c"]',
      'HEALTHCHECK --interval=90s --timeout=1500ms --retries=2 CMD ["true"]',
      'ONBUILD RUN echo hi',
      'WORKDIR rel',
      'ENV X $A',
      'MAINTAINER me',
      'STOPSIGNAL 9',
      'USER 1:2',
    ].join('\n');
    ok(await build(t.d.env, ctx({ Dockerfile: df + '\n' }), ['-q', '-t', tag]));
    const hist = ok(await dk(['history', '--no-trunc', '--format', '{{.CreatedBy}}', tag])).split('\n').filter(Boolean);
    // dockerd 28 quotes the five fields of the health config (StartInterval is new since 20.10)
    const health = REAL_DOCKER ? `&{["CMD" "true"] "1m30s" "1.5s" "0s" '\\x02'}` : `&{["CMD" "true"] "1m30s" "1.5s" "0s" "0s" '\\x02'}`;
    assert.deepEqual(hist.slice(0, -1), [
      '/bin/sh -e -c #(nop)  USER 1:2',
      '/bin/sh -e -c #(nop)  STOPSIGNAL 9',
      '/bin/sh -e -c #(nop)  MAINTAINER me',
      '/bin/sh -e -c #(nop)  ENV X=x',
      '/bin/sh -e -c #(nop) WORKDIR /rel',
      '/bin/sh -e -c #(nop)  ONBUILD RUN echo hi',
      `/bin/sh -e -c #(nop)  HEALTHCHECK ${health}`,
      '/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]',
      '/bin/sh -c #(nop)  CMD ["/bin/sh" "-c" "echo $A"]',
      '/bin/sh -c #(nop)  LABEL k 1=v 1 k2=x',
      '/bin/sh -c #(nop)  ENTRYPOINT ["echo" "q\\"x"]',
      '/bin/sh -c #(nop)  VOLUME [/a /b]',
      '/bin/sh -c #(nop)  EXPOSE 80 90/udp',
      '/bin/sh -c #(nop)  ARG B',
      '/bin/sh -c #(nop)  ARG A=x',
    ]);
    ok(await dk(['rmi', tag]));
  });

  test('build: a missing --target and a Dockerfile without FROM are refused before the stream', T, async () => {
    const dir = ctx({ Dockerfile: `FROM ${t.image} AS one\nRUN true\n` });
    const r = await build(t.d.env, dir, ['--target', 'nosuch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\nError response from daemon: failed to reach build target nosuch in Dockerfile\n$/);
    assert.doesNotMatch(r.stdout, /Step 1/);
    const r2 = await build(t.d.env, ctx({ Dockerfile: 'RUN true\n' }));
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /\nError response from daemon: no build stage in current context\n$/);
    // current Docker (BuildKit's parser): "on line", the word lower-cased, the nearest instruction suggested;
    // dockerd 20.10: "dockerfile parse error line 2: unknown instruction: RUNN"
    const r3 = await build(t.d.env, ctx({ Dockerfile: `FROM ${t.image}\nrunn true\n` }));
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, REAL_DOCKER ? /\nError response from daemon: dockerfile parse error line 2: unknown instruction: RUNN\n$/ : /\nError response from daemon: dockerfile parse error on line 2: unknown instruction: runn \(did you mean run\?\)\n$/);
  });
});
