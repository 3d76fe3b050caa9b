/**
 * A strict JSON reader that decodes like Go's `encoding/json` into a declared struct shape.
 *
 * Why not `JSON.parse`: it turns `10.0` into `10`, so it cannot reject a float sent for an
 * integer field the way the Go explorer does, and it cannot tell which fields are integers.
 * Here the scanner keeps each number's source text, and `goDecode` walks a Go type description:
 * unknown keys are dropped, keys match case-insensitively, missing/`null` slices and maps stay
 * `null` (Go nil) while `[]`/`{}` stay empty — exactly what `reflect.DeepEqual` later compares.
 */

/** A JSON number with its literal text, so `10` and `10.0` stay distinguishable. */
export class Num {
  constructor(readonly raw: string) {}
  get value(): number {
    return Number(this.raw);
  }
}

export type RawJson = null | boolean | string | Num | RawJson[] | { [k: string]: RawJson };

export class JsonSyntaxError extends Error {}

/** Parses JSON text, keeping number literals as `Num`. Throws `JsonSyntaxError`. */
export function parseRaw(text: string): RawJson {
  const scanner = new Scanner(text);
  const v = scanner.value(0);
  scanner.ws();
  if (scanner.i !== text.length) scanner.fail("trailing data after JSON value");
  return v;
}

/** A cursor over JSON text; each reader starts at its value's first character. */
class Scanner {
  i = 0;
  constructor(private readonly text: string) {}

  ws(): void {
    const { text } = this;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  fail(what: string): never {
    throw new JsonSyntaxError(`invalid character at offset ${this.i}: ${what}`);
  }

  value(depth: number): RawJson {
    if (depth > 200) this.fail("nesting too deep");
    this.ws();
    const { text } = this;
    if (this.i >= text.length) this.fail("unexpected end of JSON input");
    const c = text[this.i];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.str();
    const literal = LITERALS[c];
    if (literal !== undefined && text.startsWith(literal[0], this.i)) {
      this.i += literal[0].length;
      return literal[1];
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.num();
    return this.fail(`unexpected '${c}'`);
  }

  private object(depth: number): RawJson {
    const obj: { [k: string]: RawJson } = Object.create(null);
    this.items("}", "object", () => {
      this.ws();
      if (this.text[this.i] !== '"') this.fail("expected object key");
      const k = this.str();
      this.ws();
      if (this.text[this.i] !== ":") this.fail("expected ':' after object key");
      this.i++;
      obj[k] = this.value(depth + 1);
    });
    return obj;
  }

  private array(depth: number): RawJson {
    const arr: RawJson[] = [];
    this.items("]", "array", () => arr.push(this.value(depth + 1)));
    return arr;
  }

  /** From an opening bracket to its `close`: comma-separated items, each read by `item`. */
  private items(close: string, kind: string, item: () => void): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.ws();
      const c = this.text[this.i];
      if (c !== "," && c !== close) this.fail(`expected ',' or '${close}' in ${kind}`);
      this.i++;
      if (c === close) return;
    }
  }

  private str(): string {
    // Fast path: find the closing quote; only fall back to JSON.parse when escapes exist.
    const { text } = this;
    const start = this.i;
    this.i++;
    let escaped = false;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === 92) {
        escaped = true;
        this.i += 2;
        continue;
      }
      if (c === 34) break;
      if (c < 32) this.fail("control character in string literal");
      this.i++;
    }
    if (this.i >= text.length) this.fail("unterminated string");
    this.i++;
    const lit = text.slice(start, this.i);
    if (!escaped) return lit.slice(1, -1);
    try {
      return JSON.parse(lit) as string;
    } catch {
      return this.fail("invalid escape in string literal");
    }
  }

  private num(): Num {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(
      this.text.slice(this.i, this.i + 64),
    );
    if (!m) return this.fail("invalid number literal");
    this.i += m[0].length;
    return new Num(m[0]);
  }
}

/** The literals by their first character. */
const LITERALS: Record<string, [string, RawJson] | undefined> = {
  t: ["true", true],
  f: ["false", false],
  n: ["null", null],
};

/** Converts a raw tree to plain JS values (used for `json.RawMessage` fields such as data_json). */
export function rawToPlain(v: RawJson): unknown {
  if (v instanceof Num) return v.value;
  if (Array.isArray(v)) return v.map(rawToPlain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = rawToPlain(v[k]);
    return out;
  }
  return v;
}

/** A Go type, as far as decoding needs to know it. `go` names appear in error messages. */
export type GoType =
  | { k: "int"; go: string; unsigned?: boolean; max?: number }
  | { k: "string" }
  | { k: "bool" }
  | { k: "date" }
  | { k: "iprange" }
  | { k: "ip" }
  | { k: "raw" }
  | { k: "slice"; of: GoType }
  | { k: "map"; of: GoType }
  | { k: "struct"; name: string; fields: Record<string, GoType> };

export class GoDecodeError extends Error {}

function kindOf(v: RawJson): string {
  if (v instanceof Num) return `number ${v.raw}`;
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  return typeof v;
}

function goName(t: GoType): string {
  switch (t.k) {
    case "int":
      return t.go;
    case "string":
      return "string";
    case "bool":
      return "bool";
    case "date":
      return "schema.Date";
    case "iprange":
      return "schema.IPRange";
    case "ip":
      return "net.IP";
    case "raw":
      return "json.RawMessage";
    case "slice":
      return `[]${goName(t.of)}`;
    case "map":
      return `map[string]${goName(t.of)}`;
    case "struct":
      return t.name;
  }
}

