import { z } from "zod";
import { TfgridError } from "./errors";
import { mnemonicProblem, mnemonicProblemMessage } from "./identity";

/** Resolved provider configuration. */
export interface ProviderConfig {
  /**
   * Explorer base URL without trailing slash, its path ending in /explorer; https unless loopback
   * (or allowInsecureExplorer).
   */
  explorerUrl: string;
  /** 24-word BIP39 mnemonic of the identity's seed. Secret. */
  mnemonic: string;
  /** 3Bot id. */
  tid: number;
  /** Reservation duration in hours; default 24, minimum 1 (the explorer rejects shorter). */
  durationHours: number;
  /** Deadline for a node to report a result, in seconds; default 600. */
  deployTimeoutSeconds: number;
  /** Delay between result polls, in ms; default 1000. */
  pollIntervalMs: number;
}

/** A stack-config reader; keys are full names such as `"tfgrid:explorerUrl"`. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** The local grid started by `localgrid` / the demos. */
export const DEFAULT_EXPLORER_URL = "http://127.0.0.1:8080/explorer";

/** Defaults of the optional settings. */
export const CONFIG_DEFAULTS = {
  explorerUrl: DEFAULT_EXPLORER_URL,
  durationHours: 24,
  deployTimeoutSeconds: 600,
  pollIntervalMs: 1000,
} as const;

