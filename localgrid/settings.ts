/** Runtime fault and timing settings, shared by the server (customer faults) and the nodes. */
import { z } from "zod";

export interface FaultSettings {
  /** Added to every customer-facing explorer request, in ms. */
  latencyMs: number;
  /** 0..1: answer 500 before processing. */
  fail5xxRate: number;
  /** 0..1: process the request, then destroy the socket without answering. */
  dropAfterProcessRate: number;
  /** Per provisioned workload, in ms. */
  provisionDelayMs: number;
  /** Node poll interval, in ms. */
  pollIntervalMs: number;
  /** Node ids that never poll. */
  downNodes: string[];
  /** Node id → message: every workload on that node fails with it. */
  failingNodes: Record<string, string>;
}

export const faultPatchSchema = z
  .object({
    latencyMs: z.number().int().nonnegative(),
    fail5xxRate: z.number().min(0).max(1),
    dropAfterProcessRate: z.number().min(0).max(1),
    provisionDelayMs: z.number().int().nonnegative(),
    pollIntervalMs: z.number().int().positive(),
    downNodes: z.array(z.string()),
    failingNodes: z.record(z.string(), z.string().min(1)),
    /** Reseeds the fault PRNG, to replay a sequence. */
    seed: z.number().int(),
  })
  .partial()
  .strict();

export type FaultPatch = z.infer<typeof faultPatchSchema>;

/** mulberry32: a tiny deterministic PRNG, so `--seed` replays the same faults. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
