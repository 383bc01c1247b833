// The images critest pulls (registry.k8s.io/e2e-test-images/... and gcr.io/k8s-staging-cri-tools/...),
// made here from the host's static busybox and pushed to the local registry under the same paths, as
// far as a busybox image can stand in. As in the real busybox image, the applets are hard links (a
// masked /bin/ls must not mask /bin/sh) and the shell runs them from $PATH (shell-busybox.ts); pgrep and ipcs, which Debian's busybox lacks, are scripts;
// nginx is a small static Go web server (pidof nginx must find it), httpd is busybox httpd, and
// nonewprivs is a setuid-root Go program printing its effective uid. The one image that cannot be
// made is test-image-digest@sha256:9700f9a2...: its name is the digest of the upstream manifest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pushImage } from '../../test/helpers/registry-push.ts';
import { busyboxEntries, type TarEntry } from '../../test/helpers/images.ts';
import { dynamicBusybox, withBusybox } from './shell-busybox.ts';

const E2E = 'e2e-test-images';
const CRI = 'k8s-staging-cri-tools';

const file = (name: string, content: string | Buffer, mode = 0o644): TarEntry => ({ name, type: 'file', mode, content });
const dir = (name: string, mode = 0o755): TarEntry => ({ name, type: 'directory', mode });
const dirs = (p: string): TarEntry[] => p.split('/').map((_, i, parts) => dir(parts.slice(0, i + 1).join('/')));
const page = (root: string): TarEntry[] => [...dirs(root), file(`${root}/index.html`, '<h1>Welcome to nginx!</h1>\n')];

const PGREP = '#!/bin/sh\n# pgrep NAME: the pids of processes whose name is NAME\nfound=1\nfor p in /proc/[0-9]*; do\n  [ "$(cat "$p/comm" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}" && found=0\ndone\nexit $found\n';
const IPCS = '#!/bin/sh\n# ipcs -m: the shared memory segments of this IPC namespace\necho "------ Shared Memory Segments --------"\necho "key        shmid      owner      perms      bytes      nattch"\nawk \'NR > 1 { printf "0x%08x %-10s %-10s %-10s %-10s %s\\n", $1, $2, $5, $3, $4, $7 }\' /proc/sysvipc/shm\n';

/** the busybox root filesystem with hard-linked applets (a link's header mode is its inode's), plus pgrep and ipcs */
function baseLayer(): TarEntry[] {
  const bb = dynamicBusybox();
  const entries = (bb ? withBusybox(busyboxEntries(), bb) : busyboxEntries()).map((e): TarEntry => (e.type === 'symlink' && e.linkname === 'busybox' ? { name: e.name, type: 'link', linkname: 'bin/busybox', mode: 0o755 } : e));
  return [...entries.filter((e) => e.name !== 'bin/pgrep' && e.name !== 'bin/ipcs'), file('bin/pgrep', PGREP, 0o755), file('bin/ipcs', IPCS, 0o755)];
}

const NGINX = `package main

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// nginx PORT ROOT: serves ROOT on PORT and writes its pid to /var/run/nginx.pid, as nginx does, and
// names itself in /proc/PID/cmdline as nginx's master process does
func main() {
	if !strings.Contains(os.Args[0], "master process") {
		args := append([]string{"nginx: master process nginx -g daemon off;"}, os.Args[1:]...)
		if err := syscall.Exec("/usr/sbin/nginx", args, os.Environ()); err != nil {
			os.Stderr.WriteString(err.Error() + "\\n")
			os.Exit(1)
		}
	}
	os.MkdirAll("/var/run", 0o755)
	os.WriteFile("/var/run/nginx.pid", []byte(strconv.Itoa(os.Getpid())+"\\n"), 0o644)
	if err := http.ListenAndServe(":"+os.Args[1], http.FileServer(http.Dir(os.Args[2]))); err != nil {
		os.Stderr.WriteString(err.Error() + "\\n")
		os.Exit(1)
	}
}
`;
const EUID = `package main

import (
	"fmt"
	"syscall"
)

func main() { fmt.Printf("Effective uid: %d\\n", syscall.Geteuid()) }
`;

const built = new Map<string, Buffer>();
/** a static Go program built from one main.go */
function goProgram(source: string): Buffer {
  const done = built.get(source);
  if (done) return done;
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'critest-go-'));
  try {
    fs.writeFileSync(path.join(d, 'go.mod'), 'module prog\n\ngo 1.19\n');
    fs.writeFileSync(path.join(d, 'main.go'), source);
    execFileSync('go', ['build', '-o', 'prog', '.'], { cwd: d, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, stdio: 'inherit' });
    built.set(source, fs.readFileSync(path.join(d, 'prog')));
    return built.get(source)!;
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

export async function pushCritestImages(host: string): Promise<void> {
  const base = baseLayer();
  const nginx = (port: number): Parameters<typeof pushImage>[3] => ({ layers: [[...dirs('usr/sbin'), file('usr/sbin/nginx', goProgram(NGINX), 0o755), ...page('usr/share/nginx/html')]], cmd: ['/usr/sbin/nginx', String(port), '/usr/share/nginx/html'] });
  const push = (repo: string, tag: string, o: Parameters<typeof pushImage>[3] = {}) => pushImage(host, repo, tag, { ...o, layers: [base, ...(o.layers ?? [])] });
  await push(`${E2E}/busybox`, '1.29-2');
  await push(`${E2E}/nginx`, '1.14-2', nginx(80));
  await push(`${E2E}/httpd`, '2.4.39-4', { layers: [page('usr/local/apache2/htdocs')], cmd: ['sh', '-c', `echo "AH00094: Command line: 'httpd -D FOREGROUND'"; exec httpd -f -p 80 -h /usr/local/apache2/htdocs`] });
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  await push(`${CRI}/hostnet-nginx-${arch}`, 'latest', nginx(12003));
  await push(`${E2E}/nonewprivs`, '1.3', { layers: [[...dirs('usr/local/bin'), file('usr/local/bin/nnp', goProgram(EUID), 0o4755)]], cmd: ['/usr/local/bin/nnp'] });
  await push(`${CRI}/test-image-latest`, 'latest', { marker: 'latest' });
  await push(`${CRI}/test-image-tag`, 'test', { marker: 'tag' });
  await push(`${CRI}/test-image-tag`, 'all', { marker: 'all' });
  for (const n of [1, 2, 3]) await push(`${CRI}/test-image-${n}`, 'latest', { marker: `image-${n}` });
  for (const n of [1, 2, 3]) await push(`${CRI}/test-image-tags`, String(n), { marker: 'tags' });
  await push(`${CRI}/test-image-user-uid`, 'latest', { user: '1002' });
  await push(`${CRI}/test-image-user-username`, 'latest', { user: 'www-data' });
  await push(`${CRI}/test-image-user-uid-group`, 'latest', { user: '1003:1003' });
  await push(`${CRI}/test-image-user-username-group`, 'latest', { user: 'www-data:www-data' });
  // default-user (1000) is a member of group-defined-in-image (50000) in the image's /etc/group
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\ndefault-user:x:1000:1000::/home/default-user:/bin/sh\n';
  const group = 'root:x:0:\nnogroup:x:65534:\ndefault-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n';
  await push(`${CRI}/test-image-predefined-group`, 'latest', { layers: [[...dirs('etc'), file('etc/passwd', passwd), file('etc/group', group)]], user: '1000' });
}
