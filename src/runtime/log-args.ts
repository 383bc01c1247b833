// A container's log driver and options: what conmon is told to write, and how berthd's log pipeline
// (log-pipeline.ts) turns that into Docker's files. json-file and local: conmon writes a k8s-file buffer
// which berthd converts to JSON lines and rotates at max-size × max-file (local: Docker's defaults,
// 20 MB × 5, compressed). k8s-file: conmon writes the CRI log itself (the kubelet's log_path, read and
// rotated by the kubelet). none: no log at all, as Docker's none driver.
import type { Rotation } from './json-log.ts';

export interface LogSettings {
  /** json-file, local, none, or k8s-file (the CRI format, written by conmon at `path`) */
  driver: string;
  config: Record<string, string>;
  /** the file docker logs reads (json-file: <id>-json.log; local: local-logs/container.log; k8s-file: the CRI log) */
  path: string;
  /** json-file, local: the k8s-file buffer conmon writes and berthd converts */
  buffer?: string;
  /** json-file: the attrs member of each line (--log-opt labels, env, tag) */
  attrs?: Record<string, string>;
}

/** go-units FromHumanSize (decimal multiples), as moby's json-file and local drivers read max-size. */
function fromHumanSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[bB]?$/.exec(s.trim());
  if (!m) return -1;
  const mult: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
  return Math.trunc(Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] : 1));
}

const TRUE = /^(1|t|T|TRUE|true|True)$/;

/** How the driver's files rotate (moby jsonfilelog.New and local.newConfig, with their defaults). */
export function rotationOf(log: Pick<LogSettings, 'driver' | 'config'>): Rotation {
  const c = log.config;
  if (log.driver === 'local') {
    return {
      maxSize: c['max-size'] !== undefined ? fromHumanSize(c['max-size']) : 20 * 1024 * 1024,
      maxFiles: c['max-file'] !== undefined ? Number(c['max-file']) : 5,
      compress: c.compress !== undefined ? TRUE.test(c.compress) : true,
    };
  }
  const maxSize = c['max-size'] !== undefined ? fromHumanSize(c['max-size']) : -1;
  return {
    maxSize,
    // max-file only counts with a max-size (moby: "max-file only applies if max-size is set")
    maxFiles: maxSize > 0 && c['max-file'] !== undefined ? Number(c['max-file']) : 1,
    compress: c.compress !== undefined && TRUE.test(c.compress),
  };
}

/** The file conmon writes: the buffer for the drivers berthd converts, else the log itself. */
export function conmonLogFile(log: LogSettings): string {
  return log.buffer ?? log.path;
}

export function conmonLogArgs(logPath: string, log: LogSettings | undefined): string[] {
  if (log?.driver === 'none') return ['-l', 'none:'];
  return ['-l', `k8s-file:${logPath}`];
}
