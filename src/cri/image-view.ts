// Pure mappings between Berth's image records and the CRI's Image and AuthConfig messages,
// following containerd's CRI plugin (toCRIImage, getUserFromImage, ParseAuth).
import type { ImageRecord } from '../images/types.ts';
import { refString, parseNormalizedNamed, type Reference } from '../images/reference.ts';
import type { Credentials } from '../distribution/client.ts';
import { invalidParameter } from '../errdefs.ts';
import type { Msg } from './server.ts';

/** The CRI's Image: references fully qualified (docker.io/library/busybox:latest), as containerd gives them. */
export function criImage(img: ImageRecord, refs: Reference[]): Msg {
  const repo_tags: string[] = [];
  const repo_digests: string[] = [];
  for (const r of refs) {
    if (r.digest) repo_digests.push(refString({ domain: r.domain, path: r.path, digest: r.digest }));
    else if (r.tag) repo_tags.push(refString(r));
  }
  const { uid, username } = userOfImage(img.config.config?.User ?? '');
  return {
    id: img.id,
    repo_tags,
    repo_digests,
    size: String(img.size),
    ...(uid !== undefined ? { uid: { value: String(uid) } } : {}),
    username,
    pinned: false,
  };
}

/** The image's USER as the CRI reports it: a numeric uid, or else a user name (the group part is dropped). */
export function userOfImage(user: string): { uid?: number; username: string } {
  if (!user) return { username: '' };
  const name = user.split(':')[0]!;
  if (/^-?\d+$/.test(name)) return { uid: Number(name), username: '' };
  return { username: name };
}

/** containerd's ParseDockerRef: a normalized name, ":latest" when neither tag nor digest, the tag dropped beside a digest. */
export function parseDockerRef(image: string): Reference {
  let ref: Reference;
  try {
    ref = parseNormalizedNamed(image);
  } catch (e) {
    throw invalidParameter(`failed to parse image reference ${JSON.stringify(image)}: ${(e as Error).message}`, e);
  }
  if (ref.digest) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return ref.tag ? ref : { ...ref, tag: 'latest' };
}

/** The AuthConfig of a PullImageRequest as credentials for `host` (containerd's ParseAuth): none when
 * server_address names another registry; username/password, identity token, or base64 "user:password". */
export function credentialsFor(auth: Msg | null | undefined, host: string): Credentials | undefined {
  if (!auth) return undefined;
  if (auth.server_address) {
    const server = String(auth.server_address);
    const hostOf = (s: string) => {
      const withScheme = /^[a-z]+:\/\//i.test(s) ? s : `https://${s}`;
      try {
        return new URL(withScheme).host;
      } catch {
        return s;
      }
    };
    const normalizedHost = (h: string) => (h === 'index.docker.io' || h === 'docker.io' ? 'registry-1.docker.io' : h);
    if (normalizedHost(hostOf(server)) !== normalizedHost(host)) return undefined;
  }
  if (auth.username) return { username: auth.username, password: auth.password ?? '' };
  if (auth.identity_token) return { identitytoken: auth.identity_token };
  if (auth.registry_token) return { registrytoken: auth.registry_token };
  if (auth.auth) {
    const decoded = Buffer.from(String(auth.auth), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidParameter('invalid decoded auth: expected "username:password"');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}
