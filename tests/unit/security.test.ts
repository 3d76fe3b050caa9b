/**
 * Security rules of issue #6: the explorer URL is https unless loopback (with an explicit opt-out),
 * TLS errors are not silenced, and no secret reaches error messages, logs or the provider
 * text stored in state — what the README's "Where your mnemonic lives" says.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { closedLoopbackPort } from "../support/ports";
import { ExplorerClient, ExplorerNetworkError } from "../../provider/client";
import { ConfigError, resolveConfig, type ConfigSource } from "../../provider/config";
import { generateMnemonic, identityFromMnemonic } from "../../provider/identity";
import { packageVersion, providerModule } from "../../provider/provider-reference";
import { implementation } from "../../provider/providers";
import { clearConfig, storeConfig } from "../../provider/resources/common";
import { containerProvider } from "../../provider/resources/container-provider";
import { zdbNamespaceProvider } from "../../provider/resources/zdb-provider";

const ROOT = path.join(__dirname, "..", "..");
const MNEMONIC = generateMnemonic();
const WORDS = MNEMONIC.split(" ");
const base = { "tfgrid:mnemonic": MNEMONIC, "tfgrid:tid": "42" };
const stack = (values: Record<string, string>): ConfigSource => ({ get: (k) => values[k] });

function configProblems(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveConfig(stack(values), env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/**
 * Every pair of consecutive mnemonic words found in `text`. Single words are common English
 * ("true", "check"…) and would match ordinary messages; two in the mnemonic's order would not.
 */
const leakedWords = (text: string): string[] =>
  WORDS.slice(1)
    .map((w, i) => `${WORDS[i]} ${w}`)
    .filter((pair) => text.includes(pair));

// An explorer URL nothing listens on: a port this file opened and closed (never a fixed one).
let CLOSED_EXPLORER: string;
beforeAll(async () => {
  CLOSED_EXPLORER = `http://127.0.0.1:${await closedLoopbackPort()}/explorer`;
});

