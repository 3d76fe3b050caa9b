/**
 * A simulated zos node (docs/protocol.md#node-polling): it polls its queue with an id cursor,
 * provisions independent workloads concurrently and a container only after the networks and volumes
 * it names that the node already knows of (LIMITATIONS.md, "Provisioning model"), opens every
 * secret with its own key (libsodium sealed box), refuses what a real node refuses with an
 * actionable message, signs its results (docs/protocol.md#result-signatures), decommissions on
 * delete or local expiry, and keeps capacity accounting.
 *
 * It calls the store in-process through the same operations as the HTTP node routes, so the
 * customer-facing fault knobs never affect it.
 */
import { openSealedHex, signDetachedHex } from "./crypto";
import type { Resources } from "./grid";
import { cidrContains, derivedIpv6, ipv4ToInt, parseCidr4 } from "./netutil";
import { reservedOf } from "./node-runtime";
import type { GridNode, NodeRuntime, ProvisionedWorkload } from "./node-runtime";
import type { Store } from "./store";
import { HttpError } from "./errors";
import { NAMESPACE_ENV_KEYS, namespaceEnvProblem } from "./zdb-address";
import { ResultState, WorkloadType } from "./types";
import type { Container, Network, Result, Volume, WorkloadItem, Zdb } from "./types";

/** Node-side settings, read on every tick so the control API can change them at runtime. */
export interface NodeSettings {
  provisionDelayMs: number;
  pollIntervalMs: number;
  downNodes: string[];
  failingNodes: Record<string, string>;
  oddResultNodes: string[];
}

/** zos handles types in this order, so a network exists before the container that joins it. */
const TYPE_ORDER: Record<number, number> = {
  [WorkloadType.network]: 0,
  [WorkloadType.zdb]: 1,
  [WorkloadType.volume]: 2,
  [WorkloadType.container]: 3,
  [WorkloadType.kubernetes]: 4,
};

/** The zero value of each result struct, sent with an error (docs/protocol.md#result-data). */
const ZERO_DATA: Record<number, unknown> = {
  [WorkloadType.zdb]: { Namespace: "", IP: "", Port: 0 },
  [WorkloadType.container]: { id: "", ipv6: "", ipv4: "" },
  [WorkloadType.volume]: { volume_id: "" },
  [WorkloadType.network]: null,
};

const GIB = 1024;

