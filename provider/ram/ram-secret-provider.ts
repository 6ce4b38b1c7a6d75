import type * as pulumi from "@pulumi/pulumi";
import type { RamSecretOutputs } from "./ram-secret-handler";

type Runtime = typeof import("../runtime");
type Props = Record<string, unknown>;

/**
 * The dynamic provider object Pulumi serializes into state as `__provider`.
 * Like ecsSecretProvider, each method only requires the runtime by package
 * name inside the host, so the serialized text captures no SDK client,
 * socket or credential, and state written today keeps working with later
 * versions as long as the runtime keeps these entry points.
 */
export const ramSecretProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest) {
    (require("alicloud-managed-secrets/runtime") as Runtime).configure(req.config);
  },
  async check(olds: Props, news: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ramSecret.check(olds, news);
  },
  async diff(id: string, olds: RamSecretOutputs, news: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ramSecret.diff(id, olds, news);
  },
  async create(inputs: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ramSecret.create(inputs);
  },
  async read(id: string, props?: RamSecretOutputs) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ramSecret.read(id, props);
  },
  async update(id: string, olds: RamSecretOutputs, news: Props) {
    return (require("alicloud-managed-secrets/runtime") as Runtime).ramSecret.update(id, olds, news);
  },
  async delete(id: string, props: RamSecretOutputs) {
    await (require("alicloud-managed-secrets/runtime") as Runtime).ramSecret.delete(id, props);
  },
} satisfies pulumi.dynamic.ResourceProvider<Props, RamSecretOutputs>;
