/** The provider of `StablePassword`, which runs in the provider host: random hex, generated once at create. */
import type * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "crypto";
import { recordId, type Props } from "./records";

/** The dynamic provider of `StablePassword`. */
export const stablePasswordProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    const changed = olds.length !== news.length;
    return { changes: changed, replaces: changed ? ["length"] : [] };
  },

  async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
    const length = Number(inputs.length);
    const value = randomBytes(Math.ceil(length / 2))
      .toString("hex")
      .slice(0, length);
    return { id: recordId("password"), outs: { length, value } };
  },
};
