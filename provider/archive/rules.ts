/**
 * The rules an S3Archive's arguments must follow, as a table checked all at once in the
 * constructor, so `pulumi preview` lists every problem before any child exists. What needs the
 * grid (where the nodes are) is the planner's, at the plan gate (component.ts).
 */
import {
  contains,
  formatIpv4,
  isPrivateRange,
  networkOf,
  parseCidr,
  parseIpv4,
} from "../network/subnets";
import {
  DEFAULTS,
  DEFAULT_STANDBY_IP,
  resolveArgs,
  type Resolved,
  type S3ArchiveArgs,
} from "./args";
import { SECRET_KEY_PROBLEM, secretKeyOk, type S3ArchiveProblem } from "./problems";

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** The /24 holding an address, e.g. 172.20.15.16 → 172.20.15.0/24. */
export function subnetOf(ip: string): string {
  const n = parseIpv4(ip) ?? 0;
  return `${formatIpv4(networkOf({ base: n, prefix: 24 }))}/24`;
}

/** The /24 prefix of an address, e.g. "172.20.15". */
const net24 = (ip: string): string => ip.split(".").slice(0, 3).join(".");

/**
 * What is wrong with an overlay address inside `range` (named `where`), if anything. A range that
 * does not parse is reported on its own setting: MinIO's address is then not checked further;
 * the standby's (`lenient`) still is, and only against a private range.
 */
function addressProblem(
  ip: string,
  range: string | undefined,
  where: string,
  lenient = false,
): string | undefined {
  const n = parseIpv4(ip);
  if (n === undefined) return "is not an IPv4 address";
  const c = range === undefined ? undefined : parseCidr(range);
  if (range !== undefined && c === undefined && !lenient) return undefined;
  if (c && (!lenient || isPrivateRange(c)) && !contains(c, n))
    return `is outside ${where} ${range}`;
  const host = n & 255;
  if (host === 0 || host === 1 || host === 255) {
    return `is .${host} of its /24, which zos reserves (.0 network, .1 node gateway, .255 broadcast)`;
  }
  return undefined;
}

function minioIpProblem(a: S3ArchiveArgs, r: Resolved): string | undefined {
  if (!a.existingNetwork) return addressProblem(r.minioIp, r.networkIpRange, "the network range");
  return addressProblem(
    r.minioIp,
    a.existingNetwork.nodeSubnet,
    `the MinIO node's subnet in "${a.existingNetwork.name}",`,
  );
}

function standbyIpProblem(ip: string, minioIp: string, networkIpRange: string): string | undefined {
  const problem = addressProblem(ip, networkIpRange, "the network range", true);
  if (problem || net24(ip) !== net24(minioIp)) return problem;
  return `is in MinIO's /24 (${net24(minioIp)}.0/24), but every node has its own /24`;
}

/** A validation rule: when `bad` holds, the problem is reported. */
interface Rule {
  property: string;
  value: (a: S3ArchiveArgs, r: Resolved) => unknown;
  bad: (a: S3ArchiveArgs, r: Resolved) => boolean;
  reason: (a: S3ArchiveArgs, r: Resolved) => string;
  /** `name` gives another setting as the user wrote it (e.g. `s3:shardCount` in the stack). */
  fix: (a: S3ArchiveArgs, r: Resolved, name: (property: string) => string) => string;
}

type WholeSetting = Extract<
  keyof Resolved,
  | "dataShards"
  | "parityShards"
  | "zdbSizeGiB"
  | "metadataVolumeSizeGiB"
  | "minioCpu"
  | "minioMemoryMiB"
  | "minioDiskSizeMiB"
>;

/**
 * The whole-number settings, one row each: the range, why it is wrong, the fix. A table rather
 * than seven calls: the rows share their layout, not their logic (that is `wholeNumber`).
 */
