// The order in which host ports are handed out when a publication names none (-p 80, -P) or a range
// (-p 8000-8010:80): dockerd's portallocator's. Its range is the kernel's ephemeral one
// (ip_local_port_range; 49153-65535 when it cannot be read), and for each protocol, host address and
// range it goes on from the last port it gave, wrapping round at the end: the first container gets
// the range's first free port, the next one the port after it, and a port freed by a removed
// container comes round again only after the rest of the range. Ports the kernel keeps out of its
// own automatic choice (ip_local_reserved_ports) are skipped for the default range, not for one
// asked for. The state lives as long as the daemon, as dockerd's allocator does.
import fs from 'node:fs';

export interface PortRange {
  begin: number;
  end: number;
}

/** moby's fallback when the kernel's range cannot be read. */
export const DEFAULT_RANGE: PortRange = { begin: 49153, end: 65535 };

/** The kernel's ephemeral port range ("32768\t60999"). */
export function dynamicPortRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): PortRange {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return DEFAULT_RANGE; // (no procfs: dockerd falls back the same way)
  }
  const m = /^\s*(\d+)\s+(\d+)/.exec(text);
  const begin = Number(m?.[1]);
  const end = Number(m?.[2]);
  return m && begin >= 1 && begin <= end && end <= 65535 ? { begin, end } : DEFAULT_RANGE;
}

/** The kernel's reserved ports list ("8080,9148" or "30000-32767") within begin..end. */
export function parseReservedPorts(list: string, begin: number, end: number): Set<number> {
  const out = new Set<number>();
  for (const entry of list.trim().split(',')) {
    if (!entry) continue;
    const [a, b = a] = entry.split('-');
    const lo = Number(a);
    const hi = Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) return new Set(); // (unreadable: dockerd ignores the list)
    for (let p = Math.max(lo, begin); p <= Math.min(hi, end); p++) out.add(p);
  }
  return out;
}

export function reservedPorts(range: PortRange, file = '/proc/sys/net/ipv4/ip_local_reserved_ports'): Set<number> {
  try {
    return parseReservedPorts(fs.readFileSync(file, 'utf8'), range.begin, range.end);
  } catch {
    return new Set();
  }
}

export class HostPortAllocator {
  readonly range: PortRange;
  private readonly reserved: Set<number>;
  /** the last port given, by protocol, host address and range */
  private readonly last = new Map<string, number>();

  constructor(range: PortRange = dynamicPortRange(), reserved: Set<number> = reservedPorts(range)) {
    this.range = range;
    this.reserved = reserved;
  }

  private key(proto: string, ip: string, wanted?: PortRange): string {
    return `${proto}/${ip || '0.0.0.0'}/${wanted ? `${wanted.begin}-${wanted.end}` : 'default'}`;
  }

  /**
   * The ports to try, in dockerd's order: from the one after the last given for this protocol,
   * address and range (`wanted`; the ephemeral range when absent), once round the range.
   */
  *candidates(proto: string, ip: string, wanted?: PortRange): Generator<number> {
    const { begin, end } = wanted ?? this.range;
    let port = this.last.get(this.key(proto, ip, wanted)) ?? end;
    for (let i = begin; i <= end; i++) {
      port = port >= end ? begin : port + 1;
      if (!wanted && this.reserved.has(port)) continue;
      yield port;
    }
  }

  /** Remembers a port given (or tried and found taken by another program: dockerd's next try
   * goes on after it as well). */
  given(proto: string, ip: string, port: number, wanted?: PortRange): void {
    this.last.set(this.key(proto, ip, wanted), port);
  }
}
