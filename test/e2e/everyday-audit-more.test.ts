// End-to-end: more everyday CLI output the differential audit (test/audit/round3.ts) found different
// from dockerd, checked as text: `docker inspect` prints the daemon's JSON as it came (key order, Go's
// escaping, map keys sorted as Go sorts them: "10" before "9"), the daemon's defaults in
// HostConfig, network inspect's field order and IPAM config, the tar headers of docker cp, the stop
// signal before SIGKILL with `stop -t 0`, and a stopped container's health. Run against berthd and,
// with BERTH_E2E_DAEMON=dockerd, Debian's dockerd 20.10 (where 20.10 is older than current Docker,
// the test says so and branches on REAL_DOCKER).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../helpers/docker.ts';
import { e2e, e2eSkipReason, T, SUITE, REAL_DOCKER } from '../helpers/target.ts';
import { ok, uniq, waitFor } from '../helpers/util.ts';

const skip = e2eSkipReason();

/** The keys of the object that starts at `start` in indented JSON text, in the order written. */
function keysAt(text: string, start: number): string[] {
  const open = text.indexOf('{', start);
  const indent = /\n( *)"/.exec(text.slice(open))![1]!;
  const keys: string[] = [];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      if (--depth === 0) break;
    } else if (ch === '\n' && depth === 1) {
      const m = new RegExp(`^\\n${indent}"((?:[^"\\\\]|\\\\.)*)":`).exec(text.slice(i));
      if (m) keys.push(m[1]!);
    }
  }
  return keys;
}
/** the keys of the field of that name at that depth (8 spaces: a top-level field of an inspected object) */
const keysOf = (text: string, field: string, indent = 8) => {
  const at = text.indexOf(`\n${' '.repeat(indent)}"${field}": {`);
  assert.ok(at >= 0, `no ${field} at indent ${indent}`);
  return keysAt(text, at);
};
/** keys in this order (others may sit between them) */
const inOrder = (keys: string[], want: string[]) => assert.deepEqual(keys.filter((k) => want.includes(k)), want, keys.join(','));

