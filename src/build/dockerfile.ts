// Dockerfile → stages of instructions, parsed with dockerfile-ast (directives, escape, line continuations).
import { DockerfileParser } from 'dockerfile-ast';
import { invalidParameter } from '../errdefs.ts';

export interface Instruction {
  keyword: string;
  /** the arguments as written (continuations joined) */
  args: string;
  flags: Record<string, string>;
  line: number;
  /** the original text, for the "Step i/n : ..." line */
  original: string;
}

export interface Stage {
  index: number;
  name?: string;
  from: Instruction;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  escape: string;
  /** ARGs before the first FROM */
  globalArgs: Instruction[];
  stages: Stage[];
}

const KNOWN = ['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'];

/** Rebuilds parse the same Dockerfile again and again: keep the last few parses (callers must not change them). */
const parsed = new Map<string, ParsedDockerfile>();

export function parseDockerfile(text: string): ParsedDockerfile {
  const hit = parsed.get(text);
  if (hit) return hit;
  const result = parseUncached(text);
  if (parsed.size >= 16) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, result);
  return result;
}

function parseUncached(text: string): ParsedDockerfile {
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter?.() ?? '\\';
  const out: ParsedDockerfile = { escape, globalArgs: [], stages: [] };
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const line = ins.getRange().start.line + 1;
    if (!KNOWN.includes(keyword)) throw invalidParameter(`dockerfile parse error on line ${line}: unknown instruction: ${ins.getKeyword()}`);
    const flags: Record<string, string> = {};
    for (const f of ((ins as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }).getFlags?.() ?? [])) flags[f.getName()] = f.getValue() ?? 'true';
    const args = ins.getArgumentsContent() ?? '';
    const flagText = Object.entries(flags).map(([k, v]) => `--${k}=${v} `).join('');
    const i: Instruction = { keyword, args, flags, line, original: `${keyword} ${flagText}${args}`.trim() };
    if (keyword === 'FROM') {
      const parts = args.trim().split(/\s+/);
      if (!parts[0]) throw invalidParameter(`dockerfile parse error on line ${line}: FROM requires either one or three arguments`);
      if (parts.length !== 1 && !(parts.length === 3 && parts[1]!.toUpperCase() === 'AS')) throw invalidParameter(`dockerfile parse error on line ${line}: FROM requires either one or three arguments`);
      out.stages.push({ index: out.stages.length, name: parts[2]?.toLowerCase(), from: i, instructions: [] });
      continue;
    }
    if (!out.stages.length) {
      if (keyword !== 'ARG') throw invalidParameter(`dockerfile parse error on line ${line}: no build stage in current context`);
      out.globalArgs.push(i);
      continue;
    }
    if (!args.trim() && !['CMD', 'ENTRYPOINT'].includes(keyword)) throw invalidParameter(`dockerfile parse error on line ${line}: ${keyword} requires at least one argument`);
    out.stages[out.stages.length - 1]!.instructions.push(i);
  }
  if (!out.stages.length) throw invalidParameter('the Dockerfile (Dockerfile) cannot be empty');
  return out;
}
