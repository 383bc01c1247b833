// End-to-end: a pull that fails before anything is downloaded (a registry nothing listens on, a name
// that does not resolve, a tag the registry does not have) is the HTTP status of the answer, as
// dockerd's: the CLI prints "Error response from daemon: ..." and no "Pulling from" line, and
// `docker run` of an image it must pull exits 125 after "Unable to find image ... locally". The
// connection errors are in Go's words, as dockerd's. Run against berthd and, with
// BERTH_E2E_DAEMON=dockerd, Debian's dockerd 20.10 (same expectations: Docker 28 words these alike).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import { docker, CLI_NAME } from '../helpers/docker.ts';
import { freePort } from '../helpers/ports.ts';
import { startRegistry, registryUnavailable, type Registry } from '../helpers/registry.ts';
import { e2e, e2eSkipReason, T, SUITE } from '../helpers/target.ts';
import { curl } from '../helpers/util.ts';

const skip = e2eSkipReason();
const runHelp = `\nRun '${CLI_NAME} run --help' for more information\n`;

describe('pull errors before the progress stream', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[]) => docker(t.d.env, args, { timeoutMs: 60_000 });
  const refused = async (args: string[], code: number, stderr: string) => {
    const r = await dk(args);
    assert.equal(r.stderr, stderr, `docker ${args.join(' ')}`);
    assert.equal(r.code, code, `docker ${args.join(' ')}`);
    assert.equal(r.stdout, '', `docker ${args.join(' ')}: no progress line`);
  };

  test('a registry nothing listens on: an HTTP 500 naming /v2/, no progress line', T, async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const why = `Get "http://${host}/v2/": dial tcp ${host}: connect: connection refused`;
    await refused(['pull', `${host}/nosuch:1`], 1, `Error response from daemon: ${why}\n`);
    await refused(['run', '--rm', `${host}/nosuch:1`], 125, `Unable to find image '${host}/nosuch:1' locally\n${CLI_NAME}: Error response from daemon: ${why}\n${runHelp}`);
    const r = await curl(t.d.socket, 'POST', `/images/create?fromImage=${host}/nosuch&tag=1`);
    assert.equal(r.status, 500, r.body);
    assert.deepEqual(r.json, { message: why });
  });

  test('a registry name that does not resolve (this machine has no internet)', T, async (s) => {
    if (await dns.lookup('registry-1.docker.io').then(() => true, () => false)) return s.skip('registry-1.docker.io resolves here');
    const ns = /^\s*nameserver\s+(\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))?.[1] ?? '127.0.0.1';
    const why = `Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on ${ns.includes(':') ? `[${ns}]` : ns}:53: no such host`;
    await refused(['pull', 'busybox:nosuch'], 1, `Error response from daemon: ${why}\n`);
    await refused(['run', '--rm', 'nosuchimage123'], 125, `Unable to find image 'nosuchimage123:latest' locally\n${CLI_NAME}: Error response from daemon: ${why}\n${runHelp}`);
    // a local image of another architecture is pulled for --platform: the same path
    await refused(['run', '--rm', '--platform', 'linux/arm64', t.image, 'true'], 125, `Unable to find image '${t.image}' locally\n${CLI_NAME}: Error response from daemon: ${why}\n${runHelp}`);
  });

  describe('a registry without the tag', { skip: registryUnavailable() }, () => {
    let reg: Registry;
    before(async () => void (reg = await startRegistry()), { timeout: 60_000 });
    after(async () => void (await reg?.stop()), { timeout: 60_000 });

    test('manifest unknown: an HTTP 404 before any progress line', T, async () => {
      const why = `manifest for ${reg.host}/nosuch:1 not found: manifest unknown: manifest unknown`;
      await refused(['pull', `${reg.host}/nosuch:1`], 1, `Error response from daemon: ${why}\n`);
      await refused(['run', '--rm', `${reg.host}/nosuch:1`], 125, `Unable to find image '${reg.host}/nosuch:1' locally\n${CLI_NAME}: Error response from daemon: ${why}\n${runHelp}`);
      const r = await curl(t.d.socket, 'POST', `/images/create?fromImage=${reg.host}/nosuch&tag=1`);
      assert.equal(r.status, 404, r.body);
      assert.deepEqual(r.json, { message: why });
    });
  });
});