// prettier-ignore
const WHOLE_NUMBERS: Record<WholeSetting, [[number, number?], string, string]> = {
  dataShards: [[1, 255], "MinIO needs a whole number of data parts per block, at least 1", `set dataShards to at least 1 (default ${DEFAULTS.dataShards})`],
  parityShards: [[0, 255], "parity must be a whole number, at least 0", `set parityShards to 0 or more (default ${DEFAULTS.parityShards})`],
  zdbSizeGiB: [[1, 100_000], "a 0-db namespace size is a whole number of GiB", `set zdbSizeGiB between 1 and 100000 (default ${DEFAULTS.zdbSizeGiB})`],
  metadataVolumeSizeGiB: [[1, 100_000], "the metadata volume size is a whole number of GiB", `set metadataVolumeSizeGiB to at least 1 (default ${DEFAULTS.metadataVolumeSizeGiB})`],
  minioCpu: [[1, 32], "a container has 1 to 32 vCPUs", `set minioCpu between 1 and 32 (ThreeFold recommends ${DEFAULTS.minioCpu})`],
  minioMemoryMiB: [[512, 262_144], "MinIO needs at least 512 MiB, and a container has at most 262144 MiB", `set minioMemoryMiB between 512 and 262144 (ThreeFold recommends ${DEFAULTS.minioMemoryMiB})`],
  minioDiskSizeMiB: [[1], "the root filesystem size is a whole number of MiB", `set minioDiskSizeMiB to at least 1 (default ${DEFAULTS.minioDiskSizeMiB})`],
};

/** A setting that must be a whole number in its WHOLE_NUMBERS range. */
function wholeNumber(property: WholeSetting): Rule {
  const [[min, max], reason, fix] = WHOLE_NUMBERS[property];
  return {
    property,
    value: (_a, r) => r[property],
    bad: (_a, r) => !isInt(r[property], min, max),
    reason: () => reason,
    fix: () => fix,
  };
}

