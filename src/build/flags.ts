// Instruction flags (--name=value before an instruction's arguments) as BuildKit's Dockerfile frontend
// (docker/dockerfile:1) declares them: each instruction accepts only its own, a flag not declared fails
// with Docker's "Unknown flag: X", a string flag needs a value, a bool flag takes true/false, and only list
// flags (--mount, --exclude) may repeat.
import { words } from './vars.ts';

type Kind = 'string' | 'bool' | 'list';

const SPECS: Record<string, Record<string, Kind>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'list', network: 'string', security: 'string' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'list' },
  ADD: { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', exclude: 'list' },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

export interface Flags {
  /** the last (only) value of each string/bool flag: 'true'/'false' for bools */
  values: Record<string, string>;
  /** every value of a list flag, in order */
  lists: Record<string, string[]>;
}

/** A flag error; the parser adds Docker's "dockerfile parse error on line N: " in front. */
export class FlagError extends Error {}

/** Splits the leading --flags off an instruction's text (as BuildKit's extractBuilderFlags: a bare `--`
 * ends them), and returns the rest untouched. */
export function splitFlags(text: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /[ \t]/.test(text[i]!)) i++;
    if (!text.startsWith('--', i)) break;
    // one word, quotes allowed inside (--label="a b")
    let j = i;
    let quote = '';
    while (j < text.length && (quote || !/\s/.test(text[j]!))) {
      const c = text[j]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      j++;
    }
    const word = text.slice(i, j);
    i = j;
    if (word === '--') break;
    flags.push(words(word)[0] ?? word);
  }
  return { flags, rest: text.slice(i).replace(/^[ \t]+/, '') };
}

/** Validates the flags of `keyword` and returns their values. */
export function parseFlags(keyword: string, raw: string[]): Flags {
  const spec = SPECS[keyword] ?? {};
  const out: Flags = { values: {}, lists: {} };
  for (const f of raw) {
    const body = f.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    const kind = spec[name];
    if (!kind) throw new FlagError(`Unknown flag: ${name}`);
    if (kind === 'list') {
      if (value === undefined || value === '') throw new FlagError(`Missing a value on flag: ${name}`);
      (out.lists[name] ??= []).push(value);
      continue;
    }
    if (name in out.values) throw new FlagError(`Duplicate flag specified: ${name}`);
    if (kind === 'bool') {
      const v = (value ?? 'true').toLowerCase();
      if (v !== 'true' && v !== 'false') throw new FlagError(`expecting boolean value for flag ${name}, not: ${value}`);
      out.values[name] = v;
    } else {
      if (value === undefined) throw new FlagError(`Missing a value on flag: ${name}`);
      out.values[name] = value;
    }
  }
  return out;
}

/** The flags an instruction may carry, for the help of error messages and tests. */
export function knownFlags(keyword: string): string[] {
  return Object.keys(SPECS[keyword] ?? {});
}
