// The busybox of critest's images. Debian's busybox-static is built to prefer its own applets over
// $PATH (FEATURE_SH_STANDALONE), so `sh -c ls` never executes /bin/ls and critest's MaskedPaths case
// (a masked /bin/ls must fail to run) cannot tell anything; the upstream busybox image's shell looks
// in $PATH. Debian's dynamic busybox does too: it is fetched with apt (apt-get download, unpacked
// with dpkg-deb, not installed: it would replace busybox-static) and goes in with the host's
// libraries it links. Without apt, the static one is used and MaskedPaths fails on either runtime.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TarEntry } from '../../test/helpers/images.ts';

export interface ShellBusybox {
  binary: Buffer;
  applets: string[];
  /** the shared libraries it needs, as /lib... paths with their contents */
  libs: { name: string; content: Buffer }[];
}

export function dynamicBusybox(): ShellBusybox | undefined {
  const dir = path.join(os.tmpdir(), 'critest-busybox');
  const bin = path.join(dir, 'x', 'bin', 'busybox');
  try {
    if (!fs.existsSync(bin)) {
      fs.mkdirSync(dir, { recursive: true });
      execFileSync('apt-get', ['download', 'busybox'], { cwd: dir, stdio: 'ignore' });
      const deb = fs.readdirSync(dir).find((f) => /^busybox_.*\.deb$/.test(f));
      if (!deb) throw new Error('apt-get download busybox gave no .deb');
      execFileSync('dpkg-deb', ['-x', deb, 'x'], { cwd: dir });
    }
    const applets = execFileSync(bin, ['--list'], { encoding: 'utf8' }).split('\n').map((a) => a.trim()).filter((a) => a && a !== 'busybox');
    const libs = execFileSync('ldd', [bin], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /(\/\S+) \(0x/.exec(l)?.[1])
      .filter((p): p is string => !!p)
      .map((p) => ({ name: p.slice(1), content: fs.readFileSync(p) }));
    return { binary: fs.readFileSync(bin), applets, libs };
  } catch (e) {
    process.stderr.write(`critest images: no dynamic busybox (${(e as Error).message}); the static one cannot show MaskedPaths\n`);
    return undefined;
  }
}

/** `entries` (a busybox root filesystem) with `bb` as /bin/busybox, its applets and its libraries */
export function withBusybox(entries: TarEntry[], bb: ShellBusybox): TarEntry[] {
  const applet = (e: TarEntry) => e.name.startsWith('bin/') && (e.type === 'symlink' || e.type === 'link');
  const kept = entries.filter((e) => !applet(e)).map((e) => (e.name === 'bin/busybox' ? { ...e, content: bb.binary } : e));
  const dirs = new Set<string>();
  for (const l of bb.libs) for (let d = path.dirname(l.name); d !== '.'; d = path.dirname(d)) dirs.add(d);
  return [
    ...kept,
    ...[...dirs].filter((d) => !kept.some((e) => e.name === d)).sort().map((d): TarEntry => ({ name: d, type: 'directory', mode: 0o755 })),
    ...bb.libs.map((l): TarEntry => ({ name: l.name, type: 'file', mode: 0o755, content: l.content })),
    ...bb.applets.map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', mode: 0o777, linkname: 'busybox' })),
  ];
}
