import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ExplorerClient } from "../../provider/client";
import { resolveConfig } from "../../provider/config";
import { sealForNode, signCreate } from "../../provider/crypto";
import { identityFromMnemonic, publicKeyHex } from "../../provider/identity";

// Dynamic providers are serialized by value into state (GUIDE §4): the client, config, identity
// and crypto modules must survive serializeFunction and work in a fresh process.
it("client, config, identity and crypto serialize and run in a fresh node process", async () => {
  const fn = async (): Promise<string> => {
    const cfg = resolveConfig(undefined, {
      TFGRID_MNEMONIC:
        "abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd math era live bid rhythm alien crouch range attend journey unaware",
      TFGRID_TID: "42",
    });
    const id = identityFromMnemonic(cfg.mnemonic, cfg.tid);
    const c = new ExplorerClient({ baseUrl: "http://127.0.0.1:1/explorer", maxRetries: 0 });
    const err = await c.getFarm(1).then(
      () => "no error",
      (e: Error & { code: string }) => `${e.name}/${e.code}/${e.message}`,
    );
    return [
      publicKeyHex(id),
      signCreate(id, "{}").length,
      sealForNode(publicKeyHex(id), "x").length,
      err,
    ].join(" ");
  };
  const sf = await pulumi.runtime.serializeFunction(fn, { isFactoryFunction: false });
  const dir = mkdtempSync(join(tmpdir(), "tfgrid-ser-"));
  const file = join(dir, "fn.js");
  writeFileSync(
    file,
    `${sf.text}\nexports.${sf.exportName}().then((s) => process.stdout.write(s));\n`,
  );
  const out = execFileSync(process.execPath, [file], {
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: join(__dirname, "../../node_modules") },
  });
  expect(out).toBe(
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8 128 98 " +
      "ExplorerNetworkError/explorer.network/explorer GET /farms/1 failed: connect ECONNREFUSED 127.0.0.1:1",
  );
}, 60_000);