/** The argument rules, checked together in the constructor. */
const RULES: Rule[] = [
  {
    property: "shardNodes",
    value: (a) => (a.shardNodes ? "(set)" : "(unset)"),
    bad: (a) => (a.shardNodes === undefined) === (a.placement === undefined),
    reason: (a) =>
      a.shardNodes === undefined
        ? "neither shardNodes nor placement is set"
        : "both shardNodes and placement are set",
    fix: () => "give either shardNodes (node ids) or placement ({ count, farms, … }), not both",
  },
  {
    property: "shardNodes",
    value: (a) => a.shardNodes,
    bad: (a) =>
      a.shardNodes !== undefined &&
      (!Array.isArray(a.shardNodes) ||
        a.shardNodes.some((n) =>
          typeof n === "string" ? n.length === 0 : typeof n?.nodeId !== "string" || !n.nodeId,
        )),
    reason: () => "every entry must be a node id or { nodeId, farmId?, city?, country? }",
    fix: () => "list node ids as shown by GET /nodes, one per shard",
  },
  {
    property: "placement.count",
    value: (a) => a.placement?.count,
    bad: (a) => a.placement !== undefined && !isInt(a.placement.count, 1, 256),
    reason: () => "the number of shards must be a whole number from 1 to 256",
    fix: (_a, r, name) =>
      `set ${name("placement.count")} to at least ${name("dataShards")} + ${name("parityShards")} (${r.dataShards + r.parityShards})`,
  },
  {
    property: "placement.minFreeSsdGiB",
    value: (a) => a.placement?.minFreeSsdGiB,
    bad: (a) => a.placement?.minFreeSsdGiB !== undefined && !(a.placement.minFreeSsdGiB >= 0),
    reason: () => "free SSD must be a number of GiB ≥ 0",
    fix: (_a, r) => `leave it unset (default: zdbSizeGiB = ${r.zdbSizeGiB}) or give a GiB figure`,
  },
  {
    property: "placement.farms",
    value: (a) => a.placement?.farms,
    bad: (a) => a.placement?.farms !== undefined && !a.placement.farms.every((f) => isInt(f, 1)),
    reason: () => "farm ids are positive whole numbers",
    fix: () => "list farm ids as shown by GET /farms, e.g. [12775, 82872]",
  },
  wholeNumber("dataShards"),
  wholeNumber("parityShards"),
  {
    property: "parityShards",
    value: (_a, r) => r.parityShards,
    bad: (_a, r) => r.requireSiteFailureTolerance && r.parityShards === 0,
    reason: () =>
      "requireSiteFailureTolerance is set, but with no parity losing any city (any shard) loses data",
    fix: (_a, r) =>
      `set parityShards to at least 1 and keep at most parityShards shards per city (e.g. ${Math.max(1, r.dataShards - 2)}+2 over 3 cities), or unset requireSiteFailureTolerance`,
  },
  {
    property: "shardCount",
    value: (_a, r) => r.shardCount,
    bad: (_a, r) =>
      isInt(r.dataShards, 1) &&
      isInt(r.parityShards, 0) &&
      r.shardCount > 0 &&
      r.shardCount < r.dataShards + r.parityShards,
    reason: (_a, r) =>
      `dataShards + parityShards = ${r.dataShards + r.parityShards} is more than the ${r.shardCount} shards listed; MinIO refuses to start`,
    fix: (a, r, name) =>
      `${a.placement ? `raise ${name("placement.count")}` : `list more ${name("shardNodes")}`} to ${r.dataShards + r.parityShards}, or lower ${name("dataShards")}/${name("parityShards")} so they add up to at most ${r.shardCount}`,
  },
  wholeNumber("zdbSizeGiB"),
  {
    property: "diskType",
    value: (_a, r) => r.diskType,
    bad: (_a, r) => r.diskType !== "SSD" && r.diskType !== "HDD",
    reason: () => "0-db namespaces live on SSD or HDD",
    fix: () => 'use "SSD" (default) or "HDD"',
  },
  wholeNumber("metadataVolumeSizeGiB"),
  wholeNumber("minioCpu"),
  wholeNumber("minioMemoryMiB"),
  wholeNumber("minioDiskSizeMiB"),
  {
    property: "accessKey",
    value: (a) => a.accessKey,
    bad: (a) =>
      typeof a.accessKey !== "string" || a.accessKey.length < 3 || /[\s,]/.test(a.accessKey),
    reason: () => "MinIO needs an access key of at least 3 characters, without spaces or commas",
    fix: () => 'set accessKey, e.g. "archive-admin"',
  },
  {
    ...SECRET_KEY_PROBLEM,
    value: () => SECRET_KEY_PROBLEM.value,
    // an Input not known yet is checked at the plan gate
    bad: (a) => typeof a.secretKey === "string" && !secretKeyOk(a.secretKey),
    reason: () => SECRET_KEY_PROBLEM.reason,
    fix: () => SECRET_KEY_PROBLEM.fix,
  },
  {
    property: "network",
    value: () => "(set)",
    bad: (a) => a.network !== undefined && a.existingNetwork !== undefined,
    reason: () => "both network (create) and existingNetwork (join) are set",
    fix: () => "keep one: network to create a new one, existingNetwork to join one by name",
  },
  {
    property: "network.ipRange",
    value: (a) => a.network?.ipRange,
    bad: (a) => {
      if (a.network?.ipRange === undefined) return false;
      const c = parseCidr(a.network.ipRange);
      return !c || c.prefix !== 16 || networkOf(c) !== c.base || !isPrivateRange(c);
    },
    reason: () => "a network range is a private (RFC 1918) /16 without host bits",
    fix: () => `use e.g. "${DEFAULTS.networkIpRange}"`,
  },
  {
    property: "existingNetwork.nodeSubnet",
    value: (a) => a.existingNetwork?.nodeSubnet,
    bad: (a) => {
      if (a.existingNetwork === undefined) return false;
      const c = parseCidr(a.existingNetwork.nodeSubnet ?? "");
      return !c || c.prefix !== 24 || networkOf(c) !== c.base;
    },
    reason: () => "the MinIO node's subnet in the existing network is a /24",
    fix: (a) =>
      `give the /24 the network assigned to the MinIO node${a.existingNetwork?.name ? ` in "${a.existingNetwork.name}"` : ""}, e.g. "172.20.15.0/24"`,
  },
  {
    property: "minioIp",
    value: (_a, r) => r.minioIp,
    bad: (a, r) => minioIpProblem(a, r) !== undefined,
    reason: (a, r) => `the address ${minioIpProblem(a, r)}`,
    fix: (a, r) => {
      const subnet = a.existingNetwork?.nodeSubnet;
      if (subnet && parseCidr(subnet)) {
        return `pick an address from .2 to .254 of ${subnet}, the MinIO node's subnet in "${a.existingNetwork?.name}"`;
      }
      return `pick an address from .2 to .254 of one /24 inside ${r.networkIpRange} (e.g. ${DEFAULTS.minioIp}); that /24 becomes the MinIO node's subnet`;
    },
  },
  {
    property: "durationHours",
    value: (a) => a.durationHours,
    bad: (a) => a.durationHours !== undefined && !isInt(a.durationHours, 1),
    reason: () => "reservations last a whole number of hours, at least 1",
    fix: () => "set durationHours to e.g. 24, or leave it unset to use tfgrid:durationHours",
  },
  ...replicationRules(),
];

