import {
  ConfigError,
  DEFAULT_EXPLORER_URL,
  isLoopbackHost,
  resolveConfig,
  SETTINGS,
  type ConfigSource,
} from "../../provider/config";
import { packageVersion } from "../../provider/provider-reference";
import { engineFailures, implementation } from "../../provider/providers";
import { clearConfig, configSource } from "../../provider/resources/common";

const MNEMONIC =
  "abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd math era live bid rhythm alien crouch range attend journey unaware";

const stack = (values: Record<string, string>): ConfigSource => ({
  get: (key) => values[key],
});

const minimal = { "tfgrid:mnemonic": MNEMONIC, "tfgrid:tid": "42" };

function problems(source: ConfigSource | undefined, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveConfig(source, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("resolveConfig", () => {
  it("applies defaults", () => {
    expect(resolveConfig(stack(minimal), {})).toEqual({
      explorerUrl: "http://127.0.0.1:8080/explorer",
      mnemonic: MNEMONIC,
      tid: 42,
      durationHours: 24,
      deployTimeoutSeconds: 600,
      pollIntervalMs: 1000,
    });
    expect(DEFAULT_EXPLORER_URL).toBe("http://127.0.0.1:8080/explorer");
  });

  it("reads every setting from the environment when the stack has none", () => {
    expect(
      resolveConfig(undefined, {
        TFGRID_EXPLORER_URL: "https://explorer.testnet.grid.tf/explorer/",
        TFGRID_MNEMONIC: MNEMONIC,
        TFGRID_TID: "7",
        TFGRID_DURATION_HOURS: "1.5",
        TFGRID_DEPLOY_TIMEOUT_SECONDS: "120",
        TFGRID_POLL_INTERVAL_MS: "250",
      }),
    ).toEqual({
      explorerUrl: "https://explorer.testnet.grid.tf/explorer",
      mnemonic: MNEMONIC,
      tid: 7,
      durationHours: 1.5,
      deployTimeoutSeconds: 120,
      pollIntervalMs: 250,
    });
  });

  it("lets stack config win over the environment, and treats blank values as unset", () => {
    const cfg = resolveConfig(
      stack({
        ...minimal,
        "tfgrid:explorerUrl": "https://explorer.grid.tf/explorer",
        "tfgrid:durationHours": "48",
        "tfgrid:pollIntervalMs": "  ",
      }),
      {
        TFGRID_EXPLORER_URL: "https://explorer.devnet.grid.tf/explorer",
        TFGRID_TID: "99",
        TFGRID_DURATION_HOURS: "2",
        TFGRID_POLL_INTERVAL_MS: "500",
      },
    );
    expect(cfg.explorerUrl).toBe("https://explorer.grid.tf/explorer");
    expect(cfg.tid).toBe(42);
    expect(cfg.durationHours).toBe(48);
    expect(cfg.pollIntervalMs).toBe(500);
  });

  it("reports missing mnemonic and tid with how to set them", () => {
    const e = (() => {
      try {
        resolveConfig(stack({}), {});
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe("config.invalid");
    expect(e.message).toBe(
      "invalid tfgrid provider configuration (2 problems):\n" +
        '  - tfgrid:mnemonic is not set; set it with: pulumi config set --secret tfgrid:mnemonic "<24 words>" (or TFGRID_MNEMONIC); to create a new identity run: npx tfgrid identity new --name NAME\n' +
        "  - tfgrid:tid is not set; set it with: pulumi config set tfgrid:tid <your 3Bot id> (or TFGRID_TID); to create a new identity run: npx tfgrid identity new --name NAME",
    );
  });

  it("lists every problem at once, each with key, value and fix, never the mnemonic", () => {
    const badMnemonic = MNEMONIC.split(" ").slice(0, 23).join(" ");
    const list = problems(
      stack({
        "tfgrid:explorerUrl": "not a url",
        "tfgrid:mnemonic": badMnemonic,
        "tfgrid:tid": "abc",
        "tfgrid:durationHours": "0.5",
        "tfgrid:deployTimeoutSeconds": "-3",
        "tfgrid:pollIntervalMs": "1e3",
        "tfgrid:allowInsecureExplorer": "yes",
      }),
    );
    expect(list).toEqual([
      'tfgrid:explorerUrl: "not a url" is not a URL; set it with: pulumi config set tfgrid:explorerUrl https://explorer.grid.tf/explorer (or TFGRID_EXPLORER_URL)',
      'tfgrid:mnemonic: has 23 words, expected 24; set a valid one with: pulumi config set --secret tfgrid:mnemonic "<24 words>" (or TFGRID_MNEMONIC); generate one with: npx tfgrid identity new --name NAME',
      'tfgrid:tid: "abc" is not a positive integer; set it with: pulumi config set tfgrid:tid <your 3Bot id> (or TFGRID_TID)',
      'tfgrid:durationHours: "0.5" is below the minimum of 1 hour (the explorer rejects shorter reservations); set it with: pulumi config set tfgrid:durationHours 24 (or TFGRID_DURATION_HOURS)',
      'tfgrid:deployTimeoutSeconds: "-3" is not a positive integer; set it with: pulumi config set tfgrid:deployTimeoutSeconds 600 (or TFGRID_DEPLOY_TIMEOUT_SECONDS)',
      'tfgrid:pollIntervalMs: "1e3" is not a positive integer; set it with: pulumi config set tfgrid:pollIntervalMs 1000 (or TFGRID_POLL_INTERVAL_MS)',
      'tfgrid:allowInsecureExplorer: "yes" is not "true" or "false"; set it with: pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER)',
    ]);
    expect(list.join("\n")).not.toContain(badMnemonic.split(" ").slice(0, 3).join(" "));
  });

  it("says when a bad value came from the environment", () => {
    expect(problems(stack({ "tfgrid:mnemonic": MNEMONIC }), { TFGRID_TID: "0" })).toEqual([
      'tfgrid:tid (from TFGRID_TID): "0" is not a positive integer; set it with: pulumi config set tfgrid:tid <your 3Bot id> (or TFGRID_TID)',
    ]);
    const words = MNEMONIC.split(" ");
    words[23] = "abandon";
    expect(problems(stack({ "tfgrid:tid": "1" }), { TFGRID_MNEMONIC: words.join(" ") })).toEqual([
      'tfgrid:mnemonic (from TFGRID_MNEMONIC): has a bad checksum (a word is wrong or the words are out of order); set a valid one with: pulumi config set --secret tfgrid:mnemonic "<24 words>" (or TFGRID_MNEMONIC); generate one with: npx tfgrid identity new --name NAME',
    ]);
  });

  it("rejects non-numeric and sub-hour durations", () => {
    expect(problems(stack({ ...minimal, "tfgrid:durationHours": "a day" }))).toEqual([
      'tfgrid:durationHours: "a day" is not a number of hours; set it with: pulumi config set tfgrid:durationHours 24 (or TFGRID_DURATION_HOURS)',
    ]);
    expect(
      resolveConfig(stack({ ...minimal, "tfgrid:durationHours": "1" }), {}).durationHours,
    ).toBe(1);
  });

  describe("https rule", () => {
    const withUrl = (u: string, extra: Record<string, string> = {}): string =>
      resolveConfig(stack({ ...minimal, "tfgrid:explorerUrl": u, ...extra }), {}).explorerUrl;

    it.each([
      "http://127.0.0.1:8080/explorer",
      "http://127.3.4.5/explorer",
      "http://localhost:9000/explorer",
      "http://[::1]:8080/explorer",
      "https://explorer.grid.tf/explorer",
    ])("accepts %s", (u) => {
      expect(withUrl(u)).toBe(u);
    });

    it("refuses plain http to another host, redacting credentials", () => {
      expect(
        problems(stack({ ...minimal, "tfgrid:explorerUrl": "http://u:pw@10.0.0.5/explorer" })),
      ).toEqual([
        'tfgrid:explorerUrl: "http://10.0.0.5/explorer" uses plain http to a non-loopback host, which exposes reservations to tampering; use https, or accept the risk with: pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER=true)',
      ]);
      expect(
        problems(stack(minimal), { TFGRID_EXPLORER_URL: "http://127.0.0.1.example.com/explorer/" }),
      ).toEqual([
        'tfgrid:explorerUrl (from TFGRID_EXPLORER_URL): "http://127.0.0.1.example.com/explorer/" uses plain http to a non-loopback host, which exposes reservations to tampering; use https, or accept the risk with: pulumi config set tfgrid:allowInsecureExplorer true (or TFGRID_ALLOW_INSECURE_EXPLORER=true)',
      ]);
    });

    it("allows plain http when allowInsecureExplorer is true (stack or env)", () => {
      expect(withUrl("http://grid.lan/explorer", { "tfgrid:allowInsecureExplorer": "true" })).toBe(
        "http://grid.lan/explorer",
      );
      expect(
        resolveConfig(stack({ ...minimal, "tfgrid:explorerUrl": "http://grid.lan/explorer" }), {
          TFGRID_ALLOW_INSECURE_EXPLORER: "TRUE",
        }).explorerUrl,
      ).toBe("http://grid.lan/explorer");
      expect(
        problems(
          stack({
            ...minimal,
            "tfgrid:explorerUrl": "http://grid.lan/explorer",
            "tfgrid:allowInsecureExplorer": "false",
          }),
        ),
      ).toHaveLength(1);
    });

    it("refuses a URL whose path does not end in /explorer, naming the URL to set, once", () => {
      expect(
        problems(stack({ ...minimal, "tfgrid:explorerUrl": "http://127.0.0.1:8080/" })),
      ).toEqual([
        'tfgrid:explorerUrl: "http://127.0.0.1:8080/" does not end in /explorer, the path under which an explorer serves its API; set it with: pulumi config set tfgrid:explorerUrl http://127.0.0.1:8080/explorer (or TFGRID_EXPLORER_URL)',
      ]);
      expect(
        problems(stack(minimal), { TFGRID_EXPLORER_URL: "https://u:pw@explorer.grid.tf/api" }),
      ).toEqual([
        'tfgrid:explorerUrl (from TFGRID_EXPLORER_URL): "https://explorer.grid.tf/api" does not end in /explorer, the path under which an explorer serves its API; set it with: pulumi config set tfgrid:explorerUrl https://explorer.grid.tf/explorer (or TFGRID_EXPLORER_URL)',
      ]);
    });

    it("rejects non-http schemes", () => {
      expect(
        problems(stack({ ...minimal, "tfgrid:explorerUrl": "ftp://explorer.grid.tf/" })),
      ).toEqual([
        'tfgrid:explorerUrl: "ftp://explorer.grid.tf/" is not an http(s) URL; set it with: pulumi config set tfgrid:explorerUrl https://explorer.grid.tf/explorer (or TFGRID_EXPLORER_URL)',
      ]);
    });
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["127.0.0.1", true],
    ["127.255.255.254", true],
    ["[::1]", true],
    ["::1", true],
    ["128.0.0.1", false],
    ["127.0.0.256", false],
    ["localhost.evil.com", false],
    ["10.0.0.1", false],
  ])("%s → %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe("the settings table reaches the provider host", () => {
  // Every key of SETTINGS must reach what the provider's methods read after configure: a key left
  // out there is a stack config value silently ignored.
  it.each(["ZdbNamespace", "Volume", "Container", "Network"])(
    "%s's configure keeps every setting for its later methods",
    async (type) => {
      const values = Object.fromEntries(
        Object.values(SETTINGS).map((s, i) => [s.key, `value-${i}`]),
      );
      clearConfig();
      try {
        await implementation(type, packageVersion()).configure!({
          config: { get: (k) => values[k], require: (k) => values[k] },
        });
        const kept = configSource();
        expect(Object.fromEntries(Object.keys(values).map((k) => [k, kept?.get(k)]))).toEqual(
          values,
        );
      } finally {
        clearConfig();
      }
    },
  );
});

describe("a setting's check failure reaches the engine as a plain message", () => {
  // The engine prints a failure with a property as "property <p> value <input> has a problem: …";
  // a tfgrid:* key is no input, so that read `value {<nil>}`. Without a property it prints
  // "<type> resource '<name>' has a problem: <reason>", and the reason names the setting.
  it("Volume's check: the config problems carry no property, each reason names its setting", async () => {
    clearConfig();
    try {
      const provider = implementation("Volume", packageVersion());
      const values: Record<string, string> = { "tfgrid:tid": "abc" };
      await provider.configure!({ config: { get: (k) => values[k], require: (k) => values[k] } });
      const checked = await provider.check!({}, { nodeId: "not-a-node", sizeGiB: 1 });
      expect(checked.failures?.filter((f) => f.property !== "nodeId")).toEqual([
        {
          property: "",
          reason:
            'tfgrid:mnemonic is not set; set it with: pulumi config set --secret tfgrid:mnemonic "<24 words>" (or TFGRID_MNEMONIC); to create a new identity run: npx tfgrid identity new --name NAME',
        },
        {
          property: "",
          reason:
            'tfgrid:tid: "abc" is not a positive integer; set it with: pulumi config set tfgrid:tid <your 3Bot id> (or TFGRID_TID)',
        },
      ]);
    } finally {
      clearConfig();
    }
  });

  it("a reason that does not name its setting gets it in front; input failures keep theirs", () => {
    expect(
      engineFailures([
        { property: "tfgrid:explorerUrl", reason: "the explorer at http://x/explorer is down" },
        { property: "tfgrid", reason: "tfgrid:mnemonic: has 23 words, expected 24" },
        { property: "sizeGiB", reason: "0 is not a valid sizeGiB" },
      ]),
    ).toEqual([
      { property: "", reason: "tfgrid:explorerUrl: the explorer at http://x/explorer is down" },
      { property: "", reason: "tfgrid:mnemonic: has 23 words, expected 24" },
      { property: "sizeGiB", reason: "0 is not a valid sizeGiB" },
    ]);
  });
});
