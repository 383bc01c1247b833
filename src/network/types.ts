// The network layer's records: a network as the store keeps it (Docker's network inspect, plus the
// Linux bridge behind it) and a published port's binding. The engine builds on these; they know nothing
// of containers.

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null' | 'macvlan' | 'ipvlan';
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** the Linux bridge of a bridge network */
  bridge?: string;
  /** the parent link and mode of a macvlan/ipvlan network; `made`: the driver made the link (and deletes it) */
  vlan?: { parent: string; mode: string; made: boolean };
}

/** One address pool of a network; the auxiliary addresses (name → address) are never given to containers. */
export interface IpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
  AuxiliaryAddresses?: Record<string, string>;
  /** a subnet the client gave without a gateway: the gateway is the subnet's first address, and (as
   * dockerd keeps the client's IPAM config) inspect shows none */
  gatewayImplicit?: boolean;
}

/** One host address and port a container port is published on (Docker's PortBinding). */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}
