// The `tfgrid` command against an in-process local grid: every subcommand, its --json output and
// its error cases (exit 2 for usage, 1 for what the explorer or the request refused), then the
// built bin as a process.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import bs58 from "bs58";
import nacl from "tweetnacl";
import { startLocalGrid, type LocalGrid } from "../../../localgrid";
import type { CliIo } from "../../../provider/cli/args";
import { runCli } from "../../../provider/cli/tfgrid";
import { registerIdentity } from "../../../provider/cli/identity";
import { ExplorerClient } from "../../../provider/client/explorer";
import {
  identityFromMnemonic,
  keyPairFromMnemonic,
  type Identity,
} from "../../../provider/identity";
import { selectShardNodes } from "../../../provider/archive/placement";
import { planRedundancy, RedundancyError } from "../../../provider/archive/planner";
import { cancelReservation } from "../../../provider/reservation";
import { deployZdb } from "./deployed-zdb";

const ROOT = path.join(__dirname, "..", "..", "..");

let lg: LocalGrid;
let client: ExplorerClient;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), env };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** Runs with `--explorer <local grid>` appended. */
const onGrid = (...argv: string[]) => run([...argv, "--explorer", lg.url]);

const salzburg = () => lg.nodeIds.slice(0, 8);
const vienna = () => lg.nodeIds.slice(8, 16);
const ghent = () => lg.nodeIds.slice(16, 24);

beforeAll(async () => {
  lg = await startLocalGrid({ port: 0, pollIntervalMs: 20 });
  client = new ExplorerClient({ baseUrl: lg.url });
});

afterAll(async () => {
  await lg.close();
});

describe("usage", () => {
  it("no command prints the usage and exits 2; --help exits 0", async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/^usage: tfgrid <command> \[options\]\n/);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toBe(none.out);
    for (const cmd of ["identity new", "nodes", "plan", "reservations", "--json", "--explorer"]) {
      expect(help.out).toContain(cmd);
    }
  });

  it.each([["identity", "new"], ["nodes"], ["plan"], ["reservations"], ["recover"]])(
    "%s … --help prints the usage and exits 0, doing nothing",
    async (...command) => {
      for (const flag of ["--help", "-h"]) {
        const help = await run([...command, flag]);
        expect(help).toEqual({ code: 0, out: (await run(["--help"])).out, err: "" });
      }
    },
  );

  it("an unknown command or option exits 2 with the usage on stderr", async () => {
    const bogus = await run(["bogus"]);
    expect(bogus).toEqual({
      code: 2,
      out: "",
      err: expect.stringMatching(/^tfgrid: unknown command "bogus"\n\nusage: tfgrid/),
    });
    const option = await onGrid("nodes", "--bogus");
    expect(option.code).toBe(2);
    expect(option.err).toMatch(/^tfgrid: Unknown option '--bogus'/);
    expect(option.err).toContain("usage: tfgrid");
  });
});

