import { z } from "zod";

// Wire types of the explorer (protocol.md#endpoints, protocol.md#data-model). Objects are
// passthrough: a newer or different explorer may add fields, and we must not reject or drop them.
// Go encodes nil slices as `null`, so lists the server may leave empty are nullish.
//
// Each schema is a function that builds it (microseconds): the names are the client's exported
// API, and a caller composing one gets a fresh instance.

const int = () => z.number().int();

/** A wire object: its known fields checked, any others kept (a newer explorer may add some). */
const wire = <T extends z.ZodRawShape>(shape: T) => z.object(shape).passthrough();

/** A list Go may send as `null` (a nil slice), read as `[]`. */
const listOrEmpty = <T extends z.ZodTypeAny>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

/** `{cru, mru, hru, sru}`: cru in vCPU, the others in GiB (may be fractional). */
export const resourcesSchema = () =>
  wire({ cru: z.number(), mru: z.number(), hru: z.number(), sru: z.number() });
export type Resources = z.infer<ReturnType<typeof resourcesSchema>>;

export const locationSchema = () =>
  wire({
    city: z.string(),
    country: z.string(),
    continent: z.string().optional(),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
  });
export type Location = z.infer<ReturnType<typeof locationSchema>>;

/** Node public interface config set by the farmer; `type` 0 = macvlan, 1 = vlan. */
export const publicConfigSchema = () =>
  wire({
    master: z.string(),
    type: int(),
    ipv4: z.string(),
    ipv6: z.string(),
    gw4: z.string(),
    gw6: z.string(),
  });
export type PublicConfig = z.infer<ReturnType<typeof publicConfigSchema>>;

export const ifaceSchema = () =>
  wire({
    name: z.string(),
    addrs: z.array(z.string()).nullish(),
    gateway: z.array(z.string()).nullish(),
    macaddress: z.string().optional(),
  });
export type Iface = z.infer<ReturnType<typeof ifaceSchema>>;

/**
 * A zos node (protocol.md#nodes). `wg_ports`/`ifaces` are normalised to arrays, `public_config` to
 * null.
 */
export const nodeSchema = () =>
  wire({
    node_id: z.string().min(1),
    farm_id: int(),
    public_key_hex: z.string(),
    location: locationSchema(),
    total_resources: resourcesSchema(),
    used_resources: resourcesSchema(),
    reserved_resources: resourcesSchema(),
    wg_ports: listOrEmpty(int()),
    public_config: publicConfigSchema()
      .nullish()
      .transform((v) => v ?? null),
    ifaces: listOrEmpty(ifaceSchema()),
    updated: int(),
    free_to_use: z.boolean(),
    id: int().optional(),
    hostname: z.string().optional(),
    os_version: z.string().optional(),
    created: int().optional(),
    uptime: int().optional(),
    approved: z.boolean().optional(),
  });
export type Node = z.infer<ReturnType<typeof nodeSchema>>;

export const farmSchema = () =>
  wire({
    id: int(),
    threebot_id: int(),
    name: z.string(),
    location: locationSchema().optional(),
    iyo_organization: z.string().optional(),
    email: z.string().optional(),
    wallet_addresses: z.array(wire({ asset: z.string(), address: z.string() })).nullish(),
    resource_prices: z.array(wire({})).nullish(),
    prefix_zero: z.string().optional(),
  });
export type Farm = z.infer<ReturnType<typeof farmSchema>>;

/** Phonebook user (protocol.md#users). `email` is blanked or omitted for unauthenticated reads. */
export const userSchema = () =>
  wire({
    id: int(),
    name: z.string(),
    email: z.string().optional(),
    pubkey: z.string(),
    host: z.string().optional(),
    description: z.string().optional(),
  });
export type User = z.infer<ReturnType<typeof userSchema>>;

export const signingRequestSchema = () =>
  wire({ signers: z.array(int()).nullish(), quorum_min: int() });
export type SigningRequest = z.infer<ReturnType<typeof signingRequestSchema>>;

/**
 * Workloads are checked for their common fields only; the resources that build them own their
 * shapes.
 */
const workloadSchema = () => wire({ workload_id: int() });
const workloads = () => z.array(workloadSchema()).nullish();

/**
 * `data_reservation` (protocol.md#data_reservation), kept as sent: this is signed content, so
 * nothing is normalised.
 */
