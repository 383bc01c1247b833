// The images critest pulls (registry.k8s.io/e2e-test-images/... and gcr.io/k8s-staging-cri-tools/...),
// made here from the host's static busybox and pushed to the local registry under the same paths, as
// far as a busybox image can stand in: nginx and httpd are busybox httpd serving a page, nonewprivs
// is a setuid-root Go program printing its effective uid. The one image that cannot be made is
// test-image-digest@sha256:9700f9a2...: its name is the digest of the upstream manifest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pushImage } from '../../test/helpers/registry-push.ts';
import { busyboxEntries, type TarEntry } from '../../test/helpers/images.ts';

const E2E = 'e2e-test-images';
const CRI = 'k8s-staging-cri-tools';

const file = (name: string, content: string, mode = 0o644): TarEntry => ({ name, type: 'file', mode, content });
const dir = (name: string, mode = 0o755): TarEntry => ({ name, type: 'directory', mode });
const page = (root: string): TarEntry[] => {
  const parts = root.split('/');
  return [...parts.map((_, i) => dir(parts.slice(0, i + 1).join('/'))), file(`${root}/index.html`, '<h1>Welcome to nginx!</h1>\n')];
};
const httpd = (port: number, root: string, banner = '') => ['sh', '-c', `${banner}mkdir -p /var/run && echo $$ > /var/run/nginx.pid && exec httpd -f -p ${port} -h ${root}`];

/** A static binary printing "Effective uid: N" (what the nonewprivs image runs), built with Go. */
function effectiveUidProgram(): Buffer {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'critest-nnp-'));
  try {
    fs.writeFileSync(path.join(d, 'go.mod'), 'module nnp\n\ngo 1.19\n');
    fs.writeFileSync(path.join(d, 'main.go'), 'package main\n\nimport (\n\t"fmt"\n\t"syscall"\n)\n\nfunc main() { fmt.Printf("Effective uid: %d\\n", syscall.Geteuid()) }\n');
    execFileSync('go', ['build', '-o', 'nnp', '.'], { cwd: d, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', HOME: process.env.HOME ?? '/root' }, stdio: 'inherit' });
    return fs.readFileSync(path.join(d, 'nnp'));
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

export async function pushCritestImages(host: string): Promise<void> {
  const base = busyboxEntries();
  const push = (repo: string, tag: string, o: Parameters<typeof pushImage>[3] = {}) => pushImage(host, repo, tag, { ...o, layers: [base, ...(o.layers ?? [])] });
  await push(`${E2E}/busybox`, '1.29-2');
  await push(`${E2E}/nginx`, '1.14-2', { layers: [page('usr/share/nginx/html')], cmd: httpd(80, '/usr/share/nginx/html') });
  await push(`${E2E}/httpd`, '2.4.39-4', { layers: [page('usr/local/apache2/htdocs')], cmd: httpd(80, '/usr/local/apache2/htdocs', `echo "AH00094: Command line: 'httpd -D FOREGROUND'"; `) });
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  await push(`${CRI}/hostnet-nginx-${arch}`, 'latest', { layers: [page('usr/share/nginx/html')], cmd: httpd(12003, '/usr/share/nginx/html') });
  await push(`${E2E}/nonewprivs`, '1.3', { layers: [[dir('usr'), dir('usr/local'), dir('usr/local/bin'), { name: 'usr/local/bin/nnp', type: 'file', mode: 0o4755, uid: 0, gid: 0, content: effectiveUidProgram() }]], cmd: ['/usr/local/bin/nnp'] });
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
  await push(`${CRI}/test-image-predefined-group`, 'latest', { layers: [[dir('etc'), file('etc/passwd', passwd), file('etc/group', group)]], user: '1000' });
}