describe("identity new", () => {
  it("registers the key and prints the tid and the three config lines", async () => {
    const r = await onGrid("identity", "new", "--name", "alice", "--email", "alice@example.org");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const lines = r.out.split("\n");
    const tid = Number(/^Registered alice\.3bot as tid (\d+) on (\S+)\.$/.exec(lines[0])?.[1]);
    expect(lines[0]).toBe(`Registered alice.3bot as tid ${tid} on ${lg.url}.`);
    expect(lines[1]).toBe(
      "The mnemonic below is the identity's private key: keep it secret, it is shown only once.",
    );
    expect(lines.slice(3, 5)).toEqual([
      `pulumi config set tfgrid:explorerUrl ${lg.url}`,
      `pulumi config set tfgrid:tid ${tid}`,
    ]);
    const m = /^pulumi config set --secret tfgrid:mnemonic "([a-z ]+)"$/.exec(lines[5]);
    expect(m).not.toBeNull();
    const mnemonic = m![1];
    expect(mnemonic.split(" ")).toHaveLength(24);
    expect(lines.slice(6)).toEqual([""]);
    // The explorer holds the public key of exactly that mnemonic.
    const user = await client.getUser(tid);
    expect(user.name).toBe("alice.3bot");
    expect(user.pubkey).toBe(Buffer.from(keyPairFromMnemonic(mnemonic).publicKey).toString("hex"));
  });

  it("--json prints the identity as one object", async () => {
    const r = await onGrid("identity", "new", "--name", "bob", "--json");
    expect(r.code).toBe(0);
    const id = JSON.parse(r.out);
    expect(Object.keys(id).sort()).toEqual(
      ["email", "explorerUrl", "mnemonic", "name", "publicKeyHex", "tid"].sort(),
    );
    expect(id).toMatchObject({ name: "bob.3bot", email: "bob@example.com", explorerUrl: lg.url });
    expect(Number.isSafeInteger(id.tid)).toBe(true);
    expect(id.publicKeyHex).toBe(
      Buffer.from(keyPairFromMnemonic(id.mnemonic).publicKey).toString("hex"),
    );
  });

  it("without --name: exit 2 with the usage", async () => {
    const r = await onGrid("identity", "new", "--email", "x@example.org");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /^tfgrid: identity new needs --name NAME \(lower case, 3\+ characters\)\n\nusage: tfgrid/,
    );
  });

  it("without `new`: exit 2", async () => {
    const r = await onGrid("identity", "--name", "carol");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tfgrid: unknown identity command ""; use: tfgrid identity new\n/);
  });

  it("a name already taken: exit 1 with the explorer's 409", async () => {
    expect((await onGrid("identity", "new", "--name", "dup")).code).toBe(0);
    const r = await onGrid("identity", "new", "--name", "dup");
    expect(r).toEqual({
      code: 1,
      out: "",
      err: 'tfgrid identity: explorer POST /users answered 409: user with name "dup.3bot" already exists\n',
    });
  });
});

