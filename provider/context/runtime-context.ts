import type { ConfigSource } from "../core/config-source";
import { hostname } from "node:os";
import { systemClock, type Clock } from "../core/clock";
import type { TargetContext } from "../rotation/target-context";
import type { SecretMeta, SecretStore } from "../store/secret-store";
import type { RotationTarget } from "../rotation/rotation-target";
import { TargetRegistry } from "../rotation/target-registry";
import { ALL_TARGET_KINDS } from "../targets/all-targets";
import { PROVIDER_SETTING_KEYS, STACK_CONFIG_KEYS } from "./stack-config-keys";
import { resolveStoreSettings } from "../store/store-settings";
import { openStore } from "./open-store";
import { CLOUD_CONFIG_KEYS, resolveCloudSettings, type CloudSettings } from "../alicloud/cloud-settings";
import { cloudMonitorSink } from "../events/cloudmonitor-sink";
import { eventDeadlinesFromEnv } from "../events/event-deadlines";
import type { EventSink } from "../events/event-sink";
import { createLogger } from "../core/log";
import { ManagedSecretsError } from "../core/errors";

/**
 * Where provider methods get their store and clock. Stack config handed to
 * the dynamic provider's configure() is kept here, in the host process, never
 * on the provider object (which is serialized into state).
 */

let stackConfig: Readonly<Record<string, string>> = {};

/** Keep only our keys (stack-config-keys.ts): the rest of the stack's config is none of our business. */
export function configureFromStack(config: ConfigSource): void {
  const kept: Record<string, string> = {};
  for (const key of STACK_CONFIG_KEYS) {
    const value = config.get(key);
    if (value !== undefined && value !== "") kept[key] = value;
  }
  stackConfig = kept;
}

/** Tests (and long-lived processes that switch stacks) start from a clean slate. */
export function resetStackConfig(): void {
  stackConfig = {};
}

/**
 * Every kind of target this version rotates, as the value the context hands
 * to whoever rebuilds targets from a store (the CLI, the runner, refresh):
 * every provider path (resources, runner, CLI, FC) builds its context here.
 */
export function targetRegistry(): TargetRegistry {
  return new TargetRegistry(ALL_TARGET_KINDS);
}

export interface RuntimeContext extends TargetContext {
  readonly store: SecretStore;
  /** The target kinds this version rotates: how a secret's target is rebuilt and described from what the store keeps. */
  readonly targets: TargetRegistry;
  readonly clock: Clock;
  /** Lease owner for rotations started here. */
  readonly owner: string;
  /**
   * Whether refresh logs in with the current credential (default true). CI
   * runners that cannot reach the instances set managed-secrets:probe=false
   * (or MANAGED_SECRETS_PROBE=false) and rely on the runner's `check`.
   */
  readonly probeOnRefresh?: boolean;
  /** Alibaba Cloud region, endpoint and credentials; resolved on first use, so ECS-only stacks need none. */
  cloud(): CloudSettings;
  /** Where rotations made by `pulumi up` (and its drift repairs) report (provider/events); none unless configured. */
  readonly events?: () => EventSink | undefined;
  /** The engine of a secret that declares no rotatedBy (managed-secrets:rotatedBy); absent: "product". */
  readonly rotatedBy?: "product" | "kms";
}

/**
 * Only the Alibaba Cloud endpoint and credentials from the kept stack config
 * and the environment, for `regionId`: for what deploys beside the secrets
 * rather than keeping them (the RotationRunner's alarm, in its runner's
 * region), in a stack that configures no store at all.
 */
export function stackCloudSettings(regionId: string, env: NodeJS.ProcessEnv = process.env): CloudSettings {
  const regionKeys: readonly string[] = CLOUD_CONFIG_KEYS.region;
  const config = { get: (k: string) => (regionKeys.includes(k) ? regionId : stackConfig[k]) };
  return resolveCloudSettings({ env, config });
}

export interface ContextOverrides {
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
}

