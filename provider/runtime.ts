/**
 * What the serialized provider shims require inside the dynamic-provider host
 * ("alicloud-managed-secrets/runtime"). Everything heavy loads from here, on
 * first use, never with the Pulumi program.
 */
import type * as pulumi from "@pulumi/pulumi";
import { configureFromStack, engineSettings, runtimeContext, stackCloudSettings, type RuntimeContext } from "./context/runtime-context";
import type { EngineSettings } from "./resources/kms-engine";
import { type ConfigSource } from "./core/config-source";
import * as ecs from "./resources/ecs-secret/ecs-secret-handler";
import type { EcsSecretOutputs } from "./resources/ecs-secret/ecs-secret-handler";
import * as ram from "./resources/ram-secret/ram-secret-handler";
import type { RamSecretOutputs } from "./resources/ram-secret/ram-secret-handler";

import type { ResourceEntry, RunnerAlarmOutputs, RuntimeEntryPoints } from "./resources/resource-entry";
import { runnerAlarmHandler } from "./runner/deploy/runner-alarm-provider";

type Props = Record<string, unknown>;

/** A resource's handler module: the same methods, with the context the host builds for each call. */
interface Handler<O> {
  check(olds: Props, news: Props, settings: EngineSettings): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: O, news: Props, settings: EngineSettings): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Props, ctx: RuntimeContext): Promise<{ id: string; outs: O }>;
  read(id: string, props: O | undefined, ctx: RuntimeContext): Promise<{ id?: string; props?: O }>;
  importSecret(id: string, ctx: RuntimeContext): Promise<{ id?: string; props?: O; inputs?: Props }>;
  update(id: string, olds: O, news: Props, ctx: RuntimeContext): Promise<{ outs: O }>;
  remove(id: string, props: O, ctx: RuntimeContext): Promise<void>;
}

function entryFor<O>(h: Handler<O>): ResourceEntry<O> {
  return {
    // The stack's default engine and its store, read from config only: check and diff contact nothing.
    check: (olds, news) => h.check(olds, news, engineSettings()),
    diff: (id, olds, news) => h.diff(id, olds, news, engineSettings()),
    create: (inputs) => h.create(inputs, runtimeContext()),
    read: (id, props) => h.read(id, props, runtimeContext()),
    import: (id) => h.importSecret(id, runtimeContext()),
    update: (id, olds, news) => h.update(id, olds, news, runtimeContext()),
    delete: (id, props) => h.remove(id, props, runtimeContext()),
  };
}

export function configure(config: ConfigSource): void {
  configureFromStack(config);
}

export const ecsSecret: ResourceEntry<EcsSecretOutputs> = entryFor<EcsSecretOutputs>(ecs);
export const ramSecret: ResourceEntry<RamSecretOutputs> = entryFor<RamSecretOutputs>(ram);

/** The RotationRunner's alarm rule (sdk/runner-alarm.ts), in CloudMonitor with the deploying stack's cloud settings. */
export const runnerAlarm: ResourceEntry<RunnerAlarmOutputs> = runnerAlarmHandler(stackCloudSettings);

// The shims call the runtime through RuntimeEntryPoints (resources/ cannot import this file): keep the two in step.
const entryPoints: RuntimeEntryPoints = { configure, ecsSecret, ramSecret, runnerAlarm };
void entryPoints;
