// The address leases CNI's host-local IPAM keeps in <its dataDir>/<network name>: one file per leased
// address, named by the address, holding the container id and (since CNI 0.8) "\r\n" and the interface.
// Berth reads them after a restart to find what containers that no longer run still hold.
import fs from 'node:fs';
import path from 'node:path';

export interface Lease {
  ip: string;
  containerId: string;
  ifName: string;
}

export function readLeases(dir: string): Lease[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: Lease[] = [];
  // host-local's own files: "lock" and "last_reserved_ip.<range>"; a lease is named by its address
  for (const name of names.filter((n) => /^[0-9a-f.:]+$/i.test(n) && /[.:]/.test(n))) {
    let text: string;
    try {
      if (!fs.statSync(path.join(dir, name)).isFile()) continue;
      text = fs.readFileSync(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    const [id = '', ifName = 'eth0'] = text.split(/\r?\n/).map((s) => s.trim());
    if (id) out.push({ ip: name, containerId: id, ifName: ifName || 'eth0' });
  }
  return out;
}

/** The owner written into the lease of an auxiliary address (--aux-address), which no container holds. */
export const AUX_OWNER = 'berth-aux-address';

/** Reserve addresses in host-local's directory as leases of no container (idempotent). */
export function reserve(dir: string, addresses: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, ip] of Object.entries(addresses)) {
    try {
      fs.writeFileSync(path.join(dir, ip), `${AUX_OWNER}\r\n${name}`, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The name of a network's directory of leases, and of its CNI network: its name where that is a safe
 * file name, else its id (Docker accepts any name: "test 01", "a/b", 300 characters). The two spellings
 * never meet: a safe name does not start with a dot. */
export function leaseKey(n: { Name: string; Id: string }): string {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,199}$/.test(n.Name) ? n.Name : `.id-${n.Id}`;
}
