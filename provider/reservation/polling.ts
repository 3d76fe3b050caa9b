// The pace of a wait on the explorer: progress lines, the gaps between polls, and how long
// workloads of each kind took to provision in this process.

/** A progress sink; the providers pass one that logs through the engine when there is one. */
export type Log = (msg: string) => void;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How often a long wait says it is still waiting. */
const PROGRESS_EVERY_MS = 5000;

/**
 * A progress line at most every 5 s of a wait that began at `started`; `line` gets the seconds
 * waited so far.
 */
export function progressLog(
  log: Log,
  started: number,
): (line: (seconds: number) => string) => void {
  let last = started;
  return (line) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    log(line(Math.round((now - started) / 1000)));
  };
}

/** Observed provisioning times (ms) per workload kind in this process, the last 20 of each. */
const provisionTimes: Record<string, number[]> = {};

/** The kind under which cancels record how long nodes took to confirm a removal. */
export const CANCEL_KIND = "cancel";

/**
 * So that later waits poll around when a result is due instead of on a fixed beat: the median
 * observed provisioning time of `what` in this process (ms), else of any kind (a stack's
 * single container follows its 0-dbs and volume); undefined before the first result. Cancels
 * count only for cancels: a removal is not a provisioning.
 */
export function expectedProvisionMs(what: string): number | undefined {
  if (what === CANCEL_KIND || provisionTimes[what]?.length) return median(provisionTimes[what]);
  return median(
    Object.entries(provisionTimes)
      .filter(([kind]) => kind !== CANCEL_KIND)
      .flatMap(([, xs]) => xs),
  );
}

function median(xs: number[] | undefined): number | undefined {
  if (!xs?.length) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Records that `what` was seen provisioned `ms` after the wait began (keeps the last 20). */
export function recordProvisionMs(what: string, ms: number): void {
  const xs = (provisionTimes[what] ??= []);
  xs.push(ms);
  if (xs.length > 20) xs.shift();
}

/** Forgets the observed times (tests). */
export function clearProvisionTimes(): void {
  for (const what of Object.keys(provisionTimes)) delete provisionTimes[what];
}

/**
 * The wait before poll number `n` (0-based) of a deploy or a cancel. Nodes take seconds to provision, so
 * there is no poll at once. With an expected time from earlier workloads of the kind, the first
 * poll goes a tenth of an interval before it and the next ones follow a tenth of an interval
 * apart at first (the expectation is a median, so about half the workloads finish just after it:
 * a wider gap there is time the whole deployment waits); without one, the first comes after half
 * an interval. The gaps then grow by half each time up to `pollIntervalMs`, so a slow node (a
 * real grid's minutes-long flist download) costs no more requests than the fixed beat did.
 */
export function pollWaitMs(n: number, pollIntervalMs: number, expectedMs?: number): number {
  if (n === 0) {
    return expectedMs === undefined
      ? pollIntervalMs / 2
      : Math.max(pollIntervalMs / 10, expectedMs - pollIntervalMs / 10);
  }
  const base = expectedMs === undefined ? pollIntervalMs / 2 : pollIntervalMs / 10;
  return Math.min(pollIntervalMs, base * 1.5 ** n);
}

/**
 * The polls of one wait for a change of `kind` (a provisioning, or CANCEL_KIND): `next()` sleeps
 * on the pollWaitMs schedule (never past the deadline); `seen(since)` records that the change
 * showed within the last sleep, counting its middle, so later waits poll around it.
 */
export class PollSchedule {
  private n = 0;
  private lastWaitMs = 0;
  private readonly expectedMs: number | undefined;

  constructor(
    private readonly kind: string,
    private readonly pollIntervalMs: number,
    private readonly deadlineMs: number,
  ) {
    this.expectedMs = expectedProvisionMs(kind);
  }

  async next(): Promise<void> {
    this.lastWaitMs = pollWaitMs(this.n++, this.pollIntervalMs, this.expectedMs);
    await sleep(Math.min(this.lastWaitMs, Math.max(1, this.deadlineMs - Date.now())));
  }

  seen(since: number): void {
    recordProvisionMs(this.kind, Date.now() - since - this.lastWaitMs / 2);
  }
}