/** The rules of `tlog` and `standby`: a TLOG 0-db namespace and a standby MinIO replaying it. */
function replicationRules(): Rule[] {
  return [
    ...(["tlog", "standby"] as const).flatMap(sideRules),
    {
      property: "tlog.sizeGiB",
      value: (a) => a.tlog?.sizeGiB,
      bad: (a) => a.tlog?.sizeGiB !== undefined && !isInt(a.tlog.sizeGiB, 1, 100_000),
      reason: () => "a 0-db namespace size is a whole number of GiB",
      fix: () =>
        "set tlog.sizeGiB between 1 and 100000, or leave it unset (the metadata volume's size)",
    },
    {
      property: "standby",
      value: () => "(set)",
      bad: (a) => a.standby !== undefined && a.tlog === undefined,
      reason: () => "a standby MinIO replays the TLOG (MASTER = the TLOG), so it needs one",
      fix: () => "add tlog: {} (or tlog: { nodeId }) on another site, or drop the standby",
    },
    {
      property: "standby",
      value: () => "(set)",
      bad: (a) => a.standby !== undefined && a.existingNetwork !== undefined,
      reason: () =>
        "the standby needs its node added to the overlay network, which the archive only does for a network it creates",
      fix: () =>
        "let the archive create the network (drop existingNetwork), or run the standby yourself",
    },
    {
      property: "standby.ip",
      value: (a) => standbyIp(a),
      bad: (a, r) => a.standby !== undefined && standbyIpError(a, r) !== undefined,
      reason: (a, r) => `the address ${standbyIpError(a, r)}`,
      fix: (_a, r) =>
        `pick .2–.254 of another /24 inside ${r.networkIpRange} than MinIO's (e.g. ${DEFAULT_STANDBY_IP})`,
    },
  ];
}

const standbyIp = (a: S3ArchiveArgs): string => a.standby?.ip ?? DEFAULT_STANDBY_IP;
const standbyIpError = (a: S3ArchiveArgs, r: Resolved): string | undefined =>
  standbyIpProblem(standbyIp(a), r.minioIp, r.networkIpRange);

/** An object (when given), with either a node id or a placement. */
function sideRules(key: "tlog" | "standby"): Rule[] {
  const side = (a: S3ArchiveArgs) => a[key];
  const isObject = (a: S3ArchiveArgs) => typeof side(a) === "object" && side(a) !== null;
  return [
    {
      property: key,
      value: side,
      bad: (a) => side(a) !== undefined && !isObject(a),
      reason: () => "must be an object",
      fix: () => `give ${key}: {} to let the archive choose the node, or ${key}: { nodeId: "…" }`,
    },
    {
      property: `${key}.nodeId`,
      value: (a) => side(a)?.nodeId,
      bad: (a) => isObject(a) && side(a)?.nodeId !== undefined && side(a)?.placement !== undefined,
      reason: () => "both nodeId and placement are set",
      fix: () => `give either ${key}.nodeId or ${key}.placement, not both`,
    },
    {
      property: `${key}.nodeId`,
      value: (a) => side(a)?.nodeId,
      bad: (a) => {
        const id: unknown = isObject(a) ? side(a)?.nodeId : undefined;
        return id !== undefined && (typeof id !== "string" || id === "");
      },
      reason: () => "is not a node id",
      fix: () => "use a node id listed by GET /nodes (npx tfgrid nodes)",
    },
  ];
}

/**
 * Every rule that fails, as problems (empty when the arguments are valid). `settingName` names a
 * setting the way the user wrote it where a fix points at another one (the stack program's `s3:`
 * keys); the problems' own properties are renamed by the caller (problems.ts argsError).
 */
export function validateS3ArchiveArgs(
  args: S3ArchiveArgs,
  settingName: (property: string) => string = (p) => p,
): S3ArchiveProblem[] {
  const r = resolveArgs(args);
  return RULES.filter((rule) => rule.bad(args, r)).map((rule) => ({
    property: rule.property,
    value: rule.value(args, r),
    reason: rule.reason(args, r),
    fix: rule.fix(args, r, settingName),
  }));
}
