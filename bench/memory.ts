// The memory a daemon costs: its own processes idle, then with N running containers, counting the
// engine's processes only (berthd + one conmon per container; dockerd + containerd + one shim per
// container), not the containers' own processes. Proportional set size (PSS), so shared pages are
// split fairly between processes instead of counted once per process.
//
// A process belongs to a daemon when its command line names the daemon's private root directory
// (/tmp/b-… or /tmp/dref-…): every engine process started for that daemon does, the containers'
// processes do not.
import fs from 'node:fs';
import { docker, type DaemonEnv } from '../test/helpers/docker.ts';

export interface MemorySample {
  /** kiB of PSS, summed */
  pssKiB: number;
  processes: number;
}

export interface Overhead {
  idle: MemorySample;
  loaded: MemorySample;
  containers: number;
  perContainerKiB: number;
}

function pssOf(pid: string): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function sampleEngine(root: string): MemorySample {
  let pssKiB = 0;
  let processes = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes(root)) continue;
    pssKiB += pssOf(pid);
    processes++;
  }
  return { pssKiB, processes };
}

const settle = () => new Promise((r) => setTimeout(r, 2000));

/** Idle figure, then `n` running containers started one by one, then everything removed again. */
export async function measureOverhead(d: { env: DaemonEnv; root: string }, image: string, n: number): Promise<Overhead> {
  await settle();
  const idle = sampleEngine(d.root);
  const ids: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const r = await docker(d.env, ['run', '-d', '--network', 'none', image, 'sleep', '100000'], { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`docker run failed: ${r.stderr.trim()}`);
      ids.push(r.stdout.trim());
    }
    await settle();
    const loaded = sampleEngine(d.root);
    return { idle, loaded, containers: n, perContainerKiB: (loaded.pssKiB - idle.pssKiB) / n };
  } finally {
    for (let i = 0; i < ids.length; i += 25) await docker(d.env, ['rm', '-f', ...ids.slice(i, i + 25)], { timeoutMs: 120_000 });
  }
}
