/**
 * Wire types of the reservations-era explorer (docs/protocol.md#data-model) in two forms: the Go
 * type descriptions the strict decoder walks, and the TypeScript shapes of the decoded values.
 */
import type { GoType } from "./gojson";

const int = (go = "int64"): GoType => ({ k: "int", go });
/**
 * Every enum is a Go uint8 (docs/protocol.md#e5-enums-are-uint8): 256 or -1 fail decoding like any
 * type mismatch.
 */
const enum8 = (go: string): GoType => ({ k: "int", go, unsigned: true, max: 255 });
const str: GoType = { k: "string" };
const bool: GoType = { k: "bool" };
const date: GoType = { k: "date" };
const slice = (of: GoType): GoType => ({ k: "slice", of });
const struct = (name: string, fields: Record<string, GoType>): GoType => ({
  k: "struct",
  name,
  fields,
});

const statsAggregator = slice(
  struct("workloads.StatsAggregator", {
    type: str,
    data: struct("workloads.StatsData", { endpoint: str }),
  }),
);

const signingRequest = struct("workloads.SigningRequest", {
  signers: slice(int()),
  quorum_min: int(),
});

const signingSignature = struct("workloads.SigningSignature", {
  tid: int(),
  signature: str,
  epoch: date,
});

export const RESULT_TYPE = struct("workloads.Result", {
  category: enum8("workloads.WorkloadTypeEnum"),
  workload_id: str,
  data_json: { k: "raw" },
  signature: str,
  state: enum8("workloads.ResultStateEnum"),
  message: str,
  epoch: date,
  node_id: str,
});

const container = struct("workloads.Container", {
  workload_id: int(),
  node_id: str,
  flist: str,
  hub_url: str,
  environment: { k: "map", of: str },
  secret_environment: { k: "map", of: str },
  entrypoint: str,
  interactive: bool,
  volumes: slice(struct("workloads.ContainerMount", { volume_id: str, mountpoint: str })),
  network_connection: slice(
    struct("workloads.NetworkConnection", {
      network_id: str,
      ipaddress: { k: "ip" },
      public_ip6: bool,
    }),
  ),
  stats_aggregator: statsAggregator,
  logs: slice(
    struct("workloads.Logs", {
      type: str,
      data: struct("workloads.LogsRedis", { stdout: str, stderr: str }),
    }),
  ),
  farmer_tid: int(),
  capacity: struct("workloads.ContainerCapacity", {
    cpu: int(),
    memory: int(),
    disk_size: { k: "int", go: "uint64", unsigned: true },
    disk_type: enum8("workloads.DiskTypeEnum"),
  }),
});

const volume = struct("workloads.Volume", {
  workload_id: int(),
  node_id: str,
  size: int(),
  type: enum8("workloads.VolumeTypeEnum"),
  stats_aggregator: statsAggregator,
  farmer_tid: int(),
});

const zdb = struct("workloads.ZDB", {
  workload_id: int(),
  node_id: str,
  size: int(),
  mode: enum8("workloads.ZDBModeEnum"),
  password: str,
  disk_type: enum8("workloads.DiskTypeEnum"),
  public: bool,
  stats_aggregator: statsAggregator,
  farmer_tid: int(),
});

const network = struct("workloads.Network", {
  name: str,
  workload_id: int(),
  iprange: { k: "iprange" },
  stats_aggregator: statsAggregator,
  network_resources: slice(
    struct("workloads.NetworkNetResource", {
      node_id: str,
      wireguard_private_key_encrypted: str,
      wireguard_public_key: str,
      wireguard_listen_port: int(),
      iprange: { k: "iprange" },
      peers: slice(
        struct("workloads.WireguardPeer", {
          public_key: str,
          allowed_iprange: slice({ k: "iprange" }),
          endpoint: str,
          iprange: { k: "iprange" },
        }),
      ),
    }),
  ),
  farmer_tid: int(),
});

const k8s = struct("workloads.K8S", {
  workload_id: int(),
  node_id: str,
  size: int(),
  network_id: str,
  ipaddress: { k: "ip" },
  cluster_secret: str,
  master_ips: slice({ k: "ip" }),
  ssh_keys: slice(str),
  stats_aggregator: statsAggregator,
  farmer_tid: int(),
});

export const RESERVATION_DATA_TYPE = struct("workloads.ReservationData", {
  description: str,
  currencies: slice(str),
  signing_request_provision: signingRequest,
  signing_request_delete: signingRequest,
  containers: slice(container),
  volumes: slice(volume),
  zdbs: slice(zdb),
  networks: slice(network),
  kubernetes: slice(k8s),
  // Gateway workloads are not emulated; kept raw so nil vs [] still compares like Go.
  proxies: slice({ k: "raw" }),
  reverse_proxies: slice({ k: "raw" }),
  subdomains: slice({ k: "raw" }),
  domain_delegates: slice({ k: "raw" }),
  gateway4to6: slice({ k: "raw" }),
  expiration_provisioning: date,
  expiration_reservation: date,
});