export const reservationDataSchema = () =>
  wire({
    description: z.string().optional(),
    currencies: z.array(z.string()).nullish(),
    signing_request_provision: signingRequestSchema().optional(),
    signing_request_delete: signingRequestSchema().optional(),
    containers: workloads(),
    volumes: workloads(),
    zdbs: workloads(),
    networks: workloads(),
    kubernetes: workloads(),
    expiration_provisioning: int(),
    expiration_reservation: int(),
  });
export type ReservationData = z.infer<ReturnType<typeof reservationDataSchema>>;

/**
 * `data_json` of an ok result by `category` (the workload type, protocol.md#result-data): an object
 * whose fields the provider reads have their type when present. Other categories (network: null)
 * are not checked.
 */
const okResultData = (): Record<number, { what: string; schema: z.ZodTypeAny }> => ({
  0: {
    what: "0-db",
    schema: wire({
      Namespace: z.string().optional(),
      IP: z.string().optional(),
      Port: int().optional(),
    }),
  },
  1: {
    what: "container",
    schema: wire({
      id: z.string().optional(),
      ipv4: z.string().optional(),
      ipv6: z.string().optional(),
    }),
  },
  2: { what: "volume", schema: wire({ volume_id: z.string().optional() }) },
});

/**
 * A workload result (protocol.md#result). `data_json` is any JSON value here: one node's odd answer
 * must not make the whole reservation (or the customer's list) unreadable — the reservation could
 * then not be cancelled, nor found by its tag. Whoever reads a result's data checks it with
 * {@link okResultProblem}.
 */
export const workloadResultSchema = () =>
  wire({
    category: int(),
    workload_id: z.string(),
    data_json: z.unknown(),
    signature: z.string().optional(),
    state: int(),
    message: z.string().optional(),
    epoch: int().optional(),
    node_id: z.string(),
  });
export type WorkloadResult = z.infer<ReturnType<typeof workloadResultSchema>>;

/**
 * Why an ok result's `data_json` does not have its type's shape (an error or deleted result keeps
 * whatever it had, protocol.md#e15-node-delete-keeps-the-result), naming the field; undefined when
 * it does or the type is not checked.
 */
export function okResultProblem(r: WorkloadResult): string | undefined {
  const expected = r.state === 1 ? okResultData()[r.category] : undefined;
  if (!expected) return undefined;
  const parsed = expected.schema.safeParse(r.data_json);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const at = ["data_json", ...issue.path].join(".");
  return `${expected.what} result of ${r.workload_id} from node ${r.node_id}: ${at}: ${issue.message}`;
}

export const signingSignatureSchema = () =>
  wire({ tid: int(), signature: z.string(), epoch: int().optional() });

const signatures = () => listOrEmpty(signingSignatureSchema());

/**
 * A stored reservation (protocol.md#reservation). `results` and `signatures_*` are normalised to
 * arrays.
 */
export const reservationSchema = () =>
  wire({
    id: int(),
    json: z.string(),
    data_reservation: reservationDataSchema(),
    customer_tid: int(),
    customer_signature: z.string(),
    next_action: int(),
    signatures_provision: signatures(),
    signatures_farmer: signatures(),
    signatures_delete: signatures(),
    epoch: int(),
    metadata: z
      .string()
      .nullish()
      .transform((v) => v ?? ""),
    results: listOrEmpty(workloadResultSchema()),
  });
export type Reservation = z.infer<ReturnType<typeof reservationSchema>>;

/**
 * Body of `POST /reservations`. `json` must be the serialization of exactly `data_reservation`
 * and `customer_signature` the hex signature of its bytes (protocol.md#customer-signature).
 */
export interface ReservationCreate {
  json: string;
  data_reservation: Record<string, unknown>;
  customer_tid: number;
  customer_signature: string;
  next_action: number;
  signatures_provision: unknown[];
  signatures_farmer: unknown[];
  signatures_delete: unknown[];
  epoch: number;
  /**
   * ≤ 1024 bytes, not signed: where provider/reservation/register.ts tags a create for idempotent
   * retries.
   */
  metadata: string;
  results: unknown[];
}

export const createReservationResponseSchema = () =>
  wire({ reservation_id: int(), escrow_information: z.unknown().optional() });
export type CreateReservationResponse = z.infer<ReturnType<typeof createReservationResponseSchema>>;

/** Reservation state (`next_action`, protocol.md#enumerations). */
export const NextAction = {
  create: 0,
  sign: 1,
  pay: 2,
  deploy: 3,
  delete: 4,
  invalid: 5,
  deleted: 6,
} as const;

/** Result state (protocol.md#enumerations). */
export const ResultState = { error: 0, ok: 1, deleted: 2 } as const;