/** The Go zero value: what a missing key leaves behind. */
export function zeroOf(t: GoType): unknown {
  switch (t.k) {
    case "int":
    case "date":
      return 0;
    case "string":
    case "iprange":
    case "ip":
      return "";
    case "bool":
      return false;
    case "raw":
    case "slice":
    case "map":
      return null;
    case "struct": {
      const o: Record<string, unknown> = {};
      for (const [k, ft] of Object.entries(t.fields)) o[k] = zeroOf(ft);
      return o;
    }
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Accepts the textual IPv4/IPv6 forms Go's net.ParseIP accepts (IPv6 checked loosely). */
export function isIp(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (!s.includes(":")) return false;
  return /^[0-9a-fA-F:.]+$/.test(s) && s.split("::").length <= 2 && s.length <= 45;
}

export function isCidr(s: string): boolean {
  const slash = s.indexOf("/");
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || !isIp(ip)) return false;
  return Number(bits) <= (ip.includes(":") ? 128 : 32);
}

/**
 * Decodes `v` as Go would into type `t`. `path` is the Go error path ("Reservation.data_reservation
 * .volumes.size"). Mirrors Go: `null` leaves the zero value; a type mismatch is an error.
 */
export function goDecode(v: RawJson, t: GoType, path: string): unknown {
  const mismatch = (): never => {
    const where = path.includes(".") ? `Go struct field ${path}` : `Go value`;
    throw new GoDecodeError(
      `json: cannot unmarshal ${kindOf(v)} into ${where} of type ${goName(t)}`,
    );
  };
  // schema.Date's UnmarshalJSON runs on null too (and refuses it); every other type keeps its zero.
  if (t.k === "date") return decodeDate(v, path);
  if (v === null) return zeroOf(t);
  switch (t.k) {
    case "int": {
      if (!(v instanceof Num)) return mismatch();
      if (!/^-?\d+$/.test(v.raw) || (t.unsigned && v.raw.startsWith("-"))) return mismatch();
      const x = Number(v.raw);
      if (!Number.isSafeInteger(x) || (t.max !== undefined && x > t.max)) return mismatch();
      return x;
    }
    case "string":
      return typeof v === "string" ? v : mismatch();
    case "bool":
      return typeof v === "boolean" ? v : mismatch();
    case "iprange":
      if (typeof v !== "string") return mismatch();
      if (v !== "" && !isCidr(v)) throw new GoDecodeError(`invalid CIDR address: ${v} (${path})`);
      return v.toLowerCase();
    case "ip":
      if (typeof v !== "string") return mismatch();
      if (v !== "" && !isIp(v)) throw new GoDecodeError(`invalid IP address: ${v} (${path})`);
      return v.toLowerCase();
    case "raw":
      return rawToPlain(v);
    case "slice":
      if (!Array.isArray(v)) return mismatch();
      return v.map((e) => goDecode(e, t.of, path));
    case "map": {
      if (Array.isArray(v) || typeof v !== "object" || v instanceof Num) return mismatch();
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = goDecode(v[k], t.of, path);
      return out;
    }
    case "struct": {
      if (Array.isArray(v) || typeof v !== "object" || v instanceof Num) return mismatch();
      const out = zeroOf(t) as Record<string, unknown>;
      const lower = new Map<string, string>();
      for (const k of Object.keys(t.fields)) lower.set(k.toLowerCase(), k);
      for (const key of Object.keys(v)) {
        // Go matches exact names first, then case-insensitively; unknown keys are ignored.
        const field = key in t.fields ? key : lower.get(key.toLowerCase());
        if (field === undefined) continue;
        const sub =
          path.includes(".") || path !== t.name ? `${path}.${field}` : `${t.name}.${field}`;
        out[field] = goDecode(v[key], t.fields[field], sub);
      }
      return out;
    }
  }
}

/** Go's `%T` of what `json.Unmarshal` into `interface{}` gives, for schema.Date's error text. */
function goInterfaceType(v: RawJson): string {
  if (v === null) return "<nil>";
  if (v instanceof Num) return "float64";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  return typeof v;
}

const DATE_FIX = "send dates as integer Unix seconds";

/**
 * schema.Date (tfexplorer schema/types.go, docs/protocol.md#e6-date-forms): integer or float
 * seconds, `""` for "no date", or a Jumpscale date string (one containing `/`). A digit string or
 * `null` is refused with Go's wording. localgrid refuses the Jumpscale strings too (LIMITATIONS.md,
 * "Dates").
 */
function decodeDate(v: RawJson, path: string): number {
  if (v instanceof Num) return Math.trunc(v.value);
  if (v === "") return 0;
  if (typeof v === "string") {
    if (v.includes("/")) {
      throw new GoDecodeError(
        `localgrid does not parse Jumpscale date strings such as ${JSON.stringify(v)} (${path}); ${DATE_FIX}`,
      );
    }
    throw new GoDecodeError(`invalid date string ${JSON.stringify(v)} (${path}); ${DATE_FIX}`);
  }
  const text = v === null ? "null" : JSON.stringify(rawToPlain(v));
  throw new GoDecodeError(
    `unknown date format: ${goInterfaceType(v)}(${text}) (${path}); ${DATE_FIX}`,
  );
}

/** Go `reflect.DeepEqual` over decoded values: nil (`null`) and empty (`[]`, `{}`) differ. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}
