// Explorer nodes seen by this provider process, so one `pulumi up` does not ask the explorer for
// the same node over and over (placement lists them, each resource's check looks its node up,
// the network's create reads them again). Kept in a process slot (process-slot.ts says why);
// providers reach it through this module's functions only.
import type { Node } from "./client/schemas";
import { processSlot } from "./process-slot";

interface Entry {
  node: Node;
  atMs: number;
}

interface Cache {
  /** By explorer base URL, then node id. */
  nodes: Record<string, Record<string, Entry>>;
  /** Lookups in flight, so concurrent checks of one node send one request. */
  pending: Record<string, Promise<Node>>;
}

const slot = processSlot<Cache>("__pulumiTfgridNodeCache", () => ({ nodes: {}, pending: {} }));
const cache = (): Cache => slot.get();

/** Records nodes just read from the explorer at `baseUrl`. */
export function rememberNodes(baseUrl: string, nodes: Node[]): void {
  const byId = (cache().nodes[baseUrl] ??= {});
  const atMs = Date.now();
  for (const node of nodes) byId[node.node_id] = { node, atMs };
}

/**
 * The node, from this process's cache when it was read at most `maxAgeMs` ago, else from the
 * explorer (one request however many callers wait). Errors (a 404 included) are not cached.
 */
export async function getNodeCached(
  client: { getNode(nodeId: string): Promise<Node> },
  baseUrl: string,
  nodeId: string,
  maxAgeMs: number,
): Promise<Node> {
  const c = cache();
  const hit = c.nodes[baseUrl]?.[nodeId];
  if (hit && Date.now() - hit.atMs <= maxAgeMs) return hit.node;
  const key = `${baseUrl} ${nodeId}`;
  const inFlight = c.pending[key];
  if (inFlight) return inFlight;
  const p = client.getNode(nodeId).then((node) => {
    rememberNodes(baseUrl, [node]);
    return node;
  });
  c.pending[key] = p;
  try {
    return await p;
  } finally {
    delete c.pending[key];
  }
}

/** Forgets every cached node (tests). */
export function clearNodeCache(): void {
  slot.clear();
}

/** How stale a node may be for an existence check: a node id does not go away mid-run. */
export const EXISTENCE_MAX_AGE_MS = 10 * 60_000;
/** How stale a node may be where its free WireGuard ports matter (network check and create). */
export const PORTS_MAX_AGE_MS = 15_000;