/** Every problem of a configuration at once; `problems` holds one line per setting. */
export class ConfigError extends TfgridError {
  readonly problems: string[];
  /** Marks it as a Pulumi RunError: a program that throws it shows the message, not a stack. */
  readonly __pulumiRunError = true;
  constructor(problems: string[]) {
    const n = problems.length;
    super(
      "config.invalid",
      `invalid tfgrid provider configuration (${n} problem${n === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** One provider setting: its stack config key, its environment fallback and how to set it. */
export interface Setting {
  key: string;
  env: string;
  secret?: boolean;
  /** How to set it, shown after "set it with: ". */
  example: string;
}

/**
 * Every provider setting, the one list of them: configure() keeps exactly these keys for later
 * methods (resources/context.ts, placement), schema.json's config section is checked against it
 * (tests/unit/schema.test.ts), and resolveConfig reads them.
 */
export const SETTINGS = {
  explorerUrl: {
    key: "tfgrid:explorerUrl",
    env: "TFGRID_EXPLORER_URL",
    example: "pulumi config set tfgrid:explorerUrl https://explorer.grid.tf/explorer",
  },
  mnemonic: {
    key: "tfgrid:mnemonic",
    env: "TFGRID_MNEMONIC",
    secret: true,
    example: 'pulumi config set --secret tfgrid:mnemonic "<24 words>"',
  },
  tid: {
    key: "tfgrid:tid",
    env: "TFGRID_TID",
    example: "pulumi config set tfgrid:tid <your 3Bot id>",
  },
  durationHours: {
    key: "tfgrid:durationHours",
    env: "TFGRID_DURATION_HOURS",
    example: "pulumi config set tfgrid:durationHours 24",
  },
  deployTimeoutSeconds: {
    key: "tfgrid:deployTimeoutSeconds",
    env: "TFGRID_DEPLOY_TIMEOUT_SECONDS",
    example: "pulumi config set tfgrid:deployTimeoutSeconds 600",
  },
  pollIntervalMs: {
    key: "tfgrid:pollIntervalMs",
    env: "TFGRID_POLL_INTERVAL_MS",
    example: "pulumi config set tfgrid:pollIntervalMs 1000",
  },
  allowInsecureExplorer: {
    key: "tfgrid:allowInsecureExplorer",
    env: "TFGRID_ALLOW_INSECURE_EXPLORER",
    example: "pulumi config set tfgrid:allowInsecureExplorer true",
  },
} satisfies Record<string, Setting>;

type Name = keyof typeof SETTINGS;

const settingList: readonly Setting[] = Object.values(SETTINGS);

/** The stack config key of every setting (`tfgrid:explorerUrl`, …). */
export const SETTING_KEYS: readonly string[] = settingList.map((s) => s.key);

const IDENTITY_HINT = "to create a new identity run: npx tfgrid identity new --name NAME";

const howToSet = (s: Setting): string => `set it with: ${s.example} (or ${s.env})`;

// Value rules as zod schemas over the raw string; each message is the "what is wrong" part.
const positiveInt = () =>
  z
    .string()
    .regex(/^\d+$/, "is not a positive integer")
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n > 0, "is not a positive integer");

const hours = () =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, "is not a number of hours")
    .transform(Number)
    .refine(
      (n) => n >= 1,
      "is below the minimum of 1 hour (the explorer rejects shorter reservations)",
    );

const bool = () =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(["true", "false"], { message: 'is not "true" or "false"' }))
    .transform((s) => s === "true");

const protocolOf = (u: string): string | undefined => {
  try {
    return new URL(u).protocol;
  } catch {
    return undefined;
  }
};

const url = () =>
  z
    .string()
    .refine((u) => protocolOf(u) !== undefined, "is not a URL")
    .refine((u) => /^https?:$/.test(protocolOf(u) ?? "http:"), "is not an http(s) URL")
    .transform((u) => u.replace(/\/+$/, ""));

/** Loopback hosts, where plain http cannot be intercepted on the network. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** The URL for messages, with any user:password removed. */
function redactUrl(u: string): string {
  try {
    const parsed = new URL(u);
    if (parsed.username === "" && parsed.password === "") return u;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return u;
  }
}

/** Reads one setting (stack config, then env), collecting problems instead of throwing. */
function settingReader(
  source: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
) {
  const raw = (name: Name): { value: string; label: string } | undefined => {
    const s: Setting = SETTINGS[name];
    const fromStack = source?.get(s.key)?.trim();
    if (fromStack) return { value: fromStack, label: s.key };
    const fromEnv = env[s.env]?.trim();
    if (fromEnv) return { value: fromEnv, label: `${s.key} (from ${s.env})` };
    return undefined;
  };
  const parse = <T>(name: Name, schema: z.ZodType<T, z.ZodTypeDef, string>, fallback: T): T => {
    const r = raw(name);
    if (r === undefined) return fallback;
    const out = schema.safeParse(r.value);
    if (out.success) return out.data;
    const shown = name === "explorerUrl" ? redactUrl(r.value) : r.value;
    problems.push(
      `${r.label}: ${JSON.stringify(shown)} ${out.error.issues[0].message}; ${howToSet(SETTINGS[name])}`,
    );
    return fallback;
  };
  return { raw, parse };
}

/**
 * The explorer URL with the https-unless-loopback rule. Its problems go to `problems`; those of
 * allowInsecureExplorer come back apart, because they are reported last (settings order).
 */
function readExplorerUrl(
  source: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
): { explorerUrl: string; insecureProblems: string[] } {
  const insecureProblems: string[] = [];
  const allowInsecure = settingReader(source, env, insecureProblems).parse(
    "allowInsecureExplorer",
    bool(),
    false,
  );
  const reader = settingReader(source, env, problems);
  const urlRaw = reader.raw("explorerUrl");
  let explorerUrl = reader.parse("explorerUrl", url(), CONFIG_DEFAULTS.explorerUrl);
  if (urlRaw !== undefined && url().safeParse(urlRaw.value).success) {
    const u = new URL(explorerUrl);
    if (u.protocol === "http:" && !isLoopbackHost(u.hostname) && !allowInsecure) {
      problems.push(
        `${urlRaw.label}: ${JSON.stringify(redactUrl(urlRaw.value))} uses plain http to a non-loopback host, ` +
          `which exposes reservations to tampering; use https, or accept the risk with: ` +
          `${SETTINGS.allowInsecureExplorer.example} (or ${SETTINGS.allowInsecureExplorer.env}=true)`,
      );
      explorerUrl = CONFIG_DEFAULTS.explorerUrl;
    }
    // The explorer mounts every route under /explorer (protocol.md#framing): any other path
    // answers the router's 404 to every request, so say the fix now rather than at each request.
    if (!/\/explorer$/.test(u.pathname)) {
      problems.push(
        `${urlRaw.label}: ${JSON.stringify(redactUrl(urlRaw.value))} does not end in /explorer, ` +
          `the path under which an explorer serves its API; set it with: ` +
          `pulumi config set ${SETTINGS.explorerUrl.key} ${u.origin}/explorer (or ${SETTINGS.explorerUrl.env})`,
      );
    }
  }
  return { explorerUrl, insecureProblems };
}

/**
 * Only the explorer URL, with the same rules as {@link resolveConfig}: for what talks to the
 * explorer without an identity (placement, node lookups).
 * @throws ConfigError naming the setting and the fix.
 */
export function resolveExplorerUrl(
  source: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
): string {
  return resolving(source, env, (explorerUrl) => explorerUrl);
}

type Reader = ReturnType<typeof settingReader>;

/**
 * The explorer URL, then what `read` reads with it; every problem at once, allowInsecureExplorer's
 * last (settings order).
 * @throws ConfigError listing the problems.
 */
function resolving<T>(
  source: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
  read: (explorerUrl: string, reader: Reader, problems: string[]) => T,
): T {
  const problems: string[] = [];
  const reader = settingReader(source, env, problems);
  const { explorerUrl, insecureProblems } = readExplorerUrl(source, env, problems);
  const value = read(explorerUrl, reader, problems);
  problems.push(...insecureProblems);
  if (problems.length > 0) throw new ConfigError(problems);
  return value;
}

/**
 * Resolves the provider configuration: stack config first, then `TFGRID_*` environment
 * variables, then defaults. Blank values count as unset.
 * @throws ConfigError listing every problem, each naming the setting, the value (never the
 * mnemonic) and the fix.
 */
export function resolveConfig(
  source: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
): ProviderConfig {
  return resolving(source, env, (explorerUrl, { raw, parse }, problems) => {
    // Required: "not set" names how to set it and how to make an identity.
    const required = (name: "mnemonic" | "tid") => {
      const r = raw(name);
      if (r === undefined) {
        const s: Setting = SETTINGS[name];
        problems.push(`${s.key} is not set; ${howToSet(s)}; ${IDENTITY_HINT}`);
      }
      return r;
    };

    const m = required("mnemonic");
    const problem = m && mnemonicProblem(m.value);
    if (m && problem !== undefined) {
      problems.push(mnemonicProblemMessage(problem).replace(SETTINGS.mnemonic.key, m.label));
    }
    const mnemonic = m && problem === undefined ? m.value : "";

    const tid = required("tid") === undefined ? 0 : parse("tid", positiveInt(), 0);
    const durationHours = parse("durationHours", hours(), CONFIG_DEFAULTS.durationHours);
    const deployTimeoutSeconds = parse(
      "deployTimeoutSeconds",
      positiveInt(),
      CONFIG_DEFAULTS.deployTimeoutSeconds,
    );
    const pollIntervalMs = parse("pollIntervalMs", positiveInt(), CONFIG_DEFAULTS.pollIntervalMs);
    return { explorerUrl, mnemonic, tid, durationHours, deployTimeoutSeconds, pollIntervalMs };
  });
}
