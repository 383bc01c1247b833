// Daemon logging, dockerd-style levels. Writes to stderr so journald/CI capture it.
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 };
let current: Level = (process.env.BERTH_LOG_LEVEL as Level) || 'info';

function emit(level: Level, msg: string) {
  if (order[level] < order[current]) return;
  process.stderr.write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`);
}

export const log = {
  setLevel(l: Level) {
    if (!(l in order)) throw new Error(`invalid log level: ${l}`);
    current = l;
  },
  debug: (m: string) => emit('debug', m),
  info: (m: string) => emit('info', m),
  warn: (m: string) => emit('warn', m),
  error: (m: string) => emit('error', m),
};