export const RESERVATION_TYPE = struct("workloads.Reservation", {
  id: int("schema.ID"),
  json: str,
  data_reservation: RESERVATION_DATA_TYPE,
  customer_tid: int(),
  customer_signature: str,
  next_action: enum8("workloads.NextActionEnum"),
  signatures_provision: slice(signingSignature),
  signatures_farmer: slice(signingSignature),
  signatures_delete: slice(signingSignature),
  epoch: date,
  metadata: str,
  results: slice(RESULT_TYPE),
});

export const SIGN_BODY_TYPE = struct("workloads.SigningSignature", {
  tid: int(),
  signature: str,
  epoch: date,
});

export const USER_TYPE = struct("phonebook.User", {
  id: int("schema.ID"),
  name: str,
  email: str,
  pubkey: str,
  host: str,
  description: str,
  sender_signature_hex: str,
});

export const VALIDATE_BODY_TYPE = struct("phonebook.ValidateBody", {
  payload: str,
  signature: str,
});

// ---- decoded TypeScript shapes ----

export interface SigningRequest {
  signers: number[] | null;
  quorum_min: number;
}
export interface SigningSignature {
  tid: number;
  signature: string;
  epoch: number;
}
export interface Result {
  category: number;
  workload_id: string;
  data_json: unknown;
  signature: string;
  state: number;
  message: string;
  epoch: number;
  node_id: string;
}
export interface Container {
  workload_id: number;
  node_id: string;
  flist: string;
  hub_url: string;
  environment: Record<string, string> | null;
  secret_environment: Record<string, string> | null;
  entrypoint: string;
  interactive: boolean;
  volumes: { volume_id: string; mountpoint: string }[] | null;
  network_connection: { network_id: string; ipaddress: string; public_ip6: boolean }[] | null;
  capacity: { cpu: number; memory: number; disk_size: number; disk_type: number };
  [k: string]: unknown;
}
export interface Volume {
  workload_id: number;
  node_id: string;
  size: number;
  type: number;
  [k: string]: unknown;
}
export interface Zdb {
  workload_id: number;
  node_id: string;
  size: number;
  mode: number;
  password: string;
  disk_type: number;
  public: boolean;
  [k: string]: unknown;
}
export interface NetResource {
  node_id: string;
  wireguard_private_key_encrypted: string;
  wireguard_public_key: string;
  wireguard_listen_port: number;
  iprange: string;
  peers: unknown[] | null;
}
export interface Network {
  name: string;
  workload_id: number;
  iprange: string;
  network_resources: NetResource[] | null;
  [k: string]: unknown;
}
export interface ReservationData {
  description: string;
  currencies: string[] | null;
  signing_request_provision: SigningRequest;
  signing_request_delete: SigningRequest;
  containers: Container[] | null;
  volumes: Volume[] | null;
  zdbs: Zdb[] | null;
  networks: Network[] | null;
  kubernetes: unknown[] | null;
  proxies: unknown[] | null;
  reverse_proxies: unknown[] | null;
  subdomains: unknown[] | null;
  domain_delegates: unknown[] | null;
  gateway4to6: unknown[] | null;
  expiration_provisioning: number;
  expiration_reservation: number;
}
export interface Reservation {
  id: number;
  json: string;
  data_reservation: ReservationData;
  customer_tid: number;
  customer_signature: string;
  next_action: number;
  signatures_provision: SigningSignature[];
  signatures_farmer: SigningSignature[];
  signatures_delete: SigningSignature[];
  epoch: number;
  metadata: string;
  results: Result[];
}
export interface User {
  id: number;
  name: string;
  email: string;
  pubkey: string;
  host: string;
  description: string;
}

/** `next_action` (docs/protocol.md#enumerations). */
export const NextAction = {
  create: 0,
  sign: 1,
  pay: 2,
  deploy: 3,
  delete: 4,
  invalid: 5,
  deleted: 6,
} as const;

/** The Go enum's names by value (its String()), for messages. */
export const NEXT_ACTION_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(NextAction).map(([k, v]) => [v, k]),
);

/** Workload type enum (docs/protocol.md#enumerations), also the result `category`. */
export const WorkloadType = { zdb: 0, container: 1, volume: 2, network: 3, kubernetes: 4 } as const;

export const ResultState = { error: 0, ok: 1, deleted: 2 } as const;

/** One poll item (docs/protocol.md#poll-item). */
export interface WorkloadItem {
  workload_id: string;
  user: string;
  type: number;
  content: unknown;
  created: number;
  duration: number;
  signature: string;
  to_delete: boolean;
  node_id: string;
}
