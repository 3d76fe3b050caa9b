// `tfgrid recover` against an in-process local grid with a hand-made `pulumi stack export`: the
// reservations of the export's pending creates are found by their createTag and cancelled;
// others of the same customer, untagged pending creates and other operations are left alone.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startLocalGrid, type LocalGrid } from "../../../localgrid";
import type { CliIo } from "../../../provider/cli/args";
import { pendingCreates } from "../../../provider/cli/recover";
import { runCli } from "../../../provider/cli/tfgrid";
import { registerIdentity, type RegisteredIdentity } from "../../../provider/cli/identity";
import { ExplorerClient } from "../../../provider/client/explorer";
import { identityFromMnemonic, type Identity } from "../../../provider/identity";
import { deployZdb } from "./deployed-zdb";

let lg: LocalGrid;
let client: ExplorerClient;
let reg: RegisteredIdentity;
let identity: Identity;
let dir: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], stdin?: string): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: {
      TFGRID_EXPLORER_URL: lg.url,
      TFGRID_TID: String(reg.tid),
      TFGRID_MNEMONIC: reg.mnemonic,
      TFGRID_POLL_INTERVAL_MS: "20",
    },
    ...(stdin !== undefined ? { stdin: async () => stdin } : {}),
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** Registers one small 0-db under `pulumi-tfgrid:<tag>` and waits until it is deployed. */
const reserve = async (tag: string, node: string): Promise<number> =>
  (await deployZdb(client, identity, node, { tag, waitMs: 20_000 })).rid;

const urn = (name: string) =>
  `urn:pulumi:dev::tfgrid-s3-archive::tfgrid:index:S3Archive$pulumi-nodejs:dynamic/tfgrid:ZdbNamespace::${name}`;
const TYPE = "pulumi-nodejs:dynamic/tfgrid:ZdbNamespace";

/** A `pulumi stack export` document with the given pending operations. */
function exportDoc(ops: { type: string; name: string; createTag?: string }[]): string {
  return JSON.stringify({
    version: 3,
    deployment: {
      manifest: { time: "2026-01-01T00:00:00Z", magic: "", version: "v3.248.0" },
      resources: [],
      pending_operations: ops.map((op) => ({
        resource: {
          urn: urn(op.name),
          custom: true,
          type: TYPE,
          inputs: {
            __provider: "exports.handler = __f0;",
            nodeId: "x",
            ...(op.createTag !== undefined ? { __createTag: op.createTag } : {}),
          },
        },
        type: op.type,
      })),
    },
  });
}

beforeAll(async () => {
  lg = await startLocalGrid({ port: 0, pollIntervalMs: 20 });
  client = new ExplorerClient({ baseUrl: lg.url });
  reg = await registerIdentity({ explorerUrl: lg.url, name: "cli-recover" });
  identity = identityFromMnemonic(reg.mnemonic, reg.tid);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfgrid-recover-"));
});

afterAll(async () => {
  await lg.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("tfgrid recover", () => {
  it("cancels exactly the reservations of tagged pending creates; --dry-run only lists", async () => {
    const orphan = await reserve("tag-orphan", lg.nodeIds[0]);
    const keep = await reserve("tag-in-state", lg.nodeIds[1]);
    const state = path.join(dir, "state.json");
    fs.writeFileSync(
      state,
      exportDoc([
        { type: "creating", name: "s3-zdb-0", createTag: "tag-orphan" },
        { type: "creating", name: "s3-zdb-1", createTag: "tag-never-registered" },
        { type: "creating", name: "s3-zdb-2" },
        { type: "deleting", name: "s3-zdb-3", createTag: "tag-in-state" },
      ]),
    );

    const dry = await run(["recover", "--state", state, "--dry-run"]);
    expect(dry).toEqual({
      code: 0,
      err: "",
      out: [
        `s3-zdb-0: reservation ${orphan} would be cancelled (dry run)`,
        "s3-zdb-1: nothing was registered",
        "s3-zdb-2: no createTag (created by an older provider); check `tfgrid reservations` by hand",
        "3 pending creates; next: pulumi refresh --clear-pending-creates --yes, then pulumi up",
        "",
      ].join("\n"),
    });
    expect((await client.getReservation(orphan)).next_action).toBe(3);

    const done = await run(["recover", "--state", state, "--json"]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.out)).toEqual({
      pendingCreates: [
        {
          urn: urn("s3-zdb-0"),
          type: TYPE,
          createTag: "tag-orphan",
          reservations: [{ id: orphan, action: "cancelled" }],
        },
        { urn: urn("s3-zdb-1"), type: TYPE, createTag: "tag-never-registered", reservations: [] },
      ],
      untagged: [urn("s3-zdb-2")],
    });
    expect((await client.getReservation(orphan)).next_action).toBe(6);
    expect((await client.getReservation(keep)).next_action).toBe(3);

    // Run again (from stdin): the orphan is already gone, nothing else is touched.
    const again = await run(["recover"], fs.readFileSync(state, "utf8"));
    expect(again.code).toBe(0);
    expect(again.out.split("\n")[0]).toBe(
      `s3-zdb-0: reservation ${orphan} already cancelled or expired`,
    );
    expect((await client.getReservation(keep)).next_action).toBe(3);
  });

  it("pending creates of resources that reserve nothing (layout record, password) are not reported", () => {
    const op = (name: string, type: string, inputs: Record<string, unknown>) => ({
      type: "creating",
      resource: { urn: urn(name), type, inputs },
    });
    const doc = {
      deployment: {
        pending_operations: [
          op("s3-layout", "pulumi-nodejs:dynamic/tfgrid:ArchiveLayout", { layout: "4+2" }),
          op("s3-password", "pulumi-nodejs:dynamic/tfgrid:StablePassword", { length: 32 }),
          op("s3-zdb-0", TYPE, { createTag: "tag-0" }),
        ],
      },
    };
    expect(pendingCreates(doc, "state.json")).toEqual([
      { urn: urn("s3-zdb-0"), type: TYPE, createTag: "tag-0" },
    ]);
  });

  it("an export without pending creates: nothing to recover", async () => {
    expect(await run(["recover"], exportDoc([]))).toEqual({
      code: 0,
      err: "",
      out: "no pending creates in the export: nothing to recover\n",
    });
  });

  it("refuses input that is not an export, with the documented messages", async () => {
    const none = await run(["recover"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain(
      "tfgrid: recover needs the output of `pulumi stack export`: --state FILE, or the export on stdin",
    );
    const notJson = await run(["recover"], "{oops");
    expect(notJson.code).toBe(1);
    expect(notJson.err).toMatch(
      /^tfgrid recover: stdin is not JSON \(.+\); pass the output of `pulumi stack export`\n$/,
    );
    const notExport = await run(["recover"], '{"version":3}');
    expect(notExport).toEqual({
      code: 1,
      out: "",
      err: "tfgrid recover: stdin is not the output of `pulumi stack export` (no deployment object)\n",
    });
    const noIdentity = await runCli(["recover"], {
      out: () => undefined,
      err: () => undefined,
      env: { TFGRID_EXPLORER_URL: lg.url },
      stdin: async () => exportDoc([]),
    });
    expect(noIdentity).toBe(1);
  });
});
