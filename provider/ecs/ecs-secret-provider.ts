import type * as pulumi from "@pulumi/pulumi";
import type { EcsSecretOutputs } from "./ecs-secret-handler";

type Runtime = typeof import("../runtime");
type Props = Record<string, unknown>;

/**
 * The dynamic provider object Pulumi serializes into state as `__provider`.
 * Each method only requires the runtime by package name inside the host, so
 * the serialized text stays small and captures no client, socket or
 * credential; state written today keeps working with later versions as long
 * as the runtime keeps these entry points.
 */
export const ecsSecretProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    (require("alicloud-managed-secrets/runtime") as Runtime).configure(req.config);
  },
  async check(olds: Props, news: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ecsSecret.check(olds, news);
  },
  async diff(id: string, olds: EcsSecretOutputs, news: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ecsSecret.diff(id, olds, news);
  },
  async create(inputs: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ecsSecret.create(inputs);
  },
  async read(id: string, props?: EcsSecretOutputs) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ecsSecret.read(id, props);
  },
  async update(id: string, olds: EcsSecretOutputs, news: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ecsSecret.update(id, olds, news);
  },
  async delete(id: string, props: EcsSecretOutputs) {
    await (require("alicloud-managed-secrets/runtime") as Runtime).ecsSecret.delete(id, props);
  },
} satisfies pulumi.dynamic.ResourceProvider<Props, EcsSecretOutputs>;
