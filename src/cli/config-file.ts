// docker's client configuration file ($DOCKER_CONFIG/config.json): read whole, written whole and
// atomically, keys Berth does not know kept as they were (credentials, currentContext, plugins...).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { writeFileAtomic } from '../util/fs.ts';

export function configPath(configDir?: string): string {
  const dir = configDir || process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

export function readConfig(file: string): Record<string, any> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // no file yet (or not JSON): docker starts from an empty configuration too
    return {};
  }
}

export function writeConfig(file: string, cfg: Record<string, any>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(cfg, null, '\t') + '\n', 0o600);
}
