// Running a build's stages as BuildKit does: each stage starts once the stages it uses are built, and
// independent stages run at the same time (at most one per CPU). The classic stream is one ordered
// transcript ("Step 3/9 : ..."), so each stage's output is held back until the stages before it in the
// Dockerfile have printed theirs; the first stage to fail stops the build with its error.
import os from 'node:os';

/** Output lanes written concurrently, released in lane order. */
export class OrderedOutput {
  private readonly out: (text: string) => void;
  private readonly held: string[][];
  private readonly done: boolean[];
  private current = 0;
  private closed = false;

  constructor(lanes: number, out: (text: string) => void) {
    this.out = out;
    this.held = Array.from({ length: lanes }, () => []);
    this.done = Array.from({ length: lanes }, () => false);
  }

  lane(i: number): (text: string) => void {
    return (text) => {
      if (this.closed) return;
      if (i === this.current) this.out(text);
      else this.held[i]!.push(text);
    };
  }

  /** Lane i has written everything: later lanes' held output follows. */
  finish(i: number): void {
    this.done[i] = true;
    while (this.current < this.done.length && this.done[this.current]) {
      this.current++;
      if (this.current < this.held.length) for (const t of this.held[this.current]!.splice(0)) this.out(t);
    }
  }

  /** After a failure: nothing more is written (stages still running must not interleave with the error). */
  close(): void {
    this.closed = true;
  }
}

/** Runs tasks with dependencies (indexes of earlier tasks), at most `limit` at once; rejects with the
 * first failure, after which no further task starts. */
export async function runGraph<T>(tasks: { deps: number[]; run: () => Promise<T> }[], limit = Math.max(1, os.availableParallelism())): Promise<T[]> {
  let active = 0;
  let failed = false;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    while (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  const results: Promise<T>[] = [];
  for (const t of tasks) {
    results.push(
      (async () => {
        await Promise.all(t.deps.map((d) => results[d]));
        if (failed) throw new Error('build stopped');
        await slot();
        try {
          if (failed) throw new Error('build stopped');
          return await t.run();
        } catch (e) {
          failed = true;
          throw e;
        } finally {
          release();
        }
      })(),
    );
  }
  // every task's rejection is observed; the first failure is the build's error
  results.forEach((p) => p.catch(() => {}));
  return Promise.all(results);
}
