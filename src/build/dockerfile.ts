// Dockerfile → stages of instructions, with the rules of BuildKit's Dockerfile frontend (docker/dockerfile:1):
// parser directives at the top (syntax, escape, check), whole-line comments, line continuations with the
// escape character (comment and empty lines inside a continuation skipped), instruction flags validated
// per instruction, and heredocs for RUN/COPY/ADD. Errors read as the classic builder's
// ("dockerfile parse error line N: ..."), since the wire protocol is the classic POST /build.
// Our own parser rather than dockerfile-ast: that one is the language server's, tolerant by design (it parses
// past errors to report diagnostics), while a build must stop at BuildKit's first error with its message and
// line, and validate flags per instruction; the walk over its tree would have been a second parser.
import { invalidParameter } from '../errdefs.ts';
import { FlagError, parseFlags, splitFlags } from './flags.ts';
import { heredocsOf, type Heredoc } from './heredoc.ts';

export interface Instruction {
  keyword: string;
  /** the arguments as written (continuations joined), after the flags */
  args: string;
  /** string and bool flags (bools as 'true'/'false') */
  flags: Record<string, string>;
  /** list flags (--mount, --exclude): every value */
  lists: Record<string, string[]>;
  /** heredoc bodies the line opened (RUN, COPY, ADD) */
  heredocs: Heredoc[];
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
  /** the `# syntax=` directive, when given (checked: Berth's built-in frontend) */
  syntax?: string;
}

const KNOWN = ['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'];
const HEREDOC_INSTRUCTIONS = ['RUN', 'COPY', 'ADD'];
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** An instruction's error, as current Docker's classic builder words it (BuildKit's instructions
 * parser; dockerd 20.10 said "dockerfile parse error line N: "). */
function parseError(line: number, msg: string): Error {
  return invalidParameter(`dockerfile parse error on line ${line}: ${msg}`);
}

/** An error of the Dockerfile's text itself (directives, heredocs): dockerd says "failed to parse NAME: ". */
class DockerfileTextError extends Error {}

