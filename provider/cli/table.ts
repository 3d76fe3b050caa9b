// How a command prints what it found: JSON with --json, else a plain-text table.
import type { CliIo } from "./args";

/** A plain-text table: a header row, a rule, then rows, each column padded to its widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** "1 node", "2 nodes". */
export const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** `value` as indented JSON when `json`, else the text `text()` makes. */
export function print(io: CliIo, json: boolean | undefined, value: unknown, text: () => string) {
  io.out(json ? JSON.stringify(value, null, 2) + "\n" : text());
}
