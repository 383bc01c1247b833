// COPY/ADD --exclude: patterns with the .dockerignore syntax (Go filepath.Match, `**`, `!` exceptions),
// matched against paths relative to the source root, with Docker's own matcher (@balena/dockerignore).
import dockerignore from '@balena/dockerignore';

// a CommonJS module whose module.exports is the factory (its typings describe an ES default export)
const ignore = dockerignore as unknown as typeof dockerignore.default;

/** A predicate: whether a path (relative to the context or source root) is excluded. */
export function excluder(patterns: string[]): (rel: string) => boolean {
  if (!patterns.length) return () => false;
  const ig = ignore().add(patterns);
  return (rel) => !!rel && rel !== '.' && ig.ignores(rel);
}
