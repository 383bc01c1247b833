// One full garbage collection soon after a bulk stream (a layer unpacked). berthd runs with
// --external-memory-accounted-in-global-limit (bin/berthd), so the ~600 MB of short-lived Buffers of
// a pull no longer start a mark every 64 MiB; the dead ones of its end would then stay allocated until
// some later collection (tens of MB held at rest). One collection a moment after the last layer gives
// them back. It needs --expose-gc; without it (tests importing the module) nothing is done.
const DELAY_MS = 1000;
let timer: NodeJS.Timeout | undefined;

export function collectSoon(): void {
  const gc = (globalThis as { gc?: (o?: { type: 'major'; execution: 'async' }) => void }).gc;
  if (!gc) return;
  // (the last call wins: a series of layers is followed by one collection)
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    gc({ type: 'major', execution: 'async' });
  }, DELAY_MS);
  timer.unref();
}