/** A refusal: becomes a result with state error and this message. */
class Refusal extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One item per workload id. A poll may carry the same workload twice (queue and id scan are
 * concatenated, docs/protocol.md#e14-duplicate-poll-items); a copy marked to_delete wins, so a
 * delete is never lost to a stale copy.
 */
export function onePerWorkload(items: WorkloadItem[]): WorkloadItem[] {
  const byId = new Map<string, WorkloadItem>();
  for (const item of items) {
    const prev = byId.get(item.workload_id);
    if (!prev || (item.to_delete && !prev.to_delete)) byId.set(item.workload_id, item);
  }
  return [...byId.values()];
}

export class SimNode {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Provisions in progress (each takes provisionDelayMs), by global workload id. */
  private readonly inflight = new Map<string, { item: WorkloadItem; done: Promise<void> }>();
  readonly id: string;

  constructor(
    private readonly store: Store,
    private readonly node: GridNode,
    private readonly settings: () => NodeSettings,
    private readonly log: (line: string) => void,
  ) {
    this.id = node.keys.nodeId;
  }

  start(): void {
    // A node restarted in the middle of a provision (the grid stopped or crashed) has moved its
    // cursor past a workload it never reported: take the cursor back so it provisions it again,
    // as zos does with the workloads it had accepted.
    const from = this.store.firstUnreported(this.id, this.rt.cursor);
    if (from !== this.rt.cursor) {
      this.log(`node ${this.node.def.hostname ?? this.id}: resuming from reservation ${from}`);
      this.rt.cursor = from;
      this.store.nodeChanged(this.id);
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.all([...this.inflight.values()].map((f) => f.done));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((e: unknown) =>
          this.log(`node ${this.id}: ${e instanceof Error ? e.message : String(e)}`),
        )
        .finally(() => this.schedule(this.settings().pollIntervalMs));
    }, ms);
  }

  private get rt(): NodeRuntime {
    return this.store.nodeRuntime(this.id);
  }

  /** One poll cycle. A down node does nothing at all, so its `updated` goes stale. */
  async tick(): Promise<void> {
    if (this.settings().downNodes.includes(this.id)) return;
    const now = this.store.now();
    this.rt.lastSeen = now;
    const { items, lastId } = this.store.poll(this.id, this.rt.cursor);
    // lastSeen alone is not worth a state write; a cursor move is.
    if (this.rt.cursor !== lastId + 1) {
      this.rt.cursor = lastId + 1;
      this.store.nodeChanged(this.id);
    }

    // Local expiry (docs/protocol.md#node-polling): a node decommissions what it holds once
    // created + duration passes.
    for (const w of Object.values(this.rt.workloads)) {
      if (w.expires <= now) await this.decommissionAndReport(w.gwid);
    }

    const sorted = [...onePerWorkload(items)].sort(
      (a, b) => (TYPE_ORDER[a.type] ?? 9) - (TYPE_ORDER[b.type] ?? 9),
    );
    for (const item of sorted) {
      if (this.stopped) return;
      const expired = item.created + item.duration <= this.store.now();
      // Like zos, only the item decides (to_delete or its own expiry), not the reservation's
      // current state: items of a reservation an error just moved to delete still provision.
      if (item.to_delete || expired) {
        // A delete never overtakes the provision of the same workload.
        await this.inflight.get(item.workload_id)?.done;
        await this.decommissionAndReport(item.workload_id);
      } else if (!this.rt.workloads[item.workload_id] && !this.inflight.has(item.workload_id)) {
        this.startProvision(item);
      }
    }
  }

  /**
   * Starts one provision without holding up the poll loop: networks, zdbs and volumes right
   * away, a container once the networks and volumes it names that are still in progress here
   * are done (in type order within a poll, those were started before it).
   */
  private startProvision(item: WorkloadItem): void {
    const deps =
      item.type === WorkloadType.container ? this.dependencies(item) : ([] as Promise<void>[]);
    const run = async (): Promise<void> => {
      if (deps.length > 0) await Promise.all(deps);
      await this.provisionAndReport(item);
    };
    const done = run()
      .catch((e: unknown) =>
        this.log(`node ${this.id}: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => this.inflight.delete(item.workload_id));
    // Set before the cleanup above can run (it is a later microtask even with no delay).
    this.inflight.set(item.workload_id, { item, done });
  }

  /** In-progress networks (same user, the name it joins) and volumes a container mounts. */
  private dependencies(item: WorkloadItem): Promise<void>[] {
    const c = item.content as Container;
    const rid = item.workload_id.split("-")[0];
    const nets = new Set((c.network_connection ?? []).map((n) => n.network_id));
    const vols = new Set(
      (c.volumes ?? []).map((m) =>
        m.volume_id.startsWith("-") ? `${rid}${m.volume_id}` : m.volume_id,
      ),
    );
    const out: Promise<void>[] = [];
    for (const [gwid, f] of this.inflight) {
      const needed =
        (f.item.type === WorkloadType.network &&
          String(f.item.user) === String(item.user) &&
          nets.has((f.item.content as Network).name)) ||
        (f.item.type === WorkloadType.volume && vols.has(gwid));
      if (needed) out.push(f.done);
    }
    return out;
  }

  private async decommissionAndReport(gwid: string): Promise<void> {
    const w = this.rt.workloads[gwid];
    if (w) {
      delete this.rt.workloads[gwid];
      if (
        w.networkKey &&
        w.type === WorkloadType.network &&
        this.rt.networks[w.networkKey]?.gwid === gwid
      ) {
        delete this.rt.networks[w.networkKey];
      }
      this.store.nodeChanged(this.id);
      this.log(`node ${this.node.def.hostname ?? this.id}: decommissioned ${gwid}`);
    }
    try {
      this.store.deleteWorkload(gwid, this.id);
      this.log(`node ${this.node.def.hostname ?? this.id}: reported ${gwid} deleted`);
    } catch (e) {
      // The reservation may have been reset away; nothing to report to.
      if (!(e instanceof HttpError && e.status === 404)) throw e;
    }
  }

  private async provisionAndReport(item: WorkloadItem): Promise<void> {
    const delay = this.settings().provisionDelayMs;
    if (delay > 0) await sleep(delay);
    if (this.stopped) return;
    let state: number = ResultState.ok;
    let message = "";
    let data: unknown = null;
    try {
      const failing = this.settings().failingNodes[this.id];
      if (failing !== undefined) throw new Refusal(failing);
      data = this.provision(item);
      // A fault of the control API: success with a result no client can read as its type's.
      if (this.settings().oddResultNodes.includes(this.id)) data = ["unexpected", "shape"];
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      state = ResultState.error;
      message = e.message;
      data = ZERO_DATA[item.type] ?? null;
    }
    const dataText = JSON.stringify(data);
    const bytes = Buffer.concat([
      Buffer.from([state]),
      Buffer.from(message, "utf8"),
      Buffer.from(dataText, "utf8"),
    ]);
    const result: Result = {
      category: item.type,
      workload_id: item.workload_id,
      data_json: data,
      signature: signDetachedHex(new Uint8Array(bytes), this.node.keys.signSecretKey),
      state,
      message,
      epoch: this.store.now(),
      node_id: this.id,
    };
    this.store.putResult(item.workload_id, this.id, result);
    this.log(
      `node ${this.node.def.hostname ?? this.id}: ${item.workload_id} ${state === ResultState.ok ? "ok" : `error: ${message}`}`,
    );
  }

  // ------------------------------------------------------------ provisioning per type

  private provision(item: WorkloadItem): unknown {
    const user = Number(item.user);
    const base = {
      gwid: item.workload_id,
      rid: Number(item.workload_id.split("-")[0]),
      type: item.type,
      user,
      expires: item.created + item.duration,
    };
    switch (item.type) {
      case WorkloadType.network:
        return this.provisionNetwork(item.content as Network, base);
      case WorkloadType.zdb:
        return this.provisionZdb(item.content as Zdb, base);
      case WorkloadType.volume:
        return this.provisionVolume(item.content as Volume, base);
      case WorkloadType.container:
        return this.provisionContainer(item.content as Container, base);
      default:
        throw new Refusal(`workload type ${item.type} is not supported by localgrid nodes`);
    }
  }

  private free(): Resources {
    const total = this.node.def.total_resources;
    const used = reservedOf(this.rt);
    return {
      cru: total.cru - used.cru,
      mru: total.mru - used.mru,
      hru: total.hru - used.hru,
      sru: total.sru - used.sru,
    };
  }

  /** Refuses when any unit asked for is more than the node has free. */
  private reserve(want: Resources): Resources {
    const free = this.free();
    for (const unit of ["cru", "mru", "sru", "hru"] as const) {
      if (want[unit] > free[unit] + 1e-9) {
        const u = unit === "cru" ? "vCPU" : "GiB";
        const fmt = (x: number): string => `${Number(x.toFixed(3))} ${u}`;
        throw new Refusal(
          `not enough free capacity on node ${this.id}: requested ${unit} ${fmt(want[unit])}, free ${fmt(Math.max(0, free[unit]))}`,
        );
      }
    }
    return want;
  }

  private keep(w: ProvisionedWorkload, secrets?: Record<string, unknown>): void {
    this.rt.workloads[w.gwid] = w;
    if (secrets) this.store.setSecrets(w.gwid, secrets);
    this.store.nodeChanged(this.id);
  }

  private open(hex: string, what: string): string {
    const plain = openSealedHex(hex, this.node.keys);
    if (plain === null)
      throw new Refusal(
        `cannot decrypt ${what}: sealed box does not open with this node's key (seal to public_key_hex of node ${this.id})`,
      );
    return plain;
  }

  private usedPorts(exceptKey: string): number[] {
    const ports = new Set(this.node.def.wg_ports ?? []);
    for (const [key, n] of Object.entries(this.rt.networks))
      if (key !== exceptKey) ports.add(n.port);
    return [...ports].sort((a, b) => a - b);
  }

  /** Installed WireGuard ports, what `wg_ports` shows. */
  wgPorts(): number[] {
    return this.usedPorts("");
  }

  private provisionNetwork(n: Network, base: Omit<ProvisionedWorkload, "reserved">): unknown {
    const nr = (n.network_resources ?? []).find((x) => x.node_id === this.id);
    if (!nr) throw new Refusal(`network "${n.name}" has no network resource for node ${this.id}`);
    const key = `${base.user}:${n.name}`;
    const outer = parseCidr4(n.iprange);
    const mine = parseCidr4(nr.iprange);
    if (!outer)
      throw new Refusal(
        `network "${n.name}": iprange ${JSON.stringify(n.iprange)} is not an IPv4 CIDR`,
      );
    if (!mine || mine.bits !== 24 || !cidrContains(outer, mine.base) || outer.bits > 24) {
      throw new Refusal(
        `network "${n.name}": node iprange ${JSON.stringify(nr.iprange)} must be a /24 inside ${n.iprange}`,
      );
    }
    const port = nr.wireguard_listen_port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Refusal(
        `network "${n.name}": wireguard_listen_port ${port} is not a valid port (1-65535)`,
      );
    }
    if (this.usedPorts(key).includes(port)) {
      throw new Refusal(
        `wireguard listen port ${port} already in use on node ${this.id}, pick another one (in use: ${this.usedPorts(key).join(", ")})`,
      );
    }
    const wgKey = this.open(
      nr.wireguard_private_key_encrypted,
      `wireguard_private_key_encrypted of network "${n.name}"`,
    );
    if (Buffer.from(wgKey, "base64").length !== 32 || wgKey.length !== 44) {
      throw new Refusal(
        `network "${n.name}": the decrypted WireGuard private key must be the base64 text of 32 bytes`,
      );
    }
    this.rt.networks[key] = { gwid: base.gwid, iprange: nr.iprange, port };
    this.keep(
      { ...base, reserved: { cru: 0, mru: 0, hru: 0, sru: 0 }, networkKey: key },
      { wireguard_private_key: wgKey },
    );
    return null;
  }

  private provisionZdb(z: Zdb, base: Omit<ProvisionedWorkload, "reserved">): unknown {
    if (z.mode !== 0 && z.mode !== 1)
      throw new Refusal(
        `zdb ${base.gwid}: mode ${z.mode} is not supported; use 0 (seq) or 1 (user)`,
      );
    if (z.disk_type !== 0 && z.disk_type !== 1)
      throw new Refusal(
        `zdb ${base.gwid}: disk_type ${z.disk_type} is invalid; use 0 (HDD) or 1 (SSD)`,
      );
    if (z.size <= 0)
      throw new Refusal(`zdb ${base.gwid}: size must be at least 1 GiB, got ${z.size}`);
    const password = z.password === "" ? "" : this.open(z.password, `password of zdb ${base.gwid}`);
    const want =
      z.disk_type === 1
        ? { cru: 0, mru: 0, hru: 0, sru: z.size }
        : { cru: 0, mru: 0, hru: z.size, sru: 0 };
    this.keep({ ...base, reserved: this.reserve(want) }, { password });
    return {
      Namespace: base.gwid,
      IP: derivedIpv6(this.node.def.ipv6, `zdb:${base.gwid}`),
      Port: 9900,
    };
  }

  private provisionVolume(v: Volume, base: Omit<ProvisionedWorkload, "reserved">): unknown {
    if (v.size <= 0)
      throw new Refusal(`volume ${base.gwid}: size must be at least 1 GiB, got ${v.size}`);
    this.keep({ ...base, reserved: this.reserve({ cru: 0, mru: 0, hru: 0, sru: v.size }) });
    return { volume_id: base.gwid };
  }

  private provisionContainer(c: Container, base: Omit<ProvisionedWorkload, "reserved">): unknown {
    const gwid = base.gwid;
    checkContainerCapacity(c, gwid);
    const { conn, key } = this.containerAddress(c, base);
    this.checkMounts(c, base);
    const secretEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.secret_environment ?? {})) {
      secretEnv[k] = v === "" ? "" : this.open(v, `secret_environment ${k}`);
    }
    for (const k of NAMESPACE_ENV_KEYS) {
      const problem = namespaceEnvProblem(this.store, gwid, k, c.environment, secretEnv, base.user);
      if (problem) throw new Refusal(problem);
    }
    const want = {
      cru: c.capacity.cpu,
      mru: c.capacity.memory / GIB,
      hru: 0,
      sru: c.capacity.disk_size / GIB,
    };
    this.keep(
      { ...base, reserved: this.reserve(want), networkKey: key, containerIp: conn.ipaddress },
      { secret_environment: secretEnv },
    );
    return {
      id: gwid,
      ipv6: conn.public_ip6 ? derivedIpv6(this.node.def.ipv6, `container:${gwid}`) : "",
      ipv4: conn.ipaddress,
    };
  }

  /**
   * The container's network connection, checked as zos does: a network of the same user installed
   * on this node, and a free host address of its /24. `key` is the network's "<user>:<name>".
   */
  private containerAddress(
    c: Container,
    base: Omit<ProvisionedWorkload, "reserved">,
  ): { conn: NonNullable<Container["network_connection"]>[number]; key: string } {
    const gwid = base.gwid;
    const conn = (c.network_connection ?? [])[0];
    if (!conn)
      throw new Refusal(
        `container ${gwid}: network_connection is empty; a container must join a network installed on node ${this.id}`,
      );
    const key = `${base.user}:${conn.network_id}`;
    const net = this.rt.networks[key];
    if (!net) {
      throw new Refusal(
        `network "${conn.network_id}" is not installed on node ${this.id} for user ${base.user}; add the node to the network first`,
      );
    }
    const sub = parseCidr4(net.iprange)!;
    const addr = ipv4ToInt(conn.ipaddress);
    const usable = `use .2-.254 of ${net.iprange}`;
    if (addr === null || !cidrContains(sub, addr)) {
      throw new Refusal(
        `container ${gwid}: ip ${conn.ipaddress || "(empty)"} is outside the subnet of network "${conn.network_id}" on node ${this.id}; ${usable}`,
      );
    }
    const reserved = RESERVED_HOSTS[addr - sub.base];
    if (reserved)
      throw new Refusal(
        `container ${gwid}: ip ${conn.ipaddress} is ${reserved} of network "${conn.network_id}" on node ${this.id}; ${usable}`,
      );
    const taken = Object.values(this.rt.workloads).find(
      (w) =>
        w.type === WorkloadType.container &&
        w.networkKey === key &&
        w.containerIp === conn.ipaddress,
    );
    if (taken) {
      throw new Refusal(
        `container ${gwid}: ip ${conn.ipaddress} is already taken by container ${taken.gwid} in network "${conn.network_id}" on node ${this.id}; pick a free address`,
      );
    }
    return { conn, key };
  }

  /** Every volume the container mounts is a volume of the same user on this node. */
  private checkMounts(c: Container, base: Omit<ProvisionedWorkload, "reserved">): void {
    const gwid = base.gwid;
    for (const m of c.volumes ?? []) {
      const vid = m.volume_id.startsWith("-") ? `${base.rid}${m.volume_id}` : m.volume_id;
      const local = this.rt.workloads[vid];
      if (!local || local.type !== WorkloadType.volume) {
        const elsewhere = this.store.findProvisioned(vid);
        if (elsewhere && elsewhere.w.type === WorkloadType.volume) {
          throw new Refusal(
            `container ${gwid}: volume ${vid} is on node ${elsewhere.nodeId}, not on node ${this.id}; a container can only mount volumes of its own node`,
          );
        }
        throw new Refusal(
          `container ${gwid}: volume ${vid} is unknown on node ${this.id}; deploy the volume on this node first`,
        );
      }
      if (local.user !== base.user) {
        throw new Refusal(
          `container ${gwid}: volume ${vid} belongs to another user; mount only your own volumes`,
        );
      }
    }
  }
}

/** Host numbers of a node's /24 a container cannot take, and what they are. */
const RESERVED_HOSTS: Record<number, string | undefined> = {
  0: "the network address",
  1: "the gateway",
  255: "the broadcast address",
};

/**
 * zos decodes the sizes into unsigned integers, before anything else: a negative one never
 * provisions, and a zero one would reserve nothing (both would let others overcommit).
 */
function checkContainerCapacity(c: Container, gwid: string): void {
  const sizes = { cpu: "vCPU", memory: "MiB", disk_size: "MiB" } as const;
  for (const [field, unit] of Object.entries(sizes) as [keyof typeof sizes, string][]) {
    const v = c.capacity[field];
    if (!(v >= 1))
      throw new Refusal(
        `container ${gwid}: capacity.${field} ${v} is invalid; it must be at least 1 (${unit})`,
      );
  }
}
