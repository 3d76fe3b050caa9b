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
  /** 0..1: answer an explorer request with `badAnswer` instead of its reply. */
  badAnswerRate: number;
  /** Which unreadable answer {@link BAD_ANSWERS} describes. */
  badAnswer: BadAnswerKind;
  /** Node ids whose ok results carry a `data_json` of an unexpected shape (an array). */
  oddResultNodes: string[];
}

/**
 * Answers a client must survive without acting on them: what a proxy, a captive portal or the real
 * server's router (docs/protocol.md#e10-router-404-and-405) may send. `afterProcess`: the request
 * took effect first (the answer was garbled on the way back); otherwise nothing happened (a router
 * answer).
 */
export const BAD_ANSWERS = {
  "garbage-json": {
    status: 200,
    contentType: "application/json",
    body: '{"id": 17, "json": "{\\"desc',
    afterProcess: true,
  },
  "html-200": {
    status: 200,
    contentType: "text/html; charset=utf-8",
    body: "<!DOCTYPE html><html><head><title>Sign in</title></head><body>captive portal</body></html>",
    afterProcess: true,
  },
  "html-502": {
    status: 502,
    contentType: "text/html",
    body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n",
    afterProcess: true,
  },
  "text-404": {
    status: 404,
    contentType: "text/plain; charset=utf-8",
    body: "404 page not found\n",
    afterProcess: false,
  },
  "empty-405": { status: 405, contentType: "", body: "", afterProcess: false },
} as const;

export type BadAnswerKind = keyof typeof BAD_ANSWERS;

export const faultPatchSchema = z
  .object({
    latencyMs: z.number().int().nonnegative(),
    fail5xxRate: z.number().min(0).max(1),
    dropAfterProcessRate: z.number().min(0).max(1),
    provisionDelayMs: z.number().int().nonnegative(),
    pollIntervalMs: z.number().int().positive(),
    downNodes: z.array(z.string()),
    failingNodes: z.record(z.string(), z.string().min(1)),
    badAnswerRate: z.number().min(0).max(1),
    badAnswer: z.enum(Object.keys(BAD_ANSWERS) as [BadAnswerKind, ...BadAnswerKind[]]),
    oddResultNodes: z.array(z.string()),
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
