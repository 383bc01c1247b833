// A container's log driver and options as conmon's arguments. json-file and local write the file
// docker logs reads; max-size and max-file bound it on disk: conmon truncates the file when it
// reaches max-size × max-file (Docker's own bound for the sum of its rotated files), so a chatty
// container never fills the disk. `none` keeps no log at all, as Docker's none driver.
export interface LogSettings {
  driver: string;
  config: Record<string, string>;
}

/** go-units FromHumanSize (decimal multiples), for max-size. */
function fromHumanSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[bB]?$/.exec(s.trim());
  if (!m) return -1;
  const mult: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
  return Math.trunc(Number(m[1]) * (m[2] ? mult[m[2].toLowerCase()] : 1));
}

/** The largest the log may grow on disk, in bytes, or undefined for no bound. */
export function logSizeBound(log: LogSettings): number | undefined {
  const dflt = log.driver === 'local' ? { size: 20e6, files: 5 } : { size: -1, files: 1 };
  const size = log.config['max-size'] !== undefined ? fromHumanSize(log.config['max-size']) : dflt.size;
  const files = log.config['max-file'] !== undefined ? Number(log.config['max-file']) : dflt.files;
  if (!(size > 0)) return undefined;
  return size * Math.max(1, files);
}

export function conmonLogArgs(logPath: string, log: LogSettings | undefined): string[] {
  if (log?.driver === 'none') return ['-l', 'none:'];
  const args = ['-l', `k8s-file:${logPath}`];
  const bound = log && logSizeBound(log);
  if (bound) args.push('--log-size-max', String(bound));
  return args;
}
