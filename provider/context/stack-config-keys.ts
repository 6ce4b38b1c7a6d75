import { CLOUD_CONFIG_KEYS } from "../alicloud/cloud-settings";
import { STORE_SETTING_KEYS } from "../store/store-settings";

/** The provider's own settings, read where its context is built (runtime-context.ts): neither the store's nor the cloud's. */
export const PROVIDER_SETTING_KEYS = {
  probe: { config: "managed-secrets:probe", env: "MANAGED_SECRETS_PROBE" },
  cloudMonitorEvents: { config: "managed-secrets:cloudMonitorEvents", env: "MANAGED_SECRETS_CLOUDMONITOR_EVENTS" },
  /** The rotation engine of a secret that declares none: "product" (default) or "kms" (resources/kms-engine.ts). */
  rotatedBy: { config: "managed-secrets:rotatedBy", env: "MANAGED_SECRETS_ROTATED_BY" },
} as const;

type StackConfigKey =
  | (typeof STORE_SETTING_KEYS)[keyof typeof STORE_SETTING_KEYS]["config"]
  | (typeof PROVIDER_SETTING_KEYS)[keyof typeof PROVIDER_SETTING_KEYS]["config"]
  | (typeof CLOUD_CONFIG_KEYS)[keyof typeof CLOUD_CONFIG_KEYS][number];

/**
 * Every stack config key the runtime reads, taken from the tables that read
 * them: the store's settings, the provider's own, and the cloud's (with
 * Pulumi's alicloud:* spellings). configure() keeps these and nothing else
 * of a stack's config; the plugin's settings are their managed-secrets:<name>
 * keys in its own namespace (provider/plugin/). A key added to any of those
 * tables reaches both, so no list of keys is kept by hand.
 */
export const STACK_CONFIG_KEYS: readonly StackConfigKey[] = [
  ...Object.values(STORE_SETTING_KEYS).map((k) => k.config),
  ...Object.values(PROVIDER_SETTING_KEYS).map((k) => k.config),
  ...Object.values(CLOUD_CONFIG_KEYS).flat(),
];

/** The name of a managed-secrets:<name> key: how the plugin names the setting in its namespace. */
export type SettingName = StackConfigKey extends infer K ? (K extends `managed-secrets:${infer N}` ? N : never) : never;

export const SETTING_NAMES: readonly SettingName[] = STACK_CONFIG_KEYS.flatMap((k) => (k.startsWith("managed-secrets:") ? [k.slice("managed-secrets:".length) as SettingName] : []));
