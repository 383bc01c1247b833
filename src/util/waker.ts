// A sleep that something else can cut short: a log follower waits for more output, and an event
// (new lines, an exit, a rotation, an abort) wakes it at once instead of at the next poll.

export class Waker {
  private wake: (() => void) | undefined;

  /** End the current sleep now (nothing happens when none is under way). */
  readonly poke = (): void => {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  };

  /** Sleep up to `ms`, or until poke(). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
