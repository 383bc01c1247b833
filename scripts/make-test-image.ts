// Makes the busybox test image from the host's /bin/busybox, without a registry.
//   bin/node scripts/make-test-image.ts archive OUT.tar [TAG]   # `docker load -i OUT.tar` (default tag busybox:latest)
//   bin/node scripts/make-test-image.ts rootfs-tar OUT.tar      # `docker import OUT.tar NAME`
//   bin/node scripts/make-test-image.ts rootfs DIR              # a root filesystem directory
import { busyboxDockerArchive, busyboxImportTar, busyboxRootfs } from '../test/helpers/images.ts';

const [kind, out, tag] = process.argv.slice(2);
if (!kind || !out) {
  console.error('usage: make-test-image.ts archive OUT.tar [TAG] | rootfs-tar OUT.tar | rootfs DIR');
  process.exit(2);
}
if (kind === 'archive') {
  const a = await busyboxDockerArchive(out, tag ?? 'busybox:latest');
  console.log(`${out}: ${tag ?? 'busybox:latest'} ${a.id}`);
} else if (kind === 'rootfs-tar') {
  console.log(await busyboxImportTar(out));
} else if (kind === 'rootfs') {
  console.log(busyboxRootfs(out));
} else {
  console.error(`unknown kind ${kind}`);
  process.exit(2);
}
