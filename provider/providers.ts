/**
 * `pulumi-tfgrid/providers`: the provider implementations that the references in state
 * (provider-reference.ts) load inside Pulumi's dynamic-provider host. This module runs in the
 * host, never in the user's program.
 */
import type * as pulumi from "@pulumi/pulumi";
import { archiveLayoutProvider } from "./archive/layout-provider";
import { stablePasswordProvider } from "./archive/password-provider";
import { shardPlacementProvider } from "./archive/placement-provider";
import { SETTING_KEYS } from "./config";
import { packageVersion, type ProviderName } from "./provider-reference";
import { containerProvider } from "./resources/container-provider";
import { networkProvider } from "./resources/network-provider";
import { volumeProvider } from "./resources/volume-provider";
import { zdbNamespaceProvider } from "./resources/zdb-provider";

const IMPLEMENTATIONS: Record<ProviderName, pulumi.dynamic.ResourceProvider> = {
  ZdbNamespace: zdbNamespaceProvider,
  Volume: volumeProvider,
  Container: containerProvider,
  Network: networkProvider,
  ShardPlacement: shardPlacementProvider,
  ArchiveLayout: archiveLayoutProvider,
  StablePassword: stablePasswordProvider,
};

type Props = Record<string, unknown>;

/** Compares dotted versions numerically ("0.10.0" > "0.9.1"); pre-release tags are ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((s) => Number.parseInt(s, 10) || 0);
  const pb = b.split(/[.-]/).map((s) => Number.parseInt(s, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  }
  return 0;
}

/**
 * Check failures as the engine should print them. A failure about a provider setting names a
 * `tfgrid:*` key, which is not an input of the resource: the engine prints a failure with a
 * property as "property <p> value <inputs[p]> has a problem: <reason>", and for a key that is no
 * input that reads `value {<nil>}`. With an empty property it prints "<type> resource '<name>' has a
 * problem: <reason>" (pulumi pkg/resource/deploy/step_generator.go, issueCheckFailures), so such a
 * failure goes out with none, its reason starting with the setting when it does not already name it.
 */
export function engineFailures(
  failures: readonly pulumi.dynamic.CheckFailure[] | undefined,
): pulumi.dynamic.CheckFailure[] | undefined {
  return failures?.map(({ property, reason }) => {
    if (!isSettingProperty(property)) return { property, reason };
    return { property: "", reason: reason.includes(property) ? reason : `${property}: ${reason}` };
  });
}

/** A setting key, or the bare "tfgrid" of a configuration problem that names no single key. */
const isSettingProperty = (property: string): boolean =>
  property === "tfgrid" || SETTING_KEYS.includes(property);

/**
 * Every hook the reference forwards, with the dynamic-provider host's own default where `impl`
 * has none. Only ArchiveLayout updates in place (its record must lose `__previous` when stored);
 * every change of a reservation-backed resource is a replacement.
 */
function complete(impl: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
  return {
    async configure(req) {
      await impl.configure?.(req);
    },
    async check(olds: Props, news: Props) {
      if (!impl.check) return { inputs: news };
      const result = await impl.check(olds, news);
      return { ...result, failures: engineFailures(result.failures) };
    },
    async diff(id: string, olds: Props, news: Props) {
      return impl.diff ? impl.diff(id, olds, news) : { changes: false };
    },
    create: (inputs: Props) => impl.create(inputs),
    async update(id: string, olds: Props, news: Props) {
      return impl.update ? impl.update(id, olds, news) : { outs: news };
    },
    async read(id: string, props?: Props) {
      return impl.read ? impl.read(id, props) : { id, props: props ?? {} };
    },
    async delete(id: string, props: Props) {
      await impl.delete?.(id, props);
    },
  };
}

const completed = new Map<ProviderName, pulumi.dynamic.ResourceProvider>();

/**
 * The implementation a reference names. `createdBy` is the package version recorded in the
 * reference: a version older than the installed one is fine (the installed package reads every
 * earlier state shape); a newer one may have written state this version does not know.
 * @throws Error naming the fix when the name is unknown or the installed package is older.
 */
export function implementation(name: string, createdBy: string): pulumi.dynamic.ResourceProvider {
  const impl = IMPLEMENTATIONS[name as ProviderName];
  if (!impl) {
    throw new Error(
      `pulumi-tfgrid ${packageVersion()} has no provider for resource type ${JSON.stringify(name)} (the stack was written by pulumi-tfgrid ${createdBy}); install pulumi-tfgrid@${createdBy} or newer`,
    );
  }
  const installed = packageVersion();
  if (compareVersions(createdBy, installed) > 0) {
    throw new Error(
      `this stack's ${name} resources were written by pulumi-tfgrid ${createdBy}, newer than the installed ${installed}; install pulumi-tfgrid@${createdBy} or newer (npm install pulumi-tfgrid@^${createdBy}) and run the command again`,
    );
  }
  let provider = completed.get(name as ProviderName);
  if (!provider) {
    provider = complete(impl);
    completed.set(name as ProviderName, provider);
  }
  return provider;
}
