/** Small IPv4/IPv6 helpers for the node's network checks and result addresses. */
import { createHash } from "node:crypto";

export function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function parseCidr4(cidr: string): { base: number; bits: number } | null {
  const [ip, bitsText] = cidr.split("/");
  const addr = ipv4ToInt(ip ?? "");
  const bits = Number(bitsText);
  if (addr === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return null;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (addr & mask) >>> 0, bits };
}

export function cidrContains(outer: { base: number; bits: number }, addr: number): boolean {
  const mask = outer.bits === 0 ? 0 : (~0 << (32 - outer.bits)) >>> 0;
  return (addr & mask) >>> 0 === outer.base;
}

/** Expands an IPv6 address (no zone, no embedded IPv4) to 8 groups. */
export function expandIpv6(addr: string): string[] {
  const [head, tail] = addr.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const fill = tail !== undefined ? new Array(8 - h.length - t.length).fill("0") : [];
  return [...h, ...fill, ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""));
}

/** A stable address in the node's /64 for a workload (zdb and public container IPv6). */
export function derivedIpv6(nodeIpv6Cidr: string, label: string): string {
  const prefix = expandIpv6(nodeIpv6Cidr.split("/")[0]).slice(0, 4);
  const h = createHash("sha256").update(label).digest("hex");
  const iid = [0, 4, 8, 12].map((i) => h.slice(i, i + 4).replace(/^0+(?=.)/, ""));
  return [...prefix, ...iid].join(":");
}
