// After a crash (kill -9 of the daemon) the runtime's view of a live container and Berth's record
// can disagree: a commit, cp or export freezes the container for a moment and thaws it when done,
// and a daemon killed in between leaves it frozen while the record says running; a kill between
// `runc pause`/`resume` and the record's save leaves the opposite. The record of what the user
// asked for wins for the paused flag (only `docker pause` sets it), so the runtime follows it.
import type { RuntimeDriver } from '../../runtime/types.ts';
import type { ContainerRecord } from './record.ts';
import { log } from '../../util/log.ts';

export async function reconcilePaused(c: ContainerRecord, runtimeStatus: 'running' | 'paused', runtime: Pick<RuntimeDriver, 'pause' | 'resume'>, save: (c: ContainerRecord) => void): Promise<void> {
  if (runtimeStatus === 'paused' && !c.State.Paused) {
    log.info(`container ${c.Id} was left frozen by an interrupted operation: thawing it`);
    try {
      await runtime.resume(c.Id);
    } catch (e) {
      log.warn(`thawing ${c.Id}: ${(e as Error).message}`);
    }
  } else if (runtimeStatus === 'running' && c.State.Paused) {
    log.info(`container ${c.Id} is recorded paused but runs: pausing it again`);
    try {
      await runtime.pause(c.Id);
    } catch (e) {
      // cannot pause it: the record follows what it really is
      log.warn(`pausing ${c.Id}: ${(e as Error).message}`);
      c.State = { ...c.State, Status: 'running', Paused: false };
      save(c);
    }
  }
}
