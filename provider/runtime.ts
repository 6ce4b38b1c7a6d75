/**
 * What the serialized provider shims require inside the dynamic-provider host
 * ("alicloud-managed-secrets/runtime"). Everything heavy loads from here, on
 * first use, never with the Pulumi program.
 */
import { configureFromStack, runtimeContext, type ConfigSource } from "./runtime-context";
import * as ecs from "./ecs/ecs-secret-handler";
import type { EcsSecretOutputs } from "./ecs/ecs-secret-handler";
import * as ram from "./ram/ram-secret-handler";
import type { RamSecretOutputs } from "./ram/ram-secret-handler";

export function configure(config: ConfigSource): void {
  configureFromStack(config);
}

export const ecsSecret = {
  check: (olds: Record<string, unknown>, news: Record<string, unknown>) => ecs.check(olds, news),
  diff: (id: string, olds: EcsSecretOutputs, news: Record<string, unknown>) => ecs.diff(id, olds, news),
  create: (inputs: Record<string, unknown>) => ecs.create(inputs, runtimeContext()),
  read: (id: string, props?: EcsSecretOutputs) => ecs.read(id, props, runtimeContext()),
  update: (id: string, olds: EcsSecretOutputs, news: Record<string, unknown>) => ecs.update(id, olds, news, runtimeContext()),
  delete: (id: string, props: EcsSecretOutputs) => ecs.remove(id, props, runtimeContext()),
};

export const ramSecret = {
  check: (olds: Record<string, unknown>, news: Record<string, unknown>) => ram.check(olds, news),
  diff: (id: string, olds: RamSecretOutputs, news: Record<string, unknown>) => ram.diff(id, olds, news),
  create: (inputs: Record<string, unknown>) => ram.create(inputs, runtimeContext()),
  read: (id: string, props?: RamSecretOutputs) => ram.read(id, props, runtimeContext()),
  update: (id: string, olds: RamSecretOutputs, news: Record<string, unknown>) => ram.update(id, olds, news, runtimeContext()),
  delete: (id: string, props: RamSecretOutputs) => ram.remove(id, props, runtimeContext()),
};
