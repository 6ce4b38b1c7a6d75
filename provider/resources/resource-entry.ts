import type * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "../core/config-source";
import type { EcsSecretOutputs, RamSecretOutputs } from "./secret-outputs";

type Props = Record<string, unknown>;

/** One resource's provider methods, as the shims call them. */
export interface ResourceEntry<O> {
  check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: O, news: Props): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs: O }>;
  read(id: string, props?: O): Promise<{ id?: string; props?: O }>;
  /** `pulumi import` (the provider plugin's Read with no recorded outputs): the secret's outputs and the inputs a program would declare for it. */
  import(id: string): Promise<{ id?: string; props?: O; inputs?: Props }>;
  update(id: string, olds: O, news: Props): Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
}

/** The resources' entries in the runtime, by the name the shim captures. */
export type RuntimeEntry = "ecsSecret" | "ramSecret" | "runnerAlarm";

/** The RotationRunner's alarm rule as declared (provider/runner/deploy/runner-alarm.ts), which this layer does not know. */
export type RunnerAlarmOutputs = Record<string, unknown>;

/**
 * What "alicloud-managed-secrets/runtime" exports for the shims: provider/runtime.ts
 * is checked against it, so state written today keeps finding these names.
 */
export interface RuntimeEntryPoints {
  configure(config: ConfigSource): void;
  readonly ecsSecret: ResourceEntry<EcsSecretOutputs>;
  readonly ramSecret: ResourceEntry<RamSecretOutputs>;
  readonly runnerAlarm: ResourceEntry<RunnerAlarmOutputs>;
}