/** BuildKit's suggestion for a mistyped instruction: the nearest keyword within edit distance 2. */
function suggestInstruction(word: string): string {
  let best = '';
  let min = 3;
  for (const k of KNOWN.map((x) => x.toLowerCase())) {
    if (k === word) return '';
    const d = editDistance(word, k);
    if (d < min) [best, min] = [k, d];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** `# syntax=`: Berth builds with its own Dockerfile frontend, which is docker/dockerfile:1 (any 1.x, and
 * the -labs channel). Another frontend image cannot be run here: refused rather than ignored. */
export function checkSyntax(ref: string): void {
  const m = /^(?:docker\.io\/)?docker\/dockerfile(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(ref.trim());
  const tag = m?.[1];
  if (m && (tag === undefined || /^(1(\.\d+){0,2}(-labs)?|latest|labs)$/.test(tag))) return;
  throw invalidParameter(`unsupported Dockerfile frontend "${ref}": this daemon builds with its built-in frontend, which is docker/dockerfile:1; it cannot run other frontend images`);
}

/** Rebuilds parse the same Dockerfile again and again: keep the last few parses (callers must not change them). */
const parsed = new Map<string, ParsedDockerfile>();

export function parseDockerfile(text: string, name = 'Dockerfile'): ParsedDockerfile {
  const hit = parsed.get(text);
  if (hit) return hit;
  let result: ParsedDockerfile;
  try {
    result = parseUncached(text);
  } catch (e) {
    if (e instanceof DockerfileTextError) throw invalidParameter(`failed to parse ${name}: ${e.message}`);
    throw e;
  }
  if (parsed.size >= 16) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, result);
  return result;
}

interface RawInstruction {
  line: number;
  text: string;
  heredocs: Heredoc[];
}

/** Docker's parser reads the Dockerfile with a bufio.Scanner, whose line buffer is 64 KiB: a longer
 * physical line (bytes, without its newline) is refused with the scanner's limit. */
const MAX_LINE_BYTES = 65535;

function checkLineLengths(text: string): void {
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // a UTF-16 unit is at most 3 UTF-8 bytes: only lines this long can be over the limit
    if (end - start > MAX_LINE_BYTES / 3 && Buffer.byteLength(text.slice(start, end)) > MAX_LINE_BYTES) {
      throw new DockerfileTextError(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`);
    }
    start = end + 1;
  }
}

/** The logical lines: directives read, comments dropped, continuations joined, heredoc bodies taken. */
export function logicalLines(text: string): { escape: string; syntax?: string; lines: RawInstruction[] } {
  checkLineLengths(text);
  const src = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (src.length && src[src.length - 1] === '') src.pop();
  let escape = '\\';
  let syntax: string | undefined;
  const seen = new Set<string>();
  let i = 0;
  for (; i < src.length; i++) {
    const m = DIRECTIVE.exec(src[i]!);
    if (!m) break;
    const name = m[1]!.toLowerCase();
    if (!['syntax', 'escape', 'check'].includes(name)) break;
    if (seen.has(name)) throw new DockerfileTextError(`only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileTextError(`invalid escape token '${m[2]}' does not match \` or \\`);
      escape = m[2];
    } else if (name === 'syntax') syntax = m[2];
  }
  const isComment = (l: string) => /^\s*#/.test(l);
  const isBlank = (l: string) => /^\s*$/.test(l);
  const continues = (l: string) => {
    const t = l.replace(/[ \t]+$/, '');
    return t.endsWith(escape) ? t.slice(0, -1) : undefined;
  };
  const lines: RawInstruction[] = [];
  for (; i < src.length; i++) {
    const first = src[i]!;
    if (isComment(first) || isBlank(first)) continue;
    const start = i + 1;
    let acc = '';
    let cur = first.replace(/^\s+/, '');
    for (;;) {
      const c = continues(cur);
      if (c === undefined) {
        acc += cur;
        break;
      }
      acc += c;
      // the next line that is neither a comment nor empty continues this one
      do i++;
      while (i < src.length && (isComment(src[i]!) || isBlank(src[i]!)));
      if (i >= src.length) break;
      cur = src[i]!;
    }
    const kw = /^(\S+)/.exec(acc)?.[1]?.toUpperCase() ?? '';
    let heredocs: Heredoc[] = [];
    if (HEREDOC_INSTRUCTIONS.includes(kw)) {
      heredocs = heredocsOf(splitFlags(acc.slice(kw.length)).rest);
      for (const h of heredocs) {
        let done = false;
        while (++i < src.length) {
          const l = h.chomp ? src[i]!.replace(/^\t+/, '') : src[i]!;
          if (l === h.name) {
            done = true;
            break;
          }
          h.content += src[i]! + '\n';
        }
        if (!done) throw new DockerfileTextError('unterminated heredoc');
      }
    }
    lines.push({ line: start, text: acc, heredocs });
  }
  return { escape, syntax, lines };
}

/** One instruction from its logical line (also used for ONBUILD triggers). */
export function parseInstruction(raw: RawInstruction): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(raw.text)!;
  const keyword = m[1]!.toUpperCase();
  // BuildKit's parser lower-cases the word (dockerd 20.10 upper-cased it)
  if (!KNOWN.includes(keyword)) throw parseError(raw.line, `unknown instruction: ${m[1]!.toLowerCase()}${suggestInstruction(m[1]!.toLowerCase())}`);
  const { flags: rawFlags, rest } = splitFlags(m[2]!);
  let parsedFlags;
  try {
    parsedFlags = parseFlags(keyword, rawFlags);
  } catch (e) {
    if (e instanceof FlagError) throw parseError(raw.line, e.message);
    throw e;
  }
  const net = parsedFlags.values.network;
  if (net !== undefined && !['default', 'none', 'host'].includes(net)) throw parseError(raw.line, `unsupported network mode "${net}"`);
  const sec = parsedFlags.values.security;
  if (sec !== undefined && !['sandbox', 'insecure'].includes(sec)) throw parseError(raw.line, `unsupported security mode "${sec}"`);
  return { keyword, args: rest.replace(/\s+$/, ''), flags: parsedFlags.values, lists: parsedFlags.lists, heredocs: raw.heredocs, line: raw.line, original: raw.text.trim() };
}

function parseUncached(text: string): ParsedDockerfile {
  const { escape, syntax, lines } = logicalLines(text);
  if (syntax !== undefined) checkSyntax(syntax);
  const out: ParsedDockerfile = { escape, globalArgs: [], stages: [], syntax };
  for (const raw of lines) {
    const i = parseInstruction(raw);
    const { keyword, args, line } = i;
    if (keyword === 'FROM') {
      const parts = args.trim().split(/\s+/);
      if (!parts[0] || (parts.length !== 1 && !(parts.length === 3 && parts[1]!.toUpperCase() === 'AS'))) throw parseError(line, 'FROM requires either one or three arguments');
      out.stages.push({ index: out.stages.length, name: parts[2]?.toLowerCase(), from: i, instructions: [] });
      continue;
    }
    if (!out.stages.length) {
      // (dockerd words this one without the "dockerfile parse error line N: " of the others)
      if (keyword !== 'ARG') throw invalidParameter('no build stage in current context');
      out.globalArgs.push(i);
      continue;
    }
    if (!args.trim() && !['CMD', 'ENTRYPOINT'].includes(keyword)) throw parseError(line, `${keyword} requires at least one argument`);
    out.stages[out.stages.length - 1]!.instructions.push(i);
  }
  if (!out.stages.length) throw invalidParameter('the Dockerfile (Dockerfile) cannot be empty');
  return out;
}