describe("nodes", () => {
  const HEADER =
    /^NODE +FARM +SITE +FREE CRU +FREE MRU GiB +FREE SRU GiB +FREE HRU GiB +USER ACCESS$/;

  it("lists the 24 nodes of the default grid with site, free capacity and user access", async () => {
    const r = await onGrid("nodes");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(HEADER);
    expect(lines[1]).toMatch(/^[- ]+$/);
    const rows = lines.slice(2, -1);
    expect(rows).toHaveLength(24);
    expect(lines[lines.length - 1]).toBe("24 nodes");
    expect(rows.map((l) => l.split(/\s{2,}/)[0])).toEqual(lg.nodeIds);
    // The first node of each farm has a public IPv4: the only ones that can serve user access.
    expect(rows.filter((l) => l.endsWith("yes (public IPv4)")).map((l) => l.split(" ")[0])).toEqual(
      [lg.nodeIds[0], lg.nodeIds[8], lg.nodeIds[16]],
    );
    expect(rows[8].split(/\s{2,}/).slice(1)).toEqual([
      "82872",
      "Vienna, Austria",
      "16",
      "64",
      "1024",
      "4096",
      "yes (public IPv4)",
    ]);
  });

  it("--json gives every field per node", async () => {
    const r = await onGrid("nodes", "--json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows).toHaveLength(24);
    expect(rows[0]).toEqual({
      nodeId: lg.nodeIds[0],
      farmId: 12775,
      city: "Salzburg",
      country: "Austria",
      freeCru: 16,
      freeMruGiB: 64,
      freeSruGiB: 1024,
      freeHruGiB: 4096,
      userAccess: true,
    });
    expect(rows[1].userAccess).toBe(false);
  });

  it("--farm and --city filter on the explorer", async () => {
    const farm = JSON.parse((await onGrid("nodes", "--farm", "82872", "--json")).out);
    expect(farm.map((n: { nodeId: string }) => n.nodeId)).toEqual(vienna());
    const text = await onGrid("nodes", "--farm", "82872");
    expect(text.out.trimEnd().split("\n").pop()).toBe("8 nodes");
    const city = JSON.parse((await onGrid("nodes", "--city", "Ghent", "--json")).out);
    expect(city.map((n: { nodeId: string }) => n.nodeId)).toEqual(ghent());
  });

  it("--min-sru keeps nodes with at least that much free SSD (total − reserved)", async () => {
    expect(JSON.parse((await onGrid("nodes", "--min-sru", "1024", "--json")).out)).toHaveLength(24);
    const none = await onGrid("nodes", "--min-sru", "1025");
    expect(none.code).toBe(0);
    expect(none.out.trimEnd().split("\n")).toHaveLength(3); // header, rule, "0 nodes"
    expect(none.out.trimEnd().endsWith("\n0 nodes")).toBe(true);
  });

  it("bad filter values exit 2", async () => {
    const farm = await onGrid("nodes", "--farm", "vienna");
    expect(farm.code).toBe(2);
    expect(farm.err).toMatch(/^tfgrid: --farm "vienna" is not a non-negative integer\n/);
    const sru = await onGrid("nodes", "--min-sru", "-1");
    expect(sru.code).toBe(2);
  });

  it("falls back to TFGRID_EXPLORER_URL", async () => {
    const r = await run(["nodes", "--farm", "71", "--json"], { TFGRID_EXPLORER_URL: lg.url });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toHaveLength(8);
  });
});

describe("plan", () => {
  const reference = () => [...salzburg().slice(0, 3), ...vienna().slice(0, 3)];
  const threeCities = () => [
    ...salzburg().slice(0, 2),
    ...vienna().slice(0, 2),
    ...ghent().slice(0, 2),
  ];

  it("the reference 4+2 on 3 Salzburg + 3 Vienna nodes: a site loss is NOT survivable", async () => {
    const r = await onGrid(
      "plan",
      "--data",
      "4",
      "--parity",
      "2",
      "--nodes",
      reference().join(","),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("Erasure coding 4+2 on 6 shards (0 spares)\n");
    expect(r.out).toContain(
      "Capacity: raw 60 GiB, usable 40 GiB; parity 33.3 % of raw, expansion 1.5x\n",
    );
    expect(r.out).toContain("Site (city) loss survivable: NO\n");
    expect(r.out).toMatch(
      /\n {2}city +Salzburg, Austria +3 {2}MinIO +DATA UNREADABLE \(3 > parity 2\), INDEX LOST\n/,
    );
    expect(r.out).toMatch(
      /\n {2}city +Vienna, Austria +3 {2}- +DATA UNREADABLE \(3 > parity 2\)\n/,
    );
    expect(r.out).toContain(
      `Losing node ${reference()[0]}, or all of Salzburg, Austria, loses the archive's index`,
    );
    expect(r.out).toContain(
      "A site loss is not survivable: losing Salzburg, Austria (3 shards) leaves objects unreadable",
    );
    const json = JSON.parse((await onGrid("plan", "--nodes", reference().join(","), "--json")).out);
    expect(json.siteLossSurvivable).toBe(false);
    expect(json.domains.city.counts).toEqual({ "Salzburg, Austria": 3, "Vienna, Austria": 3 });
    expect(json.domains.farm.counts).toEqual({ "12775": 3, "82872": 3 });
  });

  it("4+2 on 2+2+2 nodes over three cities: NO without a TLOG, yes with one in another city", async () => {
    const without = await onGrid(
      "plan",
      "--data",
      "4",
      "--parity",
      "2",
      "--nodes",
      threeCities().join(","),
    );
    expect(without.code).toBe(0);
    expect(without.out).toContain("Site (city) loss survivable: NO\n");
    expect(without.out).toMatch(/\n {2}city +Salzburg, Austria +2 {2}MinIO +INDEX LOST\n/);
    const tlog = threeCities()[2]; // a Vienna node
    const r = await onGrid(
      "plan",
      "--data",
      "4",
      "--parity",
      "2",
      "--nodes",
      threeCities().join(","),
      "--tlog",
      tlog,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("Site (city) loss survivable: yes\n");
    expect(r.out).toContain(`TLOG on ${tlog} (Vienna, Austria)`);
    expect(r.out).toMatch(/\n {2}city +Ghent, Belgium +2 {2}- +reads OK, writes blocked\n/);
    expect(r.out).toMatch(
      /\n {2}city +Salzburg, Austria +2 {2}MinIO +reads after redeploying MinIO from the TLOG, writes blocked\n/,
    );
    const json = JSON.parse(
      (
        await onGrid(
          "plan",
          "--nodes",
          threeCities().join(","),
          "--tlog",
          tlog,
          "--json",
          "--size",
          "20",
        )
      ).out,
    );
    expect(json).toMatchObject({
      dataShards: 4,
      parityShards: 2,
      shardCount: 6,
      rawGiB: 120,
      usableGiB: 80,
      siteLossSurvivable: true,
    });
  });

  it("--require-site-tolerance refuses the 3+3 layout with the planner's message (exit 1)", async () => {
    const shards = reference().map((nodeId, i) => ({
      nodeId,
      farmId: i < 3 ? 12775 : 82872,
      city: i < 3 ? "Salzburg" : "Vienna",
      country: "Austria",
      sizeGiB: 10,
    }));
    let expected = "";
    try {
      planRedundancy({ shards, dataShards: 4, parityShards: 2, requireSiteFailureTolerance: true });
    } catch (e) {
      expect(e).toBeInstanceOf(RedundancyError);
      expected = (e as Error).message;
    }
    expect(expected).toContain("requireSiteFailureTolerance is set, but losing Salzburg, Austria");
    const r = await onGrid("plan", "--nodes", reference().join(","), "--require-site-tolerance");
    expect(r).toEqual({ code: 1, out: "", err: `tfgrid plan: ${expected}\n` });
    // the three-city layout passes the same gate with a TLOG in another city, not without
    const noTlog = await onGrid(
      "plan",
      "--nodes",
      threeCities().join(","),
      "--require-site-tolerance",
    );
    expect(noTlog.code).toBe(1);
    expect(noTlog.err).toContain(
      'metadata.tlog = "(none)": requireSiteFailureTolerance is set, but losing Salzburg, Austria loses the archive\'s index',
    );
    const ok = await onGrid(
      "plan",
      "--nodes",
      threeCities().join(","),
      "--tlog",
      threeCities()[4],
      "--standby",
      threeCities()[2],
      "--require-site-tolerance",
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/\n {2}city +Salzburg, Austria +2 {2}MinIO +reads OK on the standby/);
  });

  it("too few nodes for D+P: exit 1 with the planner's problem", async () => {
    const r = await onGrid("plan", "--nodes", reference().slice(0, 4).join(","));
    expect(r.code).toBe(1);
    expect(r.err).toContain("4+2 needs at least 6 shards, MinIO refuses to start with 4");
  });

  it("an unknown node: exit 1 naming the node", async () => {
    const stranger = bs58.encode(nacl.sign.keyPair().publicKey);
    const r = await onGrid("plan", "--nodes", [...reference().slice(0, 5), stranger].join(","));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(new RegExp(`^tfgrid plan: explorer GET /nodes/${stranger} answered 404`));
  });

  it("a placement request is resolved as S3Archive's placement does", async () => {
    const r = await onGrid("plan", "--count", "6", "--farms", "12775,82872", "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    const picked = selectShardNodes(
      (await client.listNodes()) as Parameters<typeof selectShardNodes>[0],
      { count: 6, farms: [12775, 82872], minFreeSsdGiB: 10 },
      Math.floor(Date.now() / 1000),
    );
    if ("problem" in picked) throw new Error(picked.problem);
    expect(Object.keys(json.domains.node.counts)).toEqual(picked.nodes.map((n) => n.nodeId));
    expect(json.domains.city.counts).toEqual({ "Salzburg, Austria": 3, "Vienna, Austria": 3 });
    expect(json.siteLossSurvivable).toBe(false);

    const text = await onGrid("plan", "--count", "6", "--farms", "12775,82872");
    expect(text.out.split("\n")[0]).toBe(
      "Placement (farms 12775, 82872; ≥ 10 GiB free SSD; reported within 10 minutes) chose, in shard order: " +
        picked.nodes.map((n) => n.nodeId).join(", "),
    );
    // Without a farm filter the placement spreads over the three cities: survivable.
    const all = JSON.parse((await onGrid("plan", "--count", "6", "--json")).out);
    expect(all.domains.city.counts).toEqual({
      "Ghent, Belgium": 2,
      "Salzburg, Austria": 2,
      "Vienna, Austria": 2,
    });
    // …but MinIO's city (the first shard's) holds the only index: not survivable without a TLOG.
    expect(all.domains.city.shardsSurviveLossOfAny).toBe(true);
    expect(all.siteLossSurvivable).toBe(false);
  });

  it("a placement that cannot be met: exit 1 with the placement's problem", async () => {
    const r = await onGrid("plan", "--count", "9", "--farms", "71");
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "tfgrid plan: placement: only 8 node(s) match (farms 71; ≥ 10 GiB free SSD; reported within 10 minutes) but 9 shards need one node each\n",
    );
  });

  it("an unknown farm id: exit 1 naming it and the farms with nodes, not a quieter placement", async () => {
    // 71 alone holds 8 nodes: without the check, 6 shards would quietly go there.
    const one = await onGrid("plan", "--count", "6", "--farms", "71,99999");
    expect(one).toEqual({
      code: 1,
      out: "",
      err: "tfgrid plan: --farms: 99999 has no node on the explorer (farms with nodes: 71 (ghent), 12775 (salzburg), 82872 (vienna)); check the farm ids (GET /farms, or npx tfgrid nodes)\n",
    });
    const two = await onGrid("plan", "--count", "6", "--farms", "99998,99999");
    expect(two.code).toBe(1);
    expect(two.err).toMatch(/^tfgrid plan: --farms: 99998, 99999 have no node on the explorer \(/);
  });

  it("usage errors: no layout, both layouts, a filter without --count, a bad number", async () => {
    const none = await onGrid("plan");
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^tfgrid: plan needs --nodes ID,ID,… \(the shard nodes, in order\)/);
    const both = await onGrid("plan", "--nodes", lg.nodeIds[0], "--count", "6");
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^tfgrid: plan takes either --nodes or a placement request/);
    const noCount = await onGrid("plan", "--farms", "71");
    expect(noCount.code).toBe(2);
    expect(noCount.err).toMatch(/^tfgrid: a placement request needs --count N/);
    const bad = await onGrid("plan", "--data", "four", "--nodes", lg.nodeIds[0]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^tfgrid: --data "four" is not a non-negative integer/);
  });
});

describe("reservations", () => {
  let identity: Identity;
  let rid: number;
  let expiresAt: string;

  beforeAll(async () => {
    const reg = await registerIdentity({ explorerUrl: lg.url, name: "cli-reservations" });
    identity = identityFromMnemonic(reg.mnemonic, reg.tid);
    const deployed = await deployZdb(client, identity, lg.nodeIds[3], {
      waitMs: 15_000,
      sizeGiB: 100,
      durationHours: 2,
    });
    rid = deployed.rid;
    expiresAt = new Date(deployed.expiration * 1000).toISOString();
  });

  it("shows the reservation with state deploy, expiry, workload id and result", async () => {
    const json = await onGrid("reservations", "--tid", String(identity.tid), "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual([
      { id: rid, state: "deploy", expiresAt, workloads: [`${rid}-1`], results: ["ok"] },
    ]);
    const text = await onGrid("reservations", "--tid", String(identity.tid));
    const lines = text.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +STATE +EXPIRES +WORKLOADS +RESULTS$/);
    expect(lines[2].split(/\s+/)).toEqual([String(rid), "deploy", expiresAt, `${rid}-1`, "ok"]);
    expect(lines[3]).toBe(`1 reservation of tid ${identity.tid}`);
  });

  it("the reserved SSD shows in `nodes --min-sru`", async () => {
    const r = JSON.parse((await onGrid("nodes", "--min-sru", "1000", "--json")).out);
    expect(r.map((n: { nodeId: string }) => n.nodeId)).toEqual(
      lg.nodeIds.filter((id) => id !== lg.nodeIds[3]),
    );
    const all = JSON.parse((await onGrid("nodes", "--json")).out);
    expect(all[3].freeSruGiB).toBe(924);
  });

  it("reads the tid from TFGRID_TID", async () => {
    const r = await run(["reservations", "--json"], {
      TFGRID_EXPLORER_URL: lg.url,
      TFGRID_TID: String(identity.tid),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).map((x: { id: number }) => x.id)).toEqual([rid]);
  });

  it("a cancelled reservation shows as deleted", async () => {
    const other = await registerIdentity({ explorerUrl: lg.url, name: "cli-cancel" });
    const id = identityFromMnemonic(other.mnemonic, other.tid);
    const node = lg.nodeIds[4];
    const { rid: r2 } = await deployZdb(client, id, node, { waitMs: 15_000 });
    const state = await cancelReservation(client, id, r2, {
      deadlineMs: Date.now() + 15_000,
      pollIntervalMs: 20,
      log: () => undefined,
    });
    expect(state).toBe("deleted");
    const rows = JSON.parse((await onGrid("reservations", "--tid", String(id.tid), "--json")).out);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: r2, state: "deleted", workloads: [`${r2}-1`] });
  });

  it("a tid without reservations lists none", async () => {
    const reg = await registerIdentity({ explorerUrl: lg.url, name: "cli-empty" });
    const r = await onGrid("reservations", "--tid", String(reg.tid));
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split("\n").pop()).toBe(`0 reservations of tid ${reg.tid}`);
    expect(
      JSON.parse((await onGrid("reservations", "--tid", String(reg.tid), "--json")).out),
    ).toEqual([]);
  });

  it("without --tid (and no TFGRID_TID): exit 2", async () => {
    const r = await onGrid("reservations");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^tfgrid: reservations needs --tid TID \(or TFGRID_TID\)\n\nusage: tfgrid/,
    );
  });
});

