// Docker's user resolution against a rootfs's /etc/passwd and /etc/group (moby/sys/user GetExecUser and
// GetAdditionalGroups): "", "name", "uid", "uid:gid", "name:group", plus --group-add.
import { BerthError } from '../errdefs.ts';

const MAX_ID = 2147483647;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary groups from /etc/group memberships (implicit form only). */
  sgids: number[];
  home: string;
}

const userError = (msg: string) => new BerthError('system', msg);

function toInt(s: string | undefined): number {
  const n = Number.parseInt(s ?? '', 10);
  return Number.isNaN(n) ? 0 : n;
}

/** The colon-separated records of an /etc/passwd or /etc/group text; blank lines and comments skipped. */
function records(text: string | undefined): string[][] {
  if (text === undefined) return [];
  return text
    .split('\n')
    .map((raw) => raw.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return records(text).map((f) => ({ name: f[0] ?? '', uid: toInt(f[2]), gid: toInt(f[3]), home: f[5] ?? '', shell: f[6] ?? '' }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return records(text).map((f) => ({ name: f[0] ?? '', gid: toInt(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/** A numeric id (isNum) or not; throws for a number out of range as moby does. */
function parseNumeric(s: string): { n: number; isNum: boolean } {
  if (s === '' || !/^[+-]?\d+$/.test(s)) return { n: 0, isNum: false };
  const n = Number(s);
  if (n < 0 || n > MAX_ID) throw userError(`uids and gids must be in range 0-${MAX_ID}`);
  return { n, isNum: true };
}

/**
 * Resolve Docker's User string. `passwd`/`group` are the file contents, or undefined when the file does not exist
 * (then only numeric ids work).
 */
export function resolveExecUser(spec: string, passwd: string | undefined, group: string | undefined): ExecUser {
  const user: ExecUser = { uid: 0, gid: 0, sgids: [], home: '/' };
  const parts = spec.split(':');
  const userArg = parts[0] ?? '';
  const groupArg = parts[1] ?? '';
  const u = parseNumeric(userArg);
  const g = parseNumeric(groupArg);

  const users = parsePasswd(passwd).filter((e) => (userArg === '' ? e.uid === user.uid : u.isNum ? e.uid === u.n : e.name === userArg));
  let matchedName = '';
  if (users.length > 0) {
    matchedName = users[0].name;
    user.uid = users[0].uid;
    user.gid = users[0].gid;
    user.home = users[0].home;
  } else if (userArg !== '') {
    if (!u.isNum) throw userError(`unable to find user ${userArg}: no matching entries in passwd file`);
    user.uid = u.n;
  }

  if (groupArg !== '' || matchedName !== '') {
    const groups = parseGroup(group).filter((e) => {
      if (groupArg === '') return e.members.includes(matchedName);
      return g.isNum ? e.gid === g.n : e.name === groupArg;
    });
    if (groupArg !== '') {
      if (groups.length > 0) user.gid = groups[0].gid;
      else {
        if (!g.isNum) throw userError(`unable to find group ${groupArg}: no matching entries in group file`);
        user.gid = g.n;
      }
    } else if (groups.length > 0) {
      user.sgids = groups.map((e) => e.gid);
    }
  }
  return user;
}

/** --group-add: names must exist in /etc/group; numeric ids are taken as they are. */
export function resolveAdditionalGroups(names: string[], group: string | undefined): number[] {
  const entries = parseGroup(group);
  const out: number[] = [];
  for (const name of names) {
    const { n, isNum } = parseNumeric(name);
    const match = entries.find((e) => (isNum ? e.gid === n : e.name === name));
    if (match) {
      if (match.gid < 0 || match.gid > MAX_ID) throw userError(`uids and gids must be in range 0-${MAX_ID}`);
      out.push(match.gid);
    } else if (isNum) out.push(n);
    // (moby/sys/user capitalises this one, unlike the user and group of -u)
    else throw userError(`Unable to find group ${name}: no matching entries in group file`);
  }
  return out;
}

/** The OCI process user: gid first in additionalGids, then memberships, then --group-add (deduplicated). */
export function ociUser(spec: string, groupAdd: string[], passwd: string | undefined, group: string | undefined): { uid: number; gid: number; additionalGids: number[]; home: string } {
  const u = resolveExecUser(spec, passwd, group);
  const add = groupAdd.length ? resolveAdditionalGroups(groupAdd, group) : [];
  const additionalGids = [...new Set([u.gid, ...u.sgids, ...add])];
  return { uid: u.uid, gid: u.gid, additionalGids, home: u.home || '/' };
}
