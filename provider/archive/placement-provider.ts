/**
 * The provider of `ShardPlacement`, which runs in the provider host (loaded through
 * `pulumi-tfgrid/providers`): `check` lists the explorer's nodes and places the shards (see
 * placement.ts), the rest keeps the decision as it is.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ExplorerClient } from "../client/explorer";
import type { Node } from "../client/schemas";
import { rememberNodes } from "../nodecache";
import { configSource, storeConfig } from "../resources/common";
import { startIdentityCheck } from "../resources/make-provider";
import { checkPlacement, explorerUrlFrom } from "./placement";
import { recordId, type Props } from "./records";

/** The dynamic provider of `ShardPlacement`. */
export const shardPlacementProvider: pulumi.dynamic.ResourceProvider = {
  // Keeps the settings where check (the explorer's URL) and startIdentityCheck find them, as the
  // resources' configure does.
  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    storeConfig(req.config);
  },

  async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    let baseUrl: string;
    try {
      baseUrl = explorerUrlFrom(configSource(), process.env);
    } catch (e) {
      const problems = (e as { problems?: string[] }).problems ?? [(e as Error).message];
      return {
        inputs: news,
        failures: problems.map((reason) => ({ property: "tfgrid:explorerUrl", reason })),
      };
    }
    const client = new ExplorerClient({ baseUrl });
    const listNodes = async (): Promise<Node[]> => {
      const listing = client.listNodes();
      // The shards' checks confirm the identity next: ask while the listing is in flight.
      startIdentityCheck();
      const nodes = await listing;
      // The shards' own checks look their nodes up next: let them find them here.
      rememberNodes(baseUrl, nodes);
      return nodes;
    };
    return checkPlacement(olds, news, listNodes, Math.floor(Date.now() / 1000));
  },

  async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    const replaces = ["request", "nodes"].filter(
      (k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
    );
    return { changes: replaces.length > 0, replaces };
  },

  async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
    return { id: recordId("placement"), outs: inputs };
  },
};