describe("explorer URL: https unless loopback", () => {
  it("refuses plain http to a non-loopback host, naming the setting, the value and both fixes", () => {
    expect(
      configProblems({ ...base, "tfgrid:explorerUrl": "http://explorer.grid.tf/explorer" }),
    ).toEqual([
      'tfgrid:explorerUrl: "http://explorer.grid.tf/explorer" uses plain http to a non-loopback host, ' +
        "which exposes reservations to tampering; use https, or accept the risk with: " +
        "pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER=true)",
    ]);
  });

  it("applies the same rule to TFGRID_EXPLORER_URL", () => {
    const problems = configProblems(base, { TFGRID_EXPLORER_URL: "http://10.0.0.5:8080/explorer" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^tfgrid:explorerUrl \(from TFGRID_EXPLORER_URL\): "http:\/\/10\.0\.0\.5:8080\/explorer" uses plain http/,
    );
  });

  it.each([
    "http://127.0.0.1:8080/explorer",
    "http://127.8.9.10/explorer",
    "http://localhost:8080/explorer",
    "http://LOCALHOST/explorer",
    "http://[::1]:8080/explorer",
    "https://explorer.grid.tf/explorer",
  ])("allows %s", (url) => {
    expect(resolveConfig(stack({ ...base, "tfgrid:explorerUrl": url }), {}).explorerUrl).toBe(url);
  });

  it.each([
    "http://127.0.0.1.example.com/explorer",
    "http://0.0.0.0/explorer",
    "http://[::ffff:8.8.8.8]/x",
  ])("does not mistake %s for loopback", (url) => {
    expect(configProblems({ ...base, "tfgrid:explorerUrl": url })[0]).toContain(
      "uses plain http to a non-loopback host",
    );
  });

  it("accepts plain http only with the explicit tfgrid:allowInsecureExplorer opt-out", () => {
    const url = "http://explorer.example.net/explorer";
    expect(
      resolveConfig(
        stack({ ...base, "tfgrid:explorerUrl": url, "tfgrid:allowInsecureExplorer": "true" }),
        {},
      ).explorerUrl,
    ).toBe(url);
    expect(
      resolveConfig(stack({ ...base, "tfgrid:explorerUrl": url }), {
        TFGRID_ALLOW_INSECURE_EXPLORER: "true",
      }).explorerUrl,
    ).toBe(url);
    expect(
      configProblems({
        ...base,
        "tfgrid:explorerUrl": url,
        "tfgrid:allowInsecureExplorer": "false",
      })[0],
    ).toContain("uses plain http to a non-loopback host");
  });

  it("never echoes credentials embedded in the URL", () => {
    const problems = configProblems({
      ...base,
      "tfgrid:explorerUrl": "http://alice:hunter2secret@explorer.example.net/explorer",
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain("hunter2secret");
    expect(problems[0]).not.toContain("alice");
  });
});

describe("container images", () => {
  it("refuses an flist fetched over plain http, naming the https URL to use", async () => {
    storeConfig({
      get: (k) => ({ ...base, "tfgrid:explorerUrl": CLOSED_EXPLORER })[k],
    });
    try {
      const r = await containerProvider.check!(
        {},
        {
          nodeId: "UNKNOWN-NODE-ID-IS-NOT-CHECKED-HERE",
          flist: "http://hub.grid.tf/azmy.3bot/minio.flist",
        },
      );
      expect(r.failures!.filter((f) => f.property === "flist")).toEqual([
        {
          property: "flist",
          reason:
            '"http://hub.grid.tf/azmy.3bot/minio.flist" is fetched over plain http, so the image could be swapped on the way; use https ("https://hub.grid.tf/azmy.3bot/minio.flist")',
        },
      ]);
    } finally {
      clearConfig();
    }
  });
});

describe("TLS errors are not silenced", () => {
  let dir: string;
  let server: https.Server;
  let url: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfgrid-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    server = https.createServer(
      {
        key: fs.readFileSync(path.join(dir, "key.pem")),
        cert: fs.readFileSync(path.join(dir, "cert.pem")),
      },
      (_req, res) => {
        res.setHeader("content-type", "application/json");
        res.end("[]");
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/explorer`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("rejects a self-signed certificate with a network error naming it", async () => {
    const client = new ExplorerClient({ baseUrl: url, maxRetries: 0 });
    const error = await client.listFarms().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExplorerNetworkError);
    expect((error as Error).message).toMatch(
      /^explorer GET \/farms failed: .*self[- ]signed certificate/,
    );
  });

  it("no provider source disables certificate checks", () => {
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts")) {
          const text = fs.readFileSync(p, "utf8");
          if (/rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/.test(text)) {
            offenders.push(path.relative(ROOT, p));
          }
        }
      }
    };
    for (const d of ["provider", "stack"]) walk(path.join(ROOT, d));
    expect(offenders).toEqual([]);
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  });
});

describe("no secret in error messages", () => {
  it("identity errors name the problem by position, never a word", () => {
    const swapped = [...WORDS.slice(0, 23), "notaword"].join(" ");
    const short = WORDS.slice(0, 23).join(" ");
    const shuffled = [...WORDS.slice(1), WORDS[0]].join(" ");
    for (const bad of [swapped, short, shuffled]) {
      let message = "";
      try {
        identityFromMnemonic(bad, 7);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^tfgrid:mnemonic: /);
      expect(leakedWords(message)).toEqual([]);
      expect(message).not.toContain("notaword");
    }
  });

  it("config errors never echo the mnemonic, whatever else is wrong", () => {
    const problems = configProblems({
      "tfgrid:mnemonic": WORDS.slice(0, 20).join(" "),
      "tfgrid:tid": "abc",
      "tfgrid:durationHours": "0",
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^tfgrid:mnemonic: has 20 words, expected 24/);
    expect(leakedWords(problems.join("\n"))).toEqual([]);
  });

  it("a provider check failure carries no secret", async () => {
    storeConfig({ get: (k) => ({ ...base, "tfgrid:tid": "-3" })[k] });
    try {
      const r = await zdbNamespaceProvider.check!(
        {},
        { nodeId: "x", sizeGiB: 0, password: "zdb-pass-secret-9" },
      );
      const text = JSON.stringify(r.failures);
      expect(r.failures!.length).toBeGreaterThan(0);
      expect(leakedWords(text)).toEqual([]);
      expect(text).not.toContain("zdb-pass-secret-9");
    } finally {
      clearConfig();
    }
  });
});

describe("no secret in logs", () => {
  it("retry log lines name method, path and status only — never the body", async () => {
    const signature = "ab".repeat(64);
    let calls = 0;
    const server = http.createServer((req, res) => {
      calls++;
      req.resume();
      res.statusCode = calls < 3 ? 503 : 200;
      res.setHeader("content-type", "application/json");
      res.end(calls < 3 ? JSON.stringify({ error: "busy" }) : "{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const lines: string[] = [];
    try {
      const client = new ExplorerClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/explorer`,
        minBackoffMs: 1,
        log: (m) => lines.push(m),
      });
      await client.signDelete(5, { tid: 42, signature, epoch: 1 });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(
        /^explorer POST \/reservations\/5\/sign\/delete failed \(503\), retry \d\/5 in \d+ ms$/,
      );
      expect(line).not.toContain(signature);
    }
  });
});

describe("the provider text in state holds no credential", () => {
  it("the provider text a resource stores holds no configuration, even after the provider was configured in this process", async () => {
    const provider = implementation("ZdbNamespace", packageVersion());
    const config: Record<string, string> = {
      ...base,
      "tfgrid:explorerUrl": CLOSED_EXPLORER,
    };
    try {
      // The installed package keeps configure's values on the process, never in the text.
      await provider.configure!({ config: { get: (k) => config[k], require: (k) => config[k] } });
      const checked = await provider.check!({}, { nodeId: "not-a-node", sizeGiB: 1 });
      expect(checked.failures?.map((f) => f.property)).toContain("nodeId");
      const text = providerModule("ZdbNamespace");
      expect(leakedWords(text)).toEqual([]);
      expect(text).not.toContain(MNEMONIC);
    } finally {
      clearConfig();
    }
  });
});

describe("shard placement talks to the explorer under the same https rule", () => {
  const { shardPlacementProvider } =
    require("../../provider/archive/placement-provider") as typeof import("../../provider/archive/placement-provider");
  const config = (values: Record<string, string>) => ({
    config: { get: (k: string) => values[k], require: (k: string) => values[k] },
  });

  it("refuses plain http to a remote explorer at check, before listing any node", async () => {
    await shardPlacementProvider.configure!(
      config({ "tfgrid:explorerUrl": "http://explorer.example.com/explorer" }),
    );
    const result = await shardPlacementProvider.check!({}, { request: { count: 6 } });
    expect(result.failures).toEqual([
      {
        property: "tfgrid:explorerUrl",
        reason:
          'tfgrid:explorerUrl: "http://explorer.example.com/explorer" uses plain http to a non-loopback host, ' +
          "which exposes reservations to tampering; use https, or accept the risk with: " +
          "pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER=true)",
      },
    ]);
  });
});
