// Detach key sequences ("ctrl-p,ctrl-q") and a scanner that spots them in a stdin stream.
import { invalidParameter } from '../errdefs.ts';

export function parseDetachKeys(spec: string | undefined): Buffer {
  const s = spec || 'ctrl-p,ctrl-q';
  const out: number[] = [];
  for (const key of s.split(',')) {
    const k = key.trim().toLowerCase();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@\[\\\]^_]$/.test(k)) {
      const c = k[5];
      out.push(c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 96 : { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 }[c]!);
    } else throw invalidParameter(`Invalid escape keys (${s}) provided`);
  }
  return Buffer.from(out);
}

/** Feed stdin chunks; returns the bytes to pass on and whether the detach sequence was typed. */
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
        if (this.matched === this.keys.length) return { pass: Buffer.from(pass), detach: true };
        continue;
      }
      // A partial match that breaks: the held-back bytes were real input.
      if (this.matched) pass.push(...this.keys.subarray(0, this.matched));
      this.matched = b === this.keys[0] ? 1 : 0;
      if (!this.matched) pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}
