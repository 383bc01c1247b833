// End-to-end: a container the runtime cannot start (its command missing, a directory, a file it may
// not execute, a path it may not search), in Docker 28's words: moby's and containerd's prefixes
// around runc's message and containerd's ": unknown", with `docker run` exiting 127 or 126 as the
// CLI derives them from that text, and the container's State.Error/ExitCode as dockerd records them.
// Run against berthd and, with BERTH_E2E_DAEMON=dockerd, Debian's dockerd 20.10, which is older than
// Docker 28: it does not yet say "failed to create task for container: " (the one REAL_DOCKER branch).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker, CLI_NAME } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq } from '../helpers/util.ts';

const skip = e2eSkipReason();
const runHelp = `\nRun '${CLI_NAME} run --help' for more information\n`;
// Docker 28: "failed to create task for container: failed to create shim task: ..."; 20.10 lacks the first part
const prefix = `${REAL_DOCKER ? '' : 'failed to create task for container: '}failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: `;

describe('runtime start failures as Docker 28 words them', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args, { timeoutMs: 60_000 });

  const cases: [string, string[], number, string][] = [
    ['a command not in $PATH', ['nosuch'], 127, 'exec: "nosuch": executable file not found in $PATH'],
    ['a path that does not exist', ['/nosuch'], 127, 'exec: "/nosuch": stat /nosuch: no such file or directory'],
    ['a directory', ['/etc'], 126, 'exec: "/etc": permission denied'],
    ['a file that is not executable', ['/etc/passwd'], 126, 'exec: "/etc/passwd": permission denied'],
  ];
  for (const [what, cmd, code, why] of cases) {
    test(`docker run of ${what}: exit ${code}`, T, async () => {
      const r = await dk(['run', '--rm', t.image, ...cmd]);
      assert.equal(r.stderr, `${CLI_NAME}: Error response from daemon: ${prefix}${why}: unknown\n${runHelp}`);
      assert.equal(r.code, code);
    });
  }

  test('a user that may not search the directory: permission denied, 126', T, async () => {
    // /p is searchable by root only: nobody cannot reach /p/x
    const img = uniq('permimg');
    const b = uniq('permb');
    ok(await dk(['run', '--name', b, t.image, 'sh', '-c', 'mkdir -m 700 /p && cp /bin/true /p/x']));
    ok(await dk(['commit', b, img]));
    ok(await dk(['rm', b]));
    const r = await dk(['run', '--rm', '-u', 'nobody', img, '/p/x']);
    assert.equal(r.stderr, `${CLI_NAME}: Error response from daemon: ${prefix}exec: "/p/x": stat /p/x: permission denied: unknown\n${runHelp}`);
    assert.equal(r.code, 126);
    ok(await dk(['rmi', img]));
  });

  test('docker start: the same words, the container keeps them in State.Error with exit code 127', T, async () => {
    const c = uniq('se');
    ok(await dk(['create', '--name', c, t.image, 'nosuch']));
    const why = `${prefix}exec: "nosuch": executable file not found in $PATH: unknown`;
    const r = await dk(['start', c]);
    assert.equal(r.stderr, `Error response from daemon: ${why}\nError: failed to start containers: ${c}\n`);
    assert.equal(r.code, 1);
    assert.equal(ok(await dk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', c])), `created 127 ${why}\n`);
    ok(await dk(['rm', c]));
  });
});
