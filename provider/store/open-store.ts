import { homedir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../clock";
import { ManagedSecretsError } from "../errors";
import { LocalSecretStore } from "./local-store";
import type { SecretStore } from "./secret-store";
import { storeSettingsSchema, type StoreSettings } from "./store-settings";

/**
 * In the home directory, not the project: `pulumi up`, the runner CLI and
 * cron jobs start in different directories but must share one store.
 */
export const DEFAULT_LOCAL_STORE_PATH = "~/.managed-secrets/store.enc";

export function openStore(settings: StoreSettings, clock?: Clock): SecretStore {
  const parsed = storeSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    // Issue messages name the rule, never the received value, so the passphrase cannot leak here.
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "settings";
    throw new ManagedSecretsError("StoreConfig", `invalid store settings: ${where}: ${issue?.message ?? "invalid"}`, { property: where });
  }
  const { store, localPath, passphrase } = parsed.data;
  if (store === "kms") {
    throw new ManagedSecretsError("StoreConfig", "the kms store is not available in this version", { property: "store" });
  }
  return new LocalSecretStore({ path: expandHome(localPath ?? DEFAULT_LOCAL_STORE_PATH), passphrase: passphrase ?? "", clock });
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}
