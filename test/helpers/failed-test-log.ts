// What a daemon logged during each failed test of a file, printed after the test: the e2e() and
// criE2E() suites register it for the daemon they start.
import { beforeEach, afterEach } from 'node:test';
import { tail } from './daemon-common.ts';

export interface LoggingDaemon {
  kind: string;
  logFile: string;
  logSize(): number;
}

/** Registers beforeEach/afterEach hooks; `daemon()` is the file's daemon once it has started. */
export function printLogOfFailedTests(daemon: () => LoggingDaemon | undefined): void {
  let offset = 0;
  beforeEach(() => {
    offset = daemon()?.logSize() ?? 0;
  });
  afterEach((t) => {
    const d = daemon();
    if (!d || (t as { passed?: boolean }).passed !== false) return;
    process.stderr.write(`\n----- ${d.kind} log during failed test "${t.name}" (${d.logFile}) -----\n${tail(d.logFile, 150, offset)}\n----- end of ${d.kind} log -----\n`);
  });
}