describe('everyday CLI output as dockerd prints it (more)', SUITE(skip), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);

  test('docker inspect: struct order, omitempty fields, <>& unescaped, map keys in Go\'s order, the daemon\'s HostConfig defaults', T, async () => {
    const c = uniq('insp');
    ok(await dk(['create', '--name', c, '-p', '8080:80', '--health-cmd', 'true', '-l', '10=a', '-l', '9=b', '-l', 'B=c', '-l', 'a=d', '--entrypoint', 'sh', t.image, '-c', 'echo a && echo "<b>"']));
    try {
      const text = ok(await dk(['inspect', c]));
      // Config: ExposedPorts after AttachStderr, Healthcheck after Cmd (Go's container.Config order)
      inOrder(keysOf(text, 'Config'), ['AttachStderr', 'ExposedPorts', 'Tty', 'Env', 'Cmd', 'Healthcheck', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels']);
      // omitempty fields with nothing in them are left out
      for (const k of ['StopSignal', 'Shell', 'ArgsEscaped', 'MacAddress']) assert.ok(!keysOf(text, 'Config').includes(k), k);
      for (const k of ['Tmpfs', 'Sysctls', 'Mounts', 'Init', 'Annotations', 'StorageOpt']) assert.ok(!keysOf(text, 'HostConfig').includes(k), k);
      // map keys as Go sorts strings: "10" before "9", upper case before lower
      inOrder(keysOf(text, 'Labels', 12), ['10', '9', 'B', 'a']);
      // dockerd writes <, > and & as they are (httputils.WriteJSON: SetEscapeHTML(false)), and docker
      // inspect prints the daemon's bytes
      assert.ok(text.includes('"echo a && echo \\"<b>\\""'), text);
      // what the daemon filled in where the CLI sent "unset" (ShmSize 0, IpcMode "", PidsLimit 0, MaskedPaths null)
      const hc = JSON.parse(text)[0].HostConfig;
      assert.deepEqual([hc.ShmSize, hc.IpcMode, hc.PidsLimit, hc.MemorySwappiness, hc.OomKillDisable], [67108864, 'private', null, null, false]);
      assert.ok(hc.MaskedPaths.includes('/proc/kcore') && hc.ReadonlyPaths.includes('/proc/sys'), JSON.stringify(hc.MaskedPaths));
      // NetworkSettings' default-network fields in DefaultNetworkSettings' order
      inOrder(keysOf(text, 'NetworkSettings'), ['EndpointID', 'Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'MacAddress', 'Networks']);
    } finally {
      await dk(['rm', '-f', c]);
    }
    // fields that are set show up in their place: Tmpfs and Sysctls among the namespace settings, Init last
    const d = uniq('insp');
    ok(await dk(['create', '--name', d, '--tmpfs', '/t', '--sysctl', 'net.ipv4.ip_forward=1', '--init', '--stop-timeout', '0', '--stop-signal', 'USR1', t.image, 'true']));
    try {
      const text = ok(await dk(['inspect', d]));
      inOrder(keysOf(text, 'HostConfig'), ['SecurityOpt', 'Tmpfs', 'UTSMode', 'ShmSize', 'Sysctls', 'Runtime', 'MaskedPaths', 'ReadonlyPaths', 'Init']);
      // a 0 StopTimeout is a value (a pointer in Go), written after StopSignal
      inOrder(keysOf(text, 'Config'), ['Labels', 'StopSignal', 'StopTimeout']);
    } finally {
      await dk(['rm', '-f', d]);
    }
  });

  test('network inspect: Containers before Options and Labels; the IPAM config as the client gave it', T, async () => {
    const [a, b] = [uniq('nw'), uniq('nw')];
    ok(await dk(['network', 'create', '--subnet', '10.252.41.0/24', '--ip-range', '10.252.41.128/25', '--label', '10=a', '--label', '9=b', a]));
    ok(await dk(['network', 'create', '--subnet', '10.252.42.0/24', '--gateway', '10.252.42.254', b]));
    try {
      const text = ok(await dk(['network', 'inspect', a]));
      inOrder(keysAt(text, text.indexOf('{')), ['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']);
      inOrder(keysOf(text, 'Labels'), ['10', '9']);
      // dockerd keeps the client's IPAM config: no gateway was given, none is shown (the bridge has one)
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{json .IPAM.Config}}', a])), '[{"Subnet":"10.252.41.0/24","IPRange":"10.252.41.128/25"}]\n');
      assert.equal(ok(await dk(['network', 'inspect', '-f', '{{json .IPAM.Config}}', b])), '[{"Subnet":"10.252.42.0/24","Gateway":"10.252.42.254"}]\n');
      const c = uniq('nwc');
      ok(await dk(['run', '-d', '--name', c, '--network', a, t.image, 'sleep', '60']));
      // libnetwork allocates the gateway first, from the --ip-range when there is one, then the container
      assert.equal(ok(await dk(['inspect', '-f', `{{(index .NetworkSettings.Networks "${a}").Gateway}} {{(index .NetworkSettings.Networks "${a}").IPAddress}}`, c])), '10.252.41.128 10.252.41.129\n');
      ok(await dk(['rm', '-f', c]));
    } finally {
      await dk(['network', 'rm', a, b]);
    }
  });

  test('docker cp to stdout: tar headers in Go\'s archive/tar layout', T, async () => {
    const c = uniq('cptar');
    ok(await dk(['create', '--name', c, t.image, 'true']));
    try {
      const tar = Buffer.from(ok(await dk(['cp', `${c}:/etc/passwd`, '-'])), 'latin1');
      const field = (off: number, len: number) => tar.subarray(off, off + len).toString('latin1');
      const size = (await dk(['run', '--rm', t.image, 'wc', '-c', '/etc/passwd'])).stdout.trim().split(/\s+/)[0]!;
      assert.equal(field(0, 100), 'passwd'.padEnd(100, '\0'));
      // numbers: zero-padded octal filling the field, NUL-terminated; dockerd 20.10 also set the
      // file-type bits (0100644), which current Docker (moby/go-archive since v23) no longer does
      assert.equal(field(100, 8), REAL_DOCKER ? '0100644\0' : '0000644\0');
      assert.equal(field(108, 16), '0000000\x000000000\0');
      assert.equal(field(124, 12), Number(size).toString(8).padStart(11, '0') + '\0');
      assert.match(field(136, 12), /^[0-7]{11}\0$/);
      assert.match(field(148, 8), /^[0-7]{6}\0 $/);
      assert.equal(field(156, 1), '0');
      assert.equal(field(257, 8), 'ustar\x0000');
      // dockerd 20.10 looked the owner's name up on the host; current Docker writes none
      assert.equal(field(265, 64), REAL_DOCKER ? 'root'.padEnd(32, '\0') + 'root'.padEnd(32, '\0') : '\0'.repeat(64));
      assert.equal(field(329, 16), '0000000\x000000000\0');
      // the entry, its data in 512-byte blocks, two zero blocks
      assert.equal(tar.length, 512 + Math.ceil(Number(size) / 512) * 512 + 1024);
    } finally {
      await dk(['rm', '-f', c]);
    }
  });

  test('stop -t 0 sends the stop signal, then SIGKILL; a stopped container\'s health is unhealthy', T, async () => {
    const c = uniq('stop0');
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(await dk(['run', '-d', '--name', c, '--health-cmd', 'true', '--health-interval', '1s', t.image, 'sleep', '60']));
    try {
      await waitFor(async () => ok(await dk(['inspect', '-f', '{{.State.Health.Status}}', c])).trim() === 'healthy', 'healthy', 15_000);
      ok(await dk(['stop', '-t', '0', c]));
      const events = ok(await dk(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `container=${c}`, '--filter', 'event=kill', '--filter', 'event=die', '--filter', 'event=stop', '--format', '{{.Action}} {{index .Actor.Attributes "signal"}}']));
      assert.equal(events, 'kill 15\nkill 9\ndie \nstop \n');
      // moby: the health monitor, when it stops, leaves "unhealthy"
      assert.equal(ok(await dk(['inspect', '-f', '{{.State.Health.Status}} {{.State.ExitCode}}', c])), 'unhealthy 137\n');
    } finally {
      await dk(['rm', '-f', c]);
    }
  });

  test('system df: the volumes with their size and links; docker cp out of a container is an archive-path event', T, async () => {
    const v = uniq('dfvol');
    const c = uniq('dfc');
    const since = Math.floor(Date.now() / 1000) - 1;
    // 2 bytes of file, a 9-byte symlink (its own length counts), in a directory
    ok(await dk(['run', '--name', c, '-v', `${v}:/data`, t.image, 'sh', '-c', 'mkdir /data/d && echo x > /data/d/f && ln -s /data/d/f /data/l']));
    try {
      const vols = JSON.parse(ok(await dk(['system', 'df', '-v', '--format', '{{json .Volumes}}']))) as { Name: string; Links: string; Size: string }[];
      const mine = vols.find((x) => x.Name === v);
      assert.deepEqual([mine?.Links, mine?.Size], ['1', '11B'], JSON.stringify(vols));
      const line = ok(await dk(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}'])).split('\n').find((l) => l.startsWith('Local Volumes'));
      assert.equal(line, `Local Volumes ${vols.length} ${vols.filter((x) => x.Links !== '0').length}`);
      ok(await dk(['cp', `${c}:/data/d/f`, '-']));
      const events = ok(await dk(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', `container=${c}`, '--filter', 'event=archive-path', '--format', '{{.Action}}']));
      assert.equal(events, 'archive-path\n');
    } finally {
      await dk(['rm', '-f', c]);
      await dk(['volume', 'rm', v]);
    }
  });

  test('exec of what cannot start: dockerd\'s message with containerd\'s ": unknown", 127 for a missing command, 126 for a missing working directory', T, async () => {
    const c = uniq('execerr');
    ok(await dk(['run', '-d', '--name', c, t.image, 'sleep', '60']));
    try {
      const r = await dk(['exec', c, '/nosuch']);
      // (written into the attached stream: the CLI prints it on stdout)
      assert.deepEqual([r.stdout, r.stderr], ['OCI runtime exec failed: exec failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory: unknown\r\n', '']);
      // dockerd 20.10 overwrote every start failure's code with 126; current dockerd keeps the 127 it set
      assert.equal(r.code, REAL_DOCKER ? 126 : 127);
      const w = await dk(['exec', '-w', '/nosuch', c, 'true']);
      assert.deepEqual([w.stdout, w.stderr], ['OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/nosuch") set in config.json failed: no such file or directory: unknown\r\n', '']);
      assert.equal(w.code, 126);
    } finally {
      await dk(['rm', '-f', c]);
    }
  });
});
