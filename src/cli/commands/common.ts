// Flags and helpers shared by several commands.
import type { FlagSpec } from '../flags.ts';
import type { Filters } from '../../sdk/types.ts';

export const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  kind: 'string',
  usage: `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`.replace(/\n/g, '\n                    '),
};

export const INSPECT_FORMAT_FLAG: FlagSpec = {
  name: 'format',
  short: 'f',
  kind: 'string',
  usage: `Format output using a custom template:
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`.replace(/\n/g, '\n                    '),
};

export function filterFlag(usage = 'Filter output based on conditions provided'): FlagSpec {
  return { name: 'filter', short: 'f', kind: 'list', usage, typeName: 'filter' };
}

/** `--filter k=v` (repeatable) → {k: [v...]}; "bad format of filter (expected name=value)" otherwise. */
export function parseFilters(list: string[]): Filters | undefined {
  if (!list?.length) return undefined;
  const f: Filters = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i < 0) throw new Error('bad format of filter (expected name=value)');
    const k = kv.slice(0, i).trim().toLowerCase();
    (f[k] ??= []).push(kv.slice(i + 1));
  }
  return f;
}

/** Read all of a stream into a buffer. */
export async function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/** The container-ID file name format docker prints for `-q`-less creates. */
export function isTerminal(s: NodeJS.WriteStream | NodeJS.ReadStream): boolean {
  return !!(s as { isTTY?: boolean }).isTTY;
}
