// The provider side shared by the resources that are one workload on one node (ZdbNamespace,
// Volume, Container): check applies the defaults and validates, build puts the workload in its
// list, results read the workload's ok result. Runs in the provider host.
import { z } from "zod";
import type { ProviderConfig } from "../config";
import type { Reservation } from "../client/schemas";
import type { WorkloadLists } from "../reservation";
import { withDuration, WORKLOAD_ID, type Props, type ResourceSpec } from "./common";
import {
  durationSchema,
  isPlainObject,
  known,
  nodeIdSchema,
  unknownNodeFailures,
  validate,
  type Failure,
} from "./validation";

/** What such a resource supplies; the spec below does the rest. */
export interface SingleWorkload<I extends Props & { nodeId: string }, O extends Props> {
  type: string;
  /** The inputs whose change replaces the resource, in diff order. */
  inputKeys: readonly (keyof I & string)[];
  /** Inputs passed through without forcing a replacement (Volume's layout label). */
  labels?: readonly string[];
  defaults: Readonly<Props>;
  /** The inputs' zod schema, built per check (microseconds), like the client's wire schemas. */
  schema(): z.ZodTypeAny;
  /** Problems between properties, beyond each property's own schema. */
  crossChecks?(inputs: Props): Failure[];
  secretInputs?: readonly (keyof I & string)[];
  deleteBeforeReplace?(olds: Props, news: Props): boolean;
  /** The workload list it goes into, and its kind for messages. */
  list: keyof WorkloadLists;
  what: string;
  workload(inputs: I): object;
  /** Outputs from the data of the workload's ok result (undefined when there is none yet). */
  results(inputs: Partial<I>, data: Props | undefined, r: Reservation): Partial<O>;
}

/** Such a resource's schema: nodeId first, its own `fields`, durationHours last (failure order). */
export function onNodeSchema<F extends z.ZodRawShape>(fields: F) {
  return z
    .object({ nodeId: known(nodeIdSchema()) })
    .extend(fields)
    .extend({ durationHours: known(durationSchema()) });
}

/** The ok result's `data_json` of the single workload of `r`, or undefined. */
export function okResultData(r: Reservation): Props | undefined {
  const res = r.results.find((x) => x.workload_id === `${r.id}-${WORKLOAD_ID}` && x.state === 1);
  if (!res) return undefined;
  return isPlainObject(res.data_json) ? res.data_json : {};
}

/** The check step: the engine's values with defaults applied, then every problem at once. */
async function check<I extends Props & { nodeId: string }, O extends Props>(
  w: SingleWorkload<I, O>,
  news: Props,
  config: ProviderConfig | undefined,
): Promise<{ inputs: Props; failures: Failure[] }> {
  const inputs: Props = {};
  for (const k of [...w.inputKeys, ...(w.labels ?? [])]) {
    const v = news[k] ?? w.defaults[k];
    if (v !== undefined) inputs[k] = v;
  }
  inputs.durationHours = withDuration(news, config);
  const failures = [...validate(w.schema(), inputs), ...(w.crossChecks?.(inputs) ?? [])];
  failures.push(...(await unknownNodeFailures(config, inputs.nodeId)));
  return { inputs, failures };
}

export function singleWorkloadSpec<I extends Props & { nodeId: string }, O extends Props>(
  w: SingleWorkload<I, O>,
): ResourceSpec<I, O> {
  return {
    type: w.type,
    inputKeys: w.inputKeys,
    defaults: w.defaults,
    secretInputs: w.secretInputs,
    check: (news, _olds, config) => check(w, news, config),
    deleteBeforeReplace: (olds, news) => w.deleteBeforeReplace?.(olds, news) ?? false,
    async build(inputs) {
      return { lists: { [w.list]: [w.workload(inputs)] }, what: w.what, nodeIds: [inputs.nodeId] };
    },
    results: (inputs, r) => w.results(inputs, okResultData(r), r),
  };
}