export function runtimeContext(overrides: ContextOverrides = {}): RuntimeContext {
  const clock = overrides.clock ?? systemClock;
  const env = overrides.env ?? process.env;
  const config = { get: (k: string) => stackConfig[k] };
  const settings = resolveStoreSettings({ env, config });
  const cloud = () => resolveCloudSettings({ env, config });
  const targets = targetRegistry();
  return {
    store: openStore(settings, clock, cloud, targets.boundKeys, storeWarnings),
    targets,
    clock,
    owner: `${hostname()}:${process.pid}`,
    probeOnRefresh: (config.get(PROVIDER_SETTING_KEYS.probe.config) ?? env[PROVIDER_SETTING_KEYS.probe.env] ?? "true") !== "false",
    cloud,
    events: providerEvents(config, env, cloud),
    rotatedBy: defaultEngine(config, env),
  };
}

/**
 * What check and diff may know of the stack without contacting anything: the
 * default engine and which store it uses (undefined when the store settings
 * cannot be read: create says why).
 */
export function engineSettings(env: NodeJS.ProcessEnv = process.env): { rotatedBy: "product" | "kms"; store?: "local" | "kms" } {
  const config = { get: (k: string) => stackConfig[k] };
  let store: "local" | "kms" | undefined;
  try {
    store = resolveStoreSettings({ env, config }).store;
  } catch {
    store = undefined;
  }
  return { rotatedBy: defaultEngine(config, env), ...(store === undefined ? {} : { store }) };
}

/** managed-secrets:rotatedBy (or MANAGED_SECRETS_ROTATED_BY): "product" unless set; anything else is refused, naming the key. */
function defaultEngine(config: ConfigSource, env: NodeJS.ProcessEnv): "product" | "kms" {
  const keys = PROVIDER_SETTING_KEYS.rotatedBy;
  const fromConfig = config.get(keys.config);
  const value = fromConfig ?? env[keys.env] ?? "product";
  if (value === "" || value === "product" || value === "kms") return value === "kms" ? "kms" : "product";
  const from = fromConfig !== undefined ? keys.config : keys.env;
  throw new ManagedSecretsError("InvalidInput", `${from} must be "product" or "kms"`, { property: from });
}

/**
 * What a store says that fails nothing (a KMS instance running out of secret
 * quota at create): one JSON log line on stderr, as the runner's and the
 * CLI's warnings. Under `pulumi up` that is the dynamic provider's stderr,
 * which the engine shows at debug level (-v=9 --logtostderr), not in its
 * summary: `managed-secrets check` says the same where people look.
 */
function storeWarnings(message: string): void {
  createLogger().warn({ event: "store-warning" }, message);
}

/**
 * managed-secrets:cloudMonitorEvents (or MANAGED_SECRETS_CLOUDMONITOR_EVENTS=1)
 * sends the provider's own rotations to CloudMonitor as the runner's are:
 * one sink per context, made on first use.
 */
function providerEvents(config: ConfigSource, env: NodeJS.ProcessEnv, cloud: () => CloudSettings): () => EventSink | undefined {
  const on = (config.get(PROVIDER_SETTING_KEYS.cloudMonitorEvents.config) ?? (env[PROVIDER_SETTING_KEYS.cloudMonitorEvents.env] === "1" ? "true" : "false")) === "true";
  let sink: EventSink | undefined;
  return () => {
    if (!on) return undefined;
    return (sink ??= cloudMonitorSink({ settings: cloud(), groupId: env.MANAGED_SECRETS_CLOUDMONITOR_GROUP_ID || undefined, deadlines: eventDeadlinesFromEnv(env) }));
  };
}

/** The secret's target rebuilt from what the store keeps, by the context's registry (what the CLI and the runner do). */
export function targetFromMetadata(meta: SecretMeta, ctx: RuntimeContext): RotationTarget {
  return ctx.targets.targetFor(meta, ctx);
}
