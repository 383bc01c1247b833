// The container state machine. Docker's statuses (created, running, paused, restarting, removing,
// exited, dead) plus `starting`, which no client sees: it is the intent a start writes before it
// touches the runtime, so that recovery after a kill -9 knows there may be a runtime container
// to undo. Every change of a record's state goes through checkTransition (store.update); one that
// is not in the table is a bug in the engine, refused as a conflict before anything is written.
import { conflict } from '../../errdefs.ts';
import type { ContainerRecord, Status } from './record.ts';

export type Phase = Status | 'starting';

/** Operations that touch the outside world write one of these first; recover() finishes or undoes them. */
export type Intent = 'start' | 'stop' | 'remove';

const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  created: ['starting', 'removing', 'dead'],
  // a start ends running, or back where it began (created or exited) when it fails or is undone
  starting: ['running', 'created', 'exited', 'removing'],
  running: ['paused', 'exited', 'restarting', 'removing', 'dead'],
  paused: ['running', 'exited', 'restarting', 'removing', 'dead'],
  // a policy restart starts again, or is cancelled (exited)
  restarting: ['starting', 'running', 'exited', 'removing', 'dead'],
  exited: ['starting', 'restarting', 'removing', 'dead'],
  // a removal that cannot finish (the runtime refuses to kill) leaves the container dead, as dockerd
  removing: ['exited', 'dead'],
  dead: ['removing'],
};

export function phaseOf(c: Pick<ContainerRecord, 'State' | 'Intent'>): Phase {
  if (c.Intent === 'start') return 'starting';
  return c.State.Status;
}

export function canTransition(from: Phase, to: Phase): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/** Throws when a record would move from one state to another the table does not allow. */
export function checkTransition(cur: ContainerRecord, next: ContainerRecord): void {
  const from = phaseOf(cur);
  const to = phaseOf(next);
  if (!canTransition(from, to)) throw conflict(`cannot change container ${cur.Id} from ${from} to ${to}`);
}
