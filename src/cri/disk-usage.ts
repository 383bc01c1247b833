// Disk blocks and inodes used below a directory, as the CRI's FilesystemUsage reports them.
import fs from 'node:fs';
import path from 'node:path';

export interface Usage {
  timestamp: bigint;
  bytes: number;
  inodes: number;
}

/** Disk blocks and inodes used below dir, measured at most once per `maxAgeMs` (containerd collects
 * its snapshot usage periodically too). */
export function cachedUsage(dir: string, maxAgeMs: number): () => Promise<Usage> {
  let last: { at: number; usage: Promise<Usage> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > maxAgeMs) {
      const usage = measure(dir);
      last = { at: Date.now(), usage };
      usage.catch(() => (last = undefined));
    }
    return last.usage;
  };
}

export async function measure(dir: string): Promise<Usage> {
  const timestamp = BigInt(Date.now()) * 1_000_000n;
  let bytes = 0;
  let inodes = 0;
  const seen = new Set<string>();
  const walk = async (p: string): Promise<void> => {
    let st: fs.BigIntStats;
    try {
      st = await fs.promises.lstat(p, { bigint: true });
    } catch {
      return; // removed while walking
    }
    if (st.nlink > 1n) {
      // a hard link counts once
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    inodes++;
    bytes += Number(st.blocks) * 512;
    if (!st.isDirectory()) return;
    let names: string[] = [];
    try {
      names = await fs.promises.readdir(p);
    } catch {
      return;
    }
    for (const n of names) await walk(path.join(p, n));
  };
  await walk(dir);
  return { timestamp, bytes, inodes };
}
