// Signal names and numbers as Docker accepts them ("KILL", "SIGKILL", "9").
import { constants } from 'node:os';
import { invalidParameter } from '../../errdefs.ts';

export function signalNumber(sig: string | number): number {
  if (typeof sig === 'number') return sig;
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw invalidParameter(`Invalid signal: ${sig}`);
    return n;
  }
  const name = s.startsWith('SIG') ? s : 'SIG' + s;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
  if (rt) return 34 + Number(rt[1] ?? 0);
  const n = (constants.signals as Record<string, number>)[name];
  if (!n) throw invalidParameter(`Invalid signal: ${sig}`);
  return n;
}
