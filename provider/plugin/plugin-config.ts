/**
 * The plugin's configuration, the way Pulumi providers take theirs: keys in
 * the package's own namespace (`alicloud-managed-secrets:store`, ...) or the
 * inputs of an explicit provider resource, secret values decrypted by the
 * engine. The runtime reads the dynamic path's `managed-secrets:*` stack
 * config keys, so each plugin key is handed over under its dynamic name;
 * messages that name a dynamic key are given back with the plugin's.
 */
import type { ConfigSource } from "../core/config-source";
import { CONFIG_VARIABLES, PACKAGE_NAME, type ConfigVariable } from "./package-schema";
import type { Plain } from "./property-values";

const VARIABLES = Object.keys(CONFIG_VARIABLES) as ConfigVariable[];
const BOOLEANS: readonly ConfigVariable[] = ["probe", "cloudMonitorEvents"];
const STORES = ["local", "kms"];

export interface ConfigFailure {
  readonly property: string;
  readonly reason: string;
}

/** A setting's value as the runtime reads stack config: a string (booleans as "true"/"false"). */
function asText(v: Plain | undefined): string | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The settings from Configure's arguments: `args` (the provider's inputs,
 * typed) or, from engines that send only them, `variables` keyed
 * `alicloud-managed-secrets:config:<name>`.
 */
export function settingsFrom(args: Record<string, Plain>, variables: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of VARIABLES) {
    const value = asText(args[name]) ?? variables.get(`${PACKAGE_NAME}:config:${name}`) ?? variables.get(`${PACKAGE_NAME}:${name}`);
    if (value !== undefined && value !== "") out[name] = value;
  }
  return out;
}

/** CheckConfig: every key known, every value of its type; what is allowed named, the value never echoed. */
export function configFailures(news: Record<string, Plain>): ConfigFailure[] {
  const failures: ConfigFailure[] = [];
  for (const [key, value] of Object.entries(news)) {
    if (key === "version" || key === "pluginDownloadURL") continue; // The engine's own provider inputs.
    if (!(VARIABLES as string[]).includes(key)) {
      failures.push({ property: key, reason: `is not a setting of ${PACKAGE_NAME}; allowed: ${VARIABLES.join(", ")}` });
      continue;
    }
    const name = key as ConfigVariable;
    if (BOOLEANS.includes(name)) {
      if (typeof value !== "boolean" && value !== "true" && value !== "false") failures.push({ property: key, reason: "must be true or false" });
    } else if (typeof value !== "string") {
      failures.push({ property: key, reason: "must be a string" });
    } else if (name === "store" && !STORES.includes(value)) {
      failures.push({ property: key, reason: `must be one of ${STORES.join(", ")} (default local)` });
    }
  }
  return failures;
}

/** The runtime's view: its `managed-secrets:<name>` keys answered from the plugin's settings. */
export function runtimeConfig(settings: Readonly<Record<string, string>>): ConfigSource {
  return {
    get(key: string) {
      const [namespace, name] = key.split(":");
      return namespace === "managed-secrets" && name !== undefined ? settings[name] : undefined;
    },
  };
}

const DYNAMIC_KEY = new RegExp(`(?<![\\w-])managed-secrets:(${VARIABLES.join("|")})\\b`, "g");

/** A message from the runtime, with each dynamic stack config key it names spelled as the plugin's. */
export function withPluginKeys(message: string): string {
  return message.replace(DYNAMIC_KEY, `${PACKAGE_NAME}:$1`);
}
