// Detach key sequences ("ctrl-p,ctrl-q"), as moby/term's ToBytes reads them, and the scanner that
// spots one in a stdin stream (moby/term's EscapeProxy). Shared by the API (attach/exec streams)
// and the CLI (the local terminal); each wraps a bad spec in its own error.

/** ctrl-@ … ctrl-_ in ASCII order: the index is the byte. */
const CTRL = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'].map((c) => `ctrl-${c}`);

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" → [16, 17]; a single character is itself, DEL is 127. Throws "Unknown character: 'x'". */
export function detachKeyBytes(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) out.push(key.charCodeAt(0));
    else if (CTRL.includes(key)) out.push(CTRL.indexOf(key));
    else if (key === 'DEL') out.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(out);
}

/** Feed stdin chunks; returns the bytes to pass on and whether the whole sequence was typed (a partial match is held back). */
export class DetachScanner {
  private readonly keys: Buffer;
  private matched = 0;
  constructor(keys: Buffer) {
    this.keys = keys;
  }
  feed(chunk: Buffer): { pass: Buffer; detach: boolean } {
    const pass: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { pass: Buffer.from(pass), detach: true };
        }
        continue;
      }
      // A partial match that breaks: the held-back bytes were real input.
      if (this.matched) pass.push(...this.keys.subarray(0, this.matched));
      this.matched = 0;
      if (b === this.keys[0]) this.matched = 1;
      else pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}
