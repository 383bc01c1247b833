// scratch: side-by-side outputs (not committed)
import { describe, test } from 'node:test';
import fs from 'node:fs';
import { docker } from '../helpers/docker.ts';
import { e2e, SUITE, TARGET } from '../helpers/target.ts';
import { curl } from '../helpers/util.ts';

describe('scratch', SUITE(false), () => {
  const t = e2e();
  const dk = (args: string[], o?: Parameters<typeof docker>[2]) => docker(t.d.env, args, o);
  test('side by side', { timeout: 300_000 }, async () => {
    const out: string[] = [];
    const show = async (args: string[], o?: Parameters<typeof docker>[2]) => {
      const r = await dk(args, o);
      out.push(`$ docker ${args.join(' ')}\n[${r.code}] ${r.stdout.replace(/[0-9a-f]{64}/g, 'ID').slice(0, 800)}${r.stderr ? '\nERR: ' + r.stderr.slice(0, 400) : ''}`);
      return r;
    };
    await show(['run', '-d', '--name', 'sz', '-v', 'szv:/vol', t.image, 'sh', '-c', 'head -c 100000 /dev/zero > /big; echo x > /vol/f; sleep 300']);
    await new Promise((r) => setTimeout(r, 1500));
    await show(['ps', '--size', '--format', '{{.Names}} {{.Size}}']);
    await show(['inspect', '--size', '-f', '{{.SizeRw}} {{.SizeRootFs}}', 'sz']);
    await show(['cp', 'sz:/', '/tmp/zz-root-' + TARGET]);
    out.push('root copy has vol/f: ' + fs.existsSync(`/tmp/zz-root-${TARGET}/vol/f`) + ' etc/hosts: ' + (fs.existsSync(`/tmp/zz-root-${TARGET}/etc/hosts`) ? fs.readFileSync(`/tmp/zz-root-${TARGET}/etc/hosts`, 'utf8').split('\n')[0] : 'none'));
    fs.rmSync('/tmp/zz-root-' + TARGET, { recursive: true, force: true });
    await show(['cp', 'sz:/etc/hostname', '-']);
    await show(['cp', 'sz:/vol/nope', '/tmp/x']);
    await show(['cp', '/etc/hostname', 'sz:/vol/nodir/']);
    await show(['cp', '/etc/hostname', 'sz:/etc/hosts']);
    await show(['run', '--rm', '--kernel-memory', '10m', t.image, 'true']);
    await show(['run', '--rm', '--init', t.image, 'ps', '-o', 'pid,comm']);
    await show(['commit', 'nonexistent']);
    await show(['run', '-d', '--name', 'ex', t.image, 'true']);
    await show(['commit', '--pause=false', 'ex']);
    await show(['exec', '-t', 'sz', 'sh', '-c', 'printf "a\\nb\\n"; echo err >&2']);
    await show(['exec', '-u', 'nobody', 'sz', 'id']);
    const ex = await curl(t.d.socket, 'POST', '/containers/sz/exec', JSON.stringify({ Cmd: ['echo', 'x'], Tty: true }));
    const r = await curl(t.d.socket, 'POST', `/exec/${ex.json.Id}/start`, '{}');
    out.push('exec start {} headers: ' + r.headers.replace(/\r\n/g, ' | ') + ' body ' + JSON.stringify(r.body));
    const ins = await curl(t.d.socket, 'GET', `/exec/${ex.json.Id}/json`);
    out.push('exec inspect: ' + ins.body);
    await show(['rm', '-f', 'sz', 'ex']);
    await show(['volume', 'rm', 'szv']);
    fs.writeFileSync(`/tmp/zz-side-${TARGET}.txt`, out.join('\n\n'));
  });
});