describe("an unreachable explorer", () => {
  it("exits 1 with the failed request and what to check", async () => {
    const gone = await startLocalGrid({ port: 0 });
    const url = gone.url;
    await gone.close();
    for (const argv of [["nodes"], ["reservations", "--tid", "1"], ["plan", "--count", "6"]]) {
      const r = await run([...argv, "--explorer", url]);
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toMatch(
        new RegExp(`^tfgrid ${argv[0]}: explorer GET /\\S+ failed: .*ECONNREFUSED`),
      );
      expect(r.err).toContain(
        "(is the explorer running? point at it with --explorer URL or TFGRID_EXPLORER_URL; start a local grid with: npx localgrid)\n",
      );
    }
  });
});

describe("the built bin", () => {
  const bin = path.join(ROOT, "dist", "provider", "cli", "tfgrid.js");

  beforeAll(() => {
    const src = path.join(ROOT, "provider", "cli", "tfgrid.ts");
    if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
      const tsc = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: ROOT, encoding: "utf8" });
      expect(tsc.stdout + tsc.stderr).toBe("");
    }
  }, 120_000);

  const node = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: "utf8", env: {} });

  it("is the package's `tfgrid` bin, with a shebang", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.bin.tfgrid).toBe("dist/provider/cli/tfgrid.js");
    expect(fs.readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("every bin of package.json is executable, as `npx` runs it (npm run build sets the mode)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const target of Object.values(pkg.bin) as string[]) {
      expect(() => fs.accessSync(path.join(ROOT, target), fs.constants.X_OK)).not.toThrow();
    }
  });

  it("--help exits 0 with the usage", () => {
    const r = node("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: tfgrid <command> \[options\]\n/);
    expect(r.stdout).toContain("--count N");
  });

  it("passes exit codes and streams through", async () => {
    const bad = node("bogus");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tfgrid: unknown command "bogus"/);
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      // asynchronous: the grid runs in this process and must keep answering
      const { spawn } = require("child_process") as typeof import("child_process");
      const p = spawn(process.execPath, [bin, "nodes", "--json", "--explorer", lg.url], {
        cwd: ROOT,
      });
      let stdout = "";
      p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      p.on("close", (status) => resolve({ status, stdout }));
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(24);
  });
});
