// IPv4 arithmetic and /24 allocation for the overlay network (protocol.md#overlay-network).

/** A parsed IPv4 CIDR: `base` is the address as an unsigned 32-bit integer. */
export interface Cidr {
  base: number;
  prefix: number;
}

/** Parses dotted-quad IPv4 into an unsigned integer, or undefined when malformed. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith("0")))) {
    return undefined;
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parses `a.b.c.d/n`; host bits are kept in `base` (callers decide whether they matter). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const base = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  return { base, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function networkOf(c: Cidr): number {
  return (c.base & mask(c.prefix)) >>> 0;
}

export function contains(outer: Cidr, ip: number): boolean {
  return (ip & mask(outer.prefix)) >>> 0 === networkOf(outer);
}

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** True when the whole range lies in RFC 1918 space. */
export function isPrivateRange(c: Cidr): boolean {
  return PRIVATE.some((p) => {
    const outer = parseCidr(p) as Cidr;
    return c.prefix >= outer.prefix && contains(outer, c.base);
  });
}

/** True when two ranges share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** The WireGuard routing address zos derives from a node or access /24: `100.64.<o2>.<o3>`. */
export function routingIp(subnet: string): string {
  const c = parseCidr(subnet);
  if (!c) throw new Error(`not a CIDR: ${subnet}`);
  return `100.64.${(c.base >>> 16) & 255}.${(c.base >>> 8) & 255}`;
}

/** Raised when the /16 has no free /24 left or a pinned subnet is unusable. */
export class SubnetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubnetError";
  }
}

export interface AllocateArgs {
  /** The network's private /16. */
  ipRange: string;
  /** Member nodes, in the order new /24s are handed out. */
  nodes: string[];
  /** User-pinned /24s (win over everything). */
  pinned?: Record<string, string>;
  /** The /24s of the previous state: kept so adding a node never renumbers the others. */
  previous?: Record<string, string>;
  /** /24s that must not be handed to nodes (e.g. the user access /24). */
  reserved?: string[];
}

function third(subnet: string): number | undefined {
  const c = parseCidr(subnet);
  return c ? (c.base >>> 8) & 255 : undefined;
}

function subnetAt(range: Cidr, octet3: number): string {
  return `${formatIpv4((networkOf(range) | (octet3 << 8)) >>> 0)}/24`;
}

/** True when `subnet` is a /24 network address inside `range`. */
export function isSubnetOf(range: Cidr, subnet: string): boolean {
  const c = parseCidr(subnet);
  return !!c && c.prefix === 24 && (c.base & 255) === 0 && contains(range, c.base);
}

/**
 * One /24 per node: pinned first, then the previous allocation (if still inside the range and
 * not taken), then the lowest free `x.y.N.0/24` (N from 1; `.0.0/24` is skipped like the SDKs do).
 */
export function allocateSubnets(args: AllocateArgs): Record<string, string> {
  const range = parseCidr(args.ipRange);
  if (!range || range.prefix !== 16) throw new SubnetError(`${args.ipRange} is not a /16`);
  const used = new Set<number>();
  for (const r of args.reserved ?? []) {
    const o = third(r);
    if (o !== undefined && isSubnetOf(range, r)) used.add(o);
  }
  const out: Record<string, string> = {};
  const take = (node: string, subnet: string | undefined, pinned: boolean): boolean => {
    if (subnet === undefined) return false;
    const o = third(subnet);
    if (!isSubnetOf(range, subnet) || o === undefined) {
      if (pinned)
        throw new SubnetError(`${subnet} for node ${node} is not a /24 of ${args.ipRange}`);
      return false;
    }
    if (used.has(o)) {
      if (pinned) throw new SubnetError(`${subnet} for node ${node} is already used`);
      return false;
    }
    used.add(o);
    out[node] = subnetAt(range, o);
    return true;
  };
  for (const n of args.nodes) take(n, args.pinned?.[n], true);
  for (const n of args.nodes) if (!(n in out)) take(n, args.previous?.[n], false);
  let next = 1;
  for (const n of args.nodes) {
    if (n in out) continue;
    while (next <= 254 && used.has(next)) next++;
    if (next > 254) {
      throw new SubnetError(`${args.ipRange} has no free /24 left for node ${n}`);
    }
    take(n, subnetAt(range, next), false);
  }
  return out;
}

/** The highest free /24 of the range (x.y.254.0/24 downwards), for the user access point. */
export function freeSubnetFromTop(ipRange: string, used: string[]): string {
  const range = parseCidr(ipRange);
  if (!range) throw new SubnetError(`${ipRange} is not a CIDR`);
  const taken = new Set(used.map(third));
  for (let o = 254; o >= 1; o--) if (!taken.has(o)) return subnetAt(range, o);
  throw new SubnetError(`${ipRange} has no free /24 left for the access point`);
}
