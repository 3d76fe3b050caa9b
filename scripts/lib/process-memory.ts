/**
 * Peak resident memory of every process a `pulumi` command runs for one workspace — the CLI, the
 * Node language host, the program and the dynamic-provider host — told apart from other runs by
 * the PULUMI_BACKEND_URL in their environment. Linux /proc only.
 */
import * as fs from "node:fs";

export const ROLES = ["cli", "language host", "program", "provider host"] as const;
export type Role = (typeof ROLES)[number];

function roleOf(cmdline: string[]): Role | undefined {
  const joined = cmdline.join(" ");
  if (joined.includes("dynamic-provider")) return "provider host";
  if (/(^|\/)pulumi-language-nodejs$/.test(cmdline[0] ?? "")) return "language host";
  if (/(^|\/)pulumi$/.test(cmdline[0] ?? "")) return "cli";
  if (/(^|\/)node$/.test(cmdline[0] ?? "") && joined.includes("@pulumi/pulumi")) return "program";
  return undefined;
}

/** Resident KiB per role now, summed over that role's processes. */
export function residentByRole(backendDir: string): Record<Role, number> {
  const sums: Record<Role, number> = {
    cli: 0,
    "language host": 0,
    program: 0,
    "provider host": 0,
  };
  const marker = `PULUMI_BACKEND_URL=file://${backendDir}`;
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker)) continue;
      const role = roleOf(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"));
      if (!role) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) sums[role] += Number(m[1]);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return sums;
}

/** Samples every `everyMs` until stopped; peaks per role and of the total, in MiB. */
export function samplePeaks(
  backendDir: string,
  everyMs = 200,
): () => { byRole: Record<Role, number>; total: number } {
  const peak: Record<Role, number> = { cli: 0, "language host": 0, program: 0, "provider host": 0 };
  let total = 0;
  const sample = () => {
    const now = residentByRole(backendDir);
    for (const role of ROLES) peak[role] = Math.max(peak[role], now[role]);
    total = Math.max(
      total,
      ROLES.reduce((sum, role) => sum + now[role], 0),
    );
  };
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    const mib = (kib: number) => kib / 1024;
    return {
      byRole: Object.fromEntries(ROLES.map((r) => [r, mib(peak[r])])) as Record<Role, number>,
      total: mib(total),
    };
  };
}
