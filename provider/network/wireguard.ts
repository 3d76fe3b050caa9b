// WireGuard keys, listen ports, public endpoints and the peer mesh of a network workload
// (protocol.md#overlay-network, protocol.md#access-point). Pure apart from key generation.
import nacl from "tweetnacl";
import { routingIp } from "./subnets";

/** Base64 X25519 key pair, the text form WireGuard and zos use. */
export interface WgKeyPair {
  privateKey: string;
  publicKey: string;
}

export function generateWgKeyPair(): WgKeyPair {
  const kp = nacl.box.keyPair();
  return {
    privateKey: Buffer.from(kp.secretKey).toString("base64"),
    publicKey: Buffer.from(kp.publicKey).toString("base64"),
  };
}

/** The node fields a network needs (a subset of the explorer's Node). */
export interface NodeNetInfo {
  node_id: string;
  public_key_hex: string;
  wg_ports?: number[] | null;
  public_config?: { master?: string; ipv4?: string; ipv6?: string } | null;
  ifaces?: { name?: string; addrs?: string[] | null }[] | null;
}

const PORT_MIN = 1000;
const PORT_MAX = 8999;
// Yggdrasil ports zos always keeps (outside our range today; kept so a wider range stays safe).
const ALWAYS_RESERVED = [9943, 9944, 9945];

/**
 * A listen port in 1000–8999 derived from a hash of (network name, node id) so that a preview and
 * the following update pick the same port, skipping ports the node reports as used.
 */
export function pickListenPort(networkName: string, nodeId: string, inUse: number[]): number {
  let h = 0x811c9dc5;
  for (const ch of `${networkName}\u0000${nodeId}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const span = PORT_MAX - PORT_MIN + 1;
  for (let i = 0; i < span; i++) {
    const port = PORT_MIN + ((h + i) % span);
    if (!inUse.includes(port) && !ALWAYS_RESERVED.includes(port)) return port;
  }
  throw new Error(`node ${nodeId} has no free WireGuard port in ${PORT_MIN}-${PORT_MAX}`);
}

function stripPrefix(cidr: string): string {
  return cidr.split("/")[0];
}

function isPublicIpv4(ip: string): boolean {
  const o = ip.split(".").map(Number);
  if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return false;
  return !(
    o[0] === 0 ||
    o[0] === 10 ||
    o[0] === 127 ||
    (o[0] === 100 && o[1] >= 64 && o[1] < 128) ||
    (o[0] === 169 && o[1] === 254) ||
    (o[0] === 172 && o[1] >= 16 && o[1] < 32) ||
    (o[0] === 192 && o[1] === 168) ||
    o[0] >= 224
  );
}

/** Unicast global IPv6: not ::/loopback, fe80::/10, fc00::/7, 200::/7 (Yggdrasil), ff00::/8. */
export function isPublicIpv6(ip: string): boolean {
  if (!ip.includes(":")) return false;
  const first = ip.split(":")[0];
  if (first === "") return false;
  const h = parseInt(first, 16);
  if (Number.isNaN(h)) return false;
  return !(
    (h >= 0xfe80 && h <= 0xfebf) ||
    (h >= 0xfc00 && h <= 0xfdff) ||
    (h >= 0x0200 && h <= 0x03ff) ||
    h >= 0xff00 ||
    h < 0x0200
  );
}

/** Public endpoints: `public_config` when set, else every public interface address. */
export interface NodeEndpoints {
  ipv4?: string;
  ipv6?: string;
}

export function nodeEndpoints(node: NodeNetInfo): NodeEndpoints {
  const pc = node.public_config;
  if (pc && (pc.ipv4 || pc.ipv6)) {
    const v4 = pc.ipv4 ? stripPrefix(pc.ipv4) : undefined;
    const v6 = pc.ipv6 ? stripPrefix(pc.ipv6) : undefined;
    return {
      ipv4: v4 && isPublicIpv4(v4) ? v4 : undefined,
      ipv6: v6 && isPublicIpv6(v6) ? v6 : undefined,
    };
  }
  const addrs = (node.ifaces ?? []).flatMap((i) => i.addrs ?? []).map(stripPrefix);
  return { ipv4: addrs.find(isPublicIpv4), ipv6: addrs.find(isPublicIpv6) };
}

/** One peer entry of a network resource (protocol.md#network-workload). */
export interface WirePeer {
  public_key: string;
  allowed_iprange: string[];
  endpoint: string;
  iprange: string;
}

export interface MeshMember {
  nodeId: string;
  subnet: string;
  publicKey: string;
  port: number;
  endpoints: NodeEndpoints;
}

export interface MeshAccess {
  nodeId: string;
  subnet: string;
  publicKey: string;
}

function endpointFor(from: NodeEndpoints, to: MeshMember): string {
  if (to.endpoints.ipv6 && from.ipv6) return `[${to.endpoints.ipv6}]:${to.port}`;
  if (to.endpoints.ipv4) return `${to.endpoints.ipv4}:${to.port}`;
  if (to.endpoints.ipv6) return `[${to.endpoints.ipv6}]:${to.port}`;
  return "";
}

/**
 * Full mesh: every member peers with every other member; the peer's allowed IPs are its /24 and
 * its 100.64 routing /32, plus the access /24 (and its /32) when the user enters through it. The
 * access node also gets the user's peer, without endpoint (the user dials in).
 */
export function buildPeers(members: MeshMember[], access?: MeshAccess): Record<string, WirePeer[]> {
  const out: Record<string, WirePeer[]> = {};
  for (const a of members) {
    const peers: WirePeer[] = members
      .filter((b) => b.nodeId !== a.nodeId)
      .map((b) => {
        const allowed = [b.subnet, `${routingIp(b.subnet)}/32`];
        if (access && access.nodeId === b.nodeId) {
          allowed.push(access.subnet, `${routingIp(access.subnet)}/32`);
        }
        return {
          public_key: b.publicKey,
          allowed_iprange: allowed,
          endpoint: endpointFor(a.endpoints, b),
          iprange: b.subnet,
        };
      });
    if (access && access.nodeId === a.nodeId) {
      peers.push({
        public_key: access.publicKey,
        allowed_iprange: [access.subnet, `${routingIp(access.subnet)}/32`],
        endpoint: "",
        iprange: access.subnet,
      });
    }
    out[a.nodeId] = peers;
  }
  return out;
}

/** The user's `wg-quick` file for an access point (protocol.md#access-point). */
export function wgQuickConfig(args: {
  accessSubnet: string;
  privateKey: string;
  nodePublicKey: string;
  ipRange: string;
  endpoint: string;
}): string {
  const net = routingIp(args.ipRange).replace(/\.\d+$/, ".0");
  return [
    "[Interface]",
    `Address = ${routingIp(args.accessSubnet)}/32`,
    `PrivateKey = ${args.privateKey}`,
    "",
    "[Peer]",
    `PublicKey = ${args.nodePublicKey}`,
    `AllowedIPs = ${args.ipRange}, ${net}/32`,
    "PersistentKeepalive = 25",
    `Endpoint = ${args.endpoint}`,
    "",
  ].join("\n");
}
