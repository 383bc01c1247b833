// COPY/ADD --exclude and .dockerignore: patterns with the .dockerignore syntax (Go filepath.Match,
// `**`, `!` exceptions), matched against paths relative to the source root, with Docker's own
// matcher (@balena/dockerignore), case-sensitive as moby's patternmatcher is on Linux.
// Hostile patterns: the matcher compiles each to a regex, where a run of `**/` or `*` would make V8
// backtrack exponentially (Go's regexp is linear). Such runs mean what one of them means and are
// collapsed first; a pattern that does not compile (`[`, a giant one) matches nothing, as dockerd's
// builder ignores the error of such a pattern.
import dockerignore from '@balena/dockerignore';

// a CommonJS module whose module.exports is the factory (its typings describe an ES default export)
const ignore = dockerignore as unknown as typeof dockerignore.default;

// The pattern with each run of `**` groups written once. The matcher turns `**` (eating a `/` after
// it) into `(.*/)?`, or `.*` at the end, and a lone `*` into `[^/]*`; two `(.*/)?` in a row match what
// one does, and `(.*/)?.*` what `.*` does. Escaped characters (`\*`) are kept as they are.
function collapsed(pattern: string): string {
  let out = '';
  let lastWasAny = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
      lastWasAny = false;
    } else if (c === '*' && pattern[i + 1] === '*') {
      i += pattern[i + 2] === '/' ? 3 : 2;
      const atEnd = i >= pattern.length;
      if (lastWasAny) out = out.slice(0, -3);
      out += atEnd ? '**' : '**/';
      lastWasAny = !atEnd;
    } else {
      out += c;
      i++;
      lastWasAny = false;
    }
  }
  return out;
}

function compiles(pattern: string): boolean {
  try {
    ignore({ ignorecase: false }).add([pattern]).ignores('x/y');
    return true;
  } catch {
    return false;
  }
}

/** A predicate: whether a path (relative to the context or source root) is excluded. */
export function excluder(patterns: string[]): (rel: string) => boolean {
  const usable = patterns.map(collapsed).filter(compiles);
  if (!usable.length) return () => false;
  const ig = ignore({ ignorecase: false }).add(usable);
  return (rel) => !!rel && rel !== '.' && ig.ignores(rel);
}
