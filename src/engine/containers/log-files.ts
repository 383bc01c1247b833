// Where a container's log lives, as Docker lays it out: json-file writes <containerdir>/<id>-json.log
// (the .LogPath inspect shows, which log shippers read); local writes <containerdir>/local-logs/container.log
// and hides it (LogPath is empty, its format being the daemon's own); none writes nothing. conmon's
// k8s-file buffer, which berthd converts into those files, is <containerdir>/conmon.log. A LogPath that is
// none of these is a CRI container's log (the kubelet's log_path) or one from before Berth wrote
// json-file itself: conmon writes it directly, in the CRI format.
import path from 'node:path';
import type { LogSettings } from '../../runtime/log-args.ts';
import { containerDir, type Ctx } from './context.ts';
import { logAttributes } from './log-attrs.ts';
import type { ContainerRecord } from './record.ts';

export const jsonLogPath = (dir: string, id: string) => path.join(dir, `${id}-json.log`);

/** The LogPath a new container records. */
export function initialLogPath(dir: string, id: string, driver: string, requested?: string): string {
  if (requested) return requested;
  return driver === 'json-file' ? jsonLogPath(dir, id) : '';
}

export function logSettings(ctx: Ctx, c: ContainerRecord): LogSettings {
  const dir = containerDir(ctx, c.Id);
  const driver = c.HostConfig.LogConfig?.Type || 'json-file';
  const config = c.HostConfig.LogConfig?.Config ?? {};
  if (driver === 'none') return { driver, config, path: '' };
  if (c.LogPath && c.LogPath !== jsonLogPath(dir, c.Id)) return { driver: 'k8s-file', config, path: c.LogPath };
  const buffer = path.join(dir, 'conmon.log');
  if (driver === 'local') return { driver, config, path: path.join(dir, 'local-logs', 'container.log'), buffer };
  const attrs = Object.fromEntries(logAttributes(c));
  return { driver, config, path: jsonLogPath(dir, c.Id), buffer, attrs };
}
