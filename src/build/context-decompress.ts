// A build context as the client sent it: a tar, or a tar compressed with gzip, bzip2 or xz (dockerd accepts
// all three, and zstd), uncompressed as it streams in. bzip2 and xz have no decoder in Node: the system's
// bzip2/xz tools decode them (both are installed with Berth).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { decompress, peek, detectCompression } from '../images/compression.ts';
import { invalidParameter } from '../errdefs.ts';

export async function decompressContext(src: Readable): Promise<Readable> {
  const { head, stream } = await peek(src, 6);
  const kind = detectCompression(head);
  if (kind !== 'bzip2' && kind !== 'xz') return (await decompress(stream)).stream;
  const tool = kind === 'bzip2' ? 'bzip2' : 'xz';
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.on('error', (e) => child.stdout.destroy(invalidParameter(`cannot decompress the ${kind} build context: ${e.message}`)));
  child.on('close', (code) => {
    if (code) child.stdout.destroy(invalidParameter(`cannot decompress the ${kind} build context: ${stderr.trim() || `${tool} exited with ${code}`}`));
  });
  stream.on('error', (e) => child.stdout.destroy(e));
  // the tool may exit before reading all (EPIPE): its exit code is reported on close
  child.stdin.on('error', () => {});
  stream.pipe(child.stdin);
  return child.stdout;
}
