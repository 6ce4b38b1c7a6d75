import type * as pulumi from "@pulumi/pulumi";

import type { ResourceEntry, RuntimeEntry, RuntimeEntryPoints } from "./resource-entry";

type Runtime = RuntimeEntryPoints;
type Props = Record<string, unknown>;

/**
 * The dynamic provider object Pulumi serializes into state as `__provider`.
 * Each method requires the runtime by package name inside the host and calls
 * the named entry, so the serialized text is a few hundred bytes of shim plus
 * one captured string, holding no SDK client, socket or credential; state
 * written today keeps working with later versions as long as the runtime
 * keeps these entry points.
 */
export function providerShim<O>(entry: RuntimeEntry) {
  return {
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      (require("alicloud-managed-secrets/runtime") as Runtime).configure(req.config);
    },
    async check(olds: Props, news: Props) {
      return ((require("alicloud-managed-secrets/runtime") as Runtime)[entry] as ResourceEntry<O>).check(olds, news);
    },
    async diff(id: string, olds: O, news: Props) {
      return ((require("alicloud-managed-secrets/runtime") as Runtime)[entry] as ResourceEntry<O>).diff(id, olds, news);
    },
    async create(inputs: Props) {
      return ((require("alicloud-managed-secrets/runtime") as Runtime)[entry] as ResourceEntry<O>).create(inputs);
    },
    async read(id: string, props?: O) {
      return ((require("alicloud-managed-secrets/runtime") as Runtime)[entry] as ResourceEntry<O>).read(id, props);
    },
    async update(id: string, olds: O, news: Props) {
      return ((require("alicloud-managed-secrets/runtime") as Runtime)[entry] as ResourceEntry<O>).update(id, olds, news);
    },
    async delete(id: string, props: O) {
      await ((require("alicloud-managed-secrets/runtime") as Runtime)[entry] as ResourceEntry<O>).delete(id, props);
    },
  } satisfies pulumi.dynamic.ResourceProvider<Props, O>;
}
