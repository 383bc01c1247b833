// The driver options of macvlan and ipvlan networks (`-o parent=`, `-o macvlan_mode=`, `-o ipvlan_mode=`,
// `-o ipvlan_flag=`), read and checked as libnetwork's drivers do, with their messages. Pure: what the
// parent link is (an existing interface, a VLAN subinterface to make, a dummy to make) is decided here
// from what the caller says exists; the links themselves are made by vlan-driver.ts.
import { systemError, invalidParameter } from '../errdefs.ts';

export type VlanDriverName = 'macvlan' | 'ipvlan';

export const VLAN_DRIVERS: readonly string[] = ['macvlan', 'ipvlan'];

export interface VlanOptions {
  /** the parent link; a network without `-o parent` gets a dummy link of its own (dm-<short id>) */
  parent: string;
  /** macvlan: bridge|private|vepa|passthru; ipvlan: l2|l3|l3s */
  mode: string;
  /** how the parent comes to exist: it is there, or a VLAN subinterface (eth0.10) or a dummy to make */
  make?: { kind: 'vlan'; link: string; id: number } | { kind: 'dummy' };
}

const MACVLAN_MODES = ['bridge', 'private', 'vepa', 'passthru'];
const IPVLAN_MODES = ['l2', 'l3', 'l3s'];
const IPVLAN_FLAGS = ['bridge', 'private', 'vepa'];

/** The dummy parent libnetwork makes for a network created without `-o parent`. */
export function dummyName(networkId: string): string {
  return `dm-${networkId.slice(0, 12)}`;
}

/**
 * Docker's checks of a macvlan/ipvlan network's options, in libnetwork's order. `exists` says whether a
 * host interface of that name exists; `usedBy` gives the id of another network of the same driver on the
 * same parent (libnetwork refuses a second one). Options the driver does not read are kept and echoed by
 * inspect, as dockerd does (its drivers read only their own keys).
 */
export function vlanOptions(driver: VlanDriverName, networkId: string, o: Record<string, string>, exists: (iface: string) => boolean, usedBy: (parent: string) => string | undefined): VlanOptions {
  let mode: string;
  if (driver === 'macvlan') {
    mode = o.macvlan_mode || 'bridge';
    if (!MACVLAN_MODES.includes(mode)) throw systemError(`requested macvlan mode '${o.macvlan_mode}' is not valid, 'bridge' mode is the macvlan driver default`);
  } else {
    mode = o.ipvlan_mode || 'l2';
    if (!IPVLAN_MODES.includes(mode)) throw systemError(`requested ipvlan mode '${o.ipvlan_mode}' is not valid, 'l2' mode is the ipvlan driver default`);
    const flag = o.ipvlan_flag || 'bridge';
    if (!IPVLAN_FLAGS.includes(flag)) throw systemError(`requested ipvlan flag '${o.ipvlan_flag}' is not valid, 'bridge' is the ipvlan driver default`);
    // the CNI ipvlan plugin sets no flag: the kernel's default (bridge) is the only one Berth can give
    if (flag !== 'bridge') throw invalidParameter(`ipvlan_flag ${flag} is not supported by Berth (only bridge, the default)`);
  }
  const parent = o.parent || dummyName(networkId);
  if (parent === 'lo') throw systemError(`loopback interface is not a valid ${driver} parent link`);
  const other = usedBy(parent);
  if (other) throw systemError(`network ${dummyName(other)} is already using parent interface ${parent}`);
  if (exists(parent)) return { parent, mode };
  if (!o.parent) return { parent, mode, make: { kind: 'dummy' } };
  // a parent that does not exist must be a VLAN subinterface to make: <existing link>.<vlan id>
  if (!parent.includes('.')) throw systemError(`invalid subinterface vlan name ${parent}, example formatting is eth0.10`);
  const parts = parent.split('.');
  if (parts.length !== 2) throw systemError(`required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received ${parent}`);
  const [link, vid] = parts as [string, string];
  // as Go's strconv.Atoi: an optional sign and decimal digits
  if (!/^[+-]?\d+$/.test(vid)) throw systemError(`unable to parse a valid vlan id from: ${vid} (ex. eth0.10 for vlan 10)`);
  if (!exists(link)) throw systemError(`-o parent interface does was not found on the host: ${link}`);
  const id = Number(vid);
  if (id > 4094 || id < 1) throw systemError(`vlan id must be between 1-4094, received: ${id}`);
  return { parent, mode, make: { kind: 'vlan', link, id } };
}
