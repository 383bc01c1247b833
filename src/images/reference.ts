// Image references exactly as Docker parses them (github.com/distribution/reference):
// "busybox" → docker.io/library/busybox:latest, registry hosts with ports, @sha256: digests,
// and Docker's error messages for malformed names.
import { invalidParameter } from '../errdefs.ts';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar, built the way distribution/reference builds its regexps.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRe = new RegExp(`^${tagPat}$`);
const anchoredIdentifierRe = /^[a-f0-9]{64}$/;

const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A parsed, normalized reference: domain + path, with an optional tag and/or digest. */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/** Docker's reference errors are invalid-parameter errors (400). */
const bad = (msg: string) => invalidParameter(msg);

/** go-digest's Parse: "algorithm:hex" with the right length for the algorithm. */
export function parseDigest(s: string): string {
  const i = s.indexOf(':');
  if (i <= 0 || i + 1 >= s.length) throw bad('invalid checksum digest format');
  const alg = s.slice(0, i);
  const hex = s.slice(i + 1);
  const want = DIGEST_LENGTHS[alg];
  if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(alg)) throw bad('invalid checksum digest format');
  if (want === undefined) throw bad('unsupported digest algorithm');
  if (hex.length !== want) throw bad('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw bad('invalid checksum digest format');
  return s;
}

export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

/** distribution/reference Parse: no normalization, the name must already be fully qualified or bare. */
function parse(s: string): Reference {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === '') throw bad('repository name must have at least one component');
    if (referenceRe.test(s.toLowerCase())) throw bad('repository name must be lowercase');
    throw bad('invalid reference format');
  }
  const nm = anchoredNameRe.exec(m[1]!)!;
  const ref: Reference = { domain: nm[1] ?? '', path: nm[2]! };
  if (ref.path.length > NAME_TOTAL_LENGTH_MAX) throw bad(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  if (m[2]) ref.tag = m[2];
  if (m[3]) ref.digest = parseDigest(m[3]);
  return ref;
}

function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (i < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, i);
  const maybeRemote = name.slice(i + 1);
  if (maybeDomain === 'localhost') [domain, remainder] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remainder] = [maybeDomain, maybeRemote];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remainder] = [maybeDomain, maybeRemote];
  else [domain, remainder] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

/** ParseNormalizedNamed: "busybox" → docker.io/library/busybox (no default tag added). */
export function parseNormalizedNamed(s: string): Reference {
  if (anchoredIdentifierRe.test(s)) throw bad(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) throw bad(`invalid reference format: repository name (${remote}) must be lowercase`);
  return parse(`${domain}/${remainder}`);
}

/**
 * ParseAnyReference: a bare 64-hex id or an "algo:hex" digest is a digest-only reference
 * (`{ digest }` with empty name); anything else is a normalized named reference.
 */
export function parseAnyReference(s: string): Reference {
  if (anchoredIdentifierRe.test(s)) return { domain: '', path: '', digest: `sha256:${s}` };
  if (isDigest(s)) return { domain: '', path: '', digest: s };
  return parseNormalizedNamed(s);
}

export function isNamed(r: Reference): boolean {
  return r.path !== '';
}

export function withTag(r: Reference, tag: string): Reference {
  if (!anchoredTagRe.test(tag)) throw bad('invalid tag format');
  return { domain: r.domain, path: r.path, tag };
}

/** TagNameOnly: a name without tag or digest gets ":latest". */
export function tagNameOnly(r: Reference): Reference {
  if (isNamed(r) && !r.tag && !r.digest) return { ...r, tag: 'latest' };
  return r;
}

/** The repository name, fully qualified: docker.io/library/busybox. */
export const fullName = (r: Reference) => (r.domain ? `${r.domain}/${r.path}` : r.path);

/** The reference as stored: docker.io/library/busybox:latest or ...@sha256:... */
export function refString(r: Reference): string {
  let s = fullName(r);
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** FamiliarName: busybox, user/repo, localhost:5000/x. */
export function familiarName(r: Reference): string {
  if (r.domain === DEFAULT_DOMAIN) {
    const rest = r.path.startsWith(OFFICIAL_REPO_PREFIX) ? r.path.slice(OFFICIAL_REPO_PREFIX.length) : r.path;
    return rest.includes('/') ? r.path : rest;
  }
  return fullName(r);
}

/** FamiliarString: busybox:latest, busybox@sha256:..., sha256:... for digest-only. */
export function familiarString(r: Reference): string {
  let s = isNamed(r) ? familiarName(r) : '';
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += isNamed(r) ? `@${r.digest}` : r.digest;
  return s;
}

/** Parse a stored (fully qualified) reference string back. */
export function parseStored(s: string): Reference {
  return parse(s);
}

/** Normalize what a user typed to the stored form, defaulting the tag: "busybox" → docker.io/library/busybox:latest. */
export function normalize(s: string): string {
  return refString(tagNameOnly(parseNormalizedNamed(s)));
}

/** familiar form of a stored reference string. */
export function familiar(stored: string): string {
  return familiarString(parse(stored));
}

/**
 * httputils.RepoTagReference: the `repo` and `tag` query parameters of tag/import/commit,
 * as one tagged reference (undefined when repo is empty).
 */
export function repoTagReference(repo: string | undefined, tag: string | undefined): Reference | undefined {
  if (!repo) return undefined;
  let ref = parseNormalizedNamed(repo);
  if (ref.digest) throw bad('cannot import digest reference');
  if (tag) ref = withTag(ref, tag);
  return tagNameOnly(ref);
}

/** The fromImage and tag of POST /images/create (a pull) as one reference: the tag may be a digest
 * (docker pull name@sha256:…), as dockerd reads them. */
export function pullReference(fromImage: string, tag: string | undefined): Reference {
  let ref = parseNormalizedNamed(fromImage.replace(/:$/, ''));
  if (tag) {
    let digest: string | undefined;
    try {
      digest = parseDigest(tag);
    } catch {
      // not a digest: a tag, which withTag validates
    }
    ref = digest ? { domain: ref.domain, path: ref.path, digest } : withTag(ref, tag);
  }
  return ref;
}

/** Go's path.Match glob, used by the `reference` filter (FamiliarMatch). */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/\\/g, '\\\\');
      else cls = cls.replace(/\\/g, '\\\\');
      re += `[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(re + '$').test(name);
  } catch {
    return false;
  }
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** FamiliarMatch: the glob against the familiar string, or else against the familiar name. */
export function familiarMatch(pattern: string, r: Reference): boolean {
  if (pathMatch(pattern, familiarString(r))) return true;
  return isNamed(r) && pathMatch(pattern, familiarName(r));
}
