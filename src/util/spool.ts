// Reading a stream to its end now and handing out its bytes later: a copy out of a container
// (export, docker cp) is read while the container is frozen (runtime/copy-freeze.ts), and the freeze
// must last as long as the read takes, not as long as the client takes to read the answer. dockerd
// does not freeze, so a client that reads slowly or never (dockerode's own tests) must not leave the
// container stopped, with its execs waiting.
//
// Small outputs stay in memory; past `memoryLimit` they go to a file that is unlinked as soon as it
// is opened, so a daemon killed meanwhile leaves nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

export const SPOOL_MEMORY_LIMIT = 1 << 20;

/** Reads `src` to its end (into memory, then into an unlinked file in `dir`) and returns a stream of what it gave. */
export async function spool(src: Readable, dir: string, memoryLimit = SPOOL_MEMORY_LIMIT): Promise<Readable> {
  const chunks: Buffer[] = [];
  let size = 0;
  let fh: FileHandle | undefined;
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      if (fh) {
        await writeAll(fh, chunk);
        continue;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > memoryLimit) {
        fh = await openUnlinked(dir);
        for (const c of chunks.splice(0)) await writeAll(fh, c);
      }
    }
  } catch (e) {
    await fh?.close().catch(() => {});
    throw e;
  }
  if (!fh) return Readable.from(chunks.length ? [Buffer.concat(chunks)] : []);
  return fh.createReadStream({ start: 0, autoClose: true });
}

async function openUnlinked(dir: string): Promise<FileHandle> {
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `spool-${crypto.randomUUID()}`);
  const fh = await fs.promises.open(file, 'w+', 0o600);
  await fs.promises.unlink(file);
  return fh;
}

/** openUnlinked for a caller that cannot wait (its data comes in an event handler, in order): a descriptor. */
export function openUnlinkedSync(dir: string): number {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `spool-${crypto.randomUUID()}`);
  const fd = fs.openSync(file, 'w+', 0o600);
  fs.unlinkSync(file);
  return fd;
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; ) off += (await fh.write(data, off)).bytesWritten;
}
