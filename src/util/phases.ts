// Where a request's time goes: `BERTH_TRACE_PHASES=1 berthd …` logs, for each traced operation,
// the time of each of its phases (bench/trace.ts shows the API calls around them). Off, it costs
// a property read per mark.
import { log } from './log.ts';

const enabled = !!process.env.BERTH_TRACE_PHASES;

export interface Phases {
  /** the phase that just ended */
  mark(label: string): void;
  /** log the phases (when tracing is on) */
  end(): void;
}

const off: Phases = { mark() {}, end() {} };

export function phases(what: string): Phases {
  if (!enabled) return off;
  const t0 = performance.now();
  let last = t0;
  const parts: string[] = [];
  return {
    mark(label) {
      const now = performance.now();
      parts.push(`${label} ${(now - last).toFixed(1)}`);
      last = now;
    },
    end() {
      log.info(`phases of ${what}: ${parts.join(', ')} (total ${(performance.now() - t0).toFixed(1)} ms)`);
    },
  };
}
