// A network create request (Engine API NetworkCreateRequest) checked field by field as dockerd checks it
// (moby's daemon.createNetwork and libnetwork's NewNetwork), in dockerd's order so that the first problem
// found is the one it reports. What Berth honours comes back as a plan; what it cannot (swarm scopes,
// ingress, overlay, networks without IPv4) is refused with dockerd's status and words, never dropped.
import { BerthError, conflict, forbidden, invalidParameter, notFound } from '../errdefs.ts';
import { validateIpamRequest } from './ipam-validate.ts';
import { isV6 } from './ipam6.ts';
import type { IpamConfigRequest } from './ipam-request.ts';
import { VLAN_DRIVERS } from './vlan-options.ts';
import type { NetworkRecord } from './types.ts';

export interface NetworkCreateRequest {
  Name?: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string } | null;
  EnableIPv4?: boolean | null;
  EnableIPv6?: boolean | null;
  IPAM?: { Driver?: string; Config?: IpamConfigRequest[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface CreatePlan {
  name: string;
  /** bridge, macvlan, ipvlan; `null` for a configuration-only network (no driver behind it) */
  driver: 'bridge' | 'macvlan' | 'ipvlan' | 'null';
  enableIPv6: boolean;
  /** the pools asked for (of the configuration network with ConfigFrom) */
  pools: IpamConfigRequest[] | undefined;
  ipamOptions: Record<string, string> | null;
  options: Record<string, string>;
  labels: Record<string, string>;
  internal: boolean;
  attachable: boolean;
  configOnly: boolean;
  /** the configuration-only network the plan's pools and options come from */
  configFrom?: string;
}

/** The names dockerd reserves (daemon/network IsPredefined on Linux). */
const PREDEFINED = ['bridge', 'host', 'none', 'default'];
const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const ENABLE_IPV4 = 'com.docker.network.enable_ipv4';
const ENABLE_IPV6 = 'com.docker.network.enable_ipv6';
const TRUE = ['1', 't', 'T', 'true', 'TRUE', 'True'];
const FALSE = ['0', 'f', 'F', 'false', 'FALSE', 'False'];

/** EnableIPv4/EnableIPv6, or else the driver option of the same meaning (which the field then replaces). */
function family(field: boolean | null | undefined, options: Record<string, string>, key: string, dflt: boolean): boolean {
  if (field !== undefined && field !== null) {
    delete options[key];
    return field;
  }
  const v = options[key];
  if (v === undefined) return dflt;
  if (!TRUE.includes(v) && !FALSE.includes(v)) throw invalidParameter(`driver-opt "${key}" is not a valid bool`);
  return TRUE.includes(v);
}

/** The plan for `req`, given the networks that exist; throws dockerd's error for what it refuses. */
export function planCreate(req: NetworkCreateRequest, existing: NetworkRecord[]): CreatePlan {
  const name = req.Name ?? '';
  if (PREDEFINED.includes(name)) throw forbidden(`operation is not permitted on predefined ${name} network `);
  const driver = req.Driver || 'bridge';
  if (driver === 'overlay') throw forbidden(NOT_A_MANAGER);
  const options = { ...(req.Options ?? {}) };
  const enableIPv4 = family(req.EnableIPv4, options, ENABLE_IPV4, true);
  const enableIPv6 = family(req.EnableIPv6, options, ENABLE_IPV6, false);
  const scope = req.Scope ?? '';
  if (req.ConfigOnly && (req.Ingress || req.Internal || req.Attachable || scope)) {
    throw forbidden('configuration network can only contain network specific fields. Network operator fields like [ ingress | internal | attachable | scope ] are not supported.');
  }
  const pools = req.IPAM?.Config ?? undefined;
  if (req.IPAM) validateIpamRequest(pools ?? [], enableIPv6);
  if (!name.trim()) throw invalidParameter('invalid name: name is empty');
  // (CheckDuplicate is always on since API 1.44; dockerd 20.10 let `false` make a second network of a name)
  if (existing.some((n) => n.Name === name)) throw conflict(`network with name ${name} already exists`);
  const configFrom = req.ConfigFrom?.Network || undefined;
  if (configFrom) {
    if (req.ConfigOnly) throw forbidden('a configuration network cannot depend on another configuration network');
    const ipamDriver = req.IPAM?.Driver;
    if ((ipamDriver && ipamDriver !== 'default') || !enableIPv4 || enableIPv6 || Object.keys(req.Labels ?? {}).length || Object.keys(req.IPAM?.Options ?? {}).length || pools?.length) {
      throw forbidden('user-specified configurations are not supported if the network depends on a configuration network');
    }
    if (Object.keys(options).length) throw forbidden('network driver options are not supported if the network depends on a configuration network');
  }
  const plan: CreatePlan = { name, driver: 'null', enableIPv6, pools, ipamOptions: req.IPAM?.Options ?? null, options, labels: { ...(req.Labels ?? {}) }, internal: !!req.Internal, attachable: !!req.Attachable, configOnly: !!req.ConfigOnly };
  if (req.ConfigOnly) return checkIpam(plan, req, enableIPv4);
  if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
  if (driver !== 'bridge' && !VLAN_DRIVERS.includes(driver)) throw notFound(`plugin "${driver}" not found`);
  plan.driver = driver as CreatePlan['driver'];
  if (req.Ingress) throw forbidden('Ingress network can only be global scope network');
  if (configFrom) {
    const cfg = existing.find((n) => n.ConfigOnly && n.Name === configFrom);
    if (!cfg) throw notFound(`configuration network "${configFrom}" does not exist`);
    Object.assign(plan, { configFrom: cfg.Name, enableIPv6: cfg.EnableIPv6, pools: cfg.IPAM.Config, ipamOptions: cfg.IPAM.Options, options: { ...cfg.Options }, labels: { ...cfg.Labels } });
  }
  if (scope === 'swarm') throw forbidden('cannot create a swarm scoped network when swarm is not active');
  // (a "global" scope is the multi-host networks of a swarm manager; dockerd 20.10 answers so for any scope but local)
  if (scope && scope !== 'local') throw forbidden(NOT_A_MANAGER);
  return checkIpam(plan, req, enableIPv4);
}

/** What the IPAM driver and the network driver would refuse of the pools. */
function checkIpam(plan: CreatePlan, req: NetworkCreateRequest, enableIPv4: boolean): CreatePlan {
  // (current dockerd makes IPv6-only networks; Berth's drivers give every container an IPv4 address)
  if (!enableIPv4) throw invalidParameter('networks without IPv4 (EnableIPv4: false) are not supported by Berth');
  const ipamDriver = req.IPAM?.Driver;
  if (ipamDriver && ipamDriver !== 'default') throw notFound(`plugin "${ipamDriver}" not found`);
  if (plan.driver === 'bridge') {
    const pools = plan.pools ?? [];
    const v6 = pools.filter((c) => isV6(c.Subnet ?? ''));
    if (pools.length - v6.length > 1 || (plan.enableIPv6 && v6.length > 1)) throw forbidden("bridge driver doesn't support multiple subnets");
  }
  return plan;
}

/** Removing a configuration-only network that other networks take their configuration from is refused. */
export function checkConfigInUse(n: NetworkRecord, all: NetworkRecord[]): void {
  if (n.ConfigOnly && all.some((o) => o.ConfigFrom?.Network === n.Name)) throw new BerthError('forbidden', `error while removing network: configuration network "${n.Name}" is in use`);
}
