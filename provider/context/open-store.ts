import { homedir } from "node:os";
import { join } from "node:path";
import { openApiConfig, type CloudSettings } from "../alicloud/cloud-settings";
import { createKmsClient, type KmsClient } from "../alicloud/kms-client";
import type { Clock } from "../core/clock";
import { ManagedSecretsError } from "../core/errors";
import { LocalSecretStore } from "../store/local/local-store";
import { KmsSecretStore } from "../store/kms/kms-store";
import type { SecretStore } from "../store/secret-store";
import { storeSettingsSchema, type StoreSettings } from "../store/store-settings";

/**
 * In the home directory, not the project: `pulumi up`, the runner CLI and
 * cron jobs start in different directories but must share one store.
 */
export const DEFAULT_LOCAL_STORE_PATH = "~/.managed-secrets/store.enc";

/**
 * `cloud` resolves region, endpoint and credentials for the kms store. It is
 * called on the store's first KMS call, not here, so opening a kms store for a
 * method that never touches it (check, diff) needs no cloud settings.
 * `boundKeys` are the metadata keys the kms store authenticates (every target
 * kind's, TargetRegistry.boundKeys), required for it.
 */
export function openStore(
  settings: StoreSettings,
  clock?: Clock,
  cloud?: () => CloudSettings,
  boundKeys?: readonly string[],
  /** What the store says that fails nothing (a KMS instance running out of secret quota). */
  warn?: (message: string) => void,
): SecretStore {
  const parsed = storeSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    // Issue messages name the rule, never the received value, so the passphrase cannot leak here.
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "settings";
    throw new ManagedSecretsError("StoreConfig", `invalid store settings: ${where}: ${issue?.message ?? "invalid"}`, { property: where });
  }
  const { store, localPath, passphrase, dkmsInstanceId, encryptionKeyId, bindingKeyId } = parsed.data;
  if (store === "kms") {
    if (cloud === undefined) {
      throw new ManagedSecretsError("StoreConfig", "the kms store needs Alibaba Cloud settings (region, credentials), and none were given", { property: "store" });
    }
    // A kms store told of no target keys would take any stored target as authentic: never open one so.
    if (boundKeys === undefined || boundKeys.length === 0) throw new Error("openStore: the kms store needs the target kinds' metadata keys to authenticate (TargetRegistry.boundKeys)");
    // The store knows no metadata key: the entries a binding covers are the target kinds' (TargetRegistry.boundKeys).
    return new KmsSecretStore({ client: () => kmsClientFor(cloud()), clock, dkmsInstanceId, encryptionKeyId, bindingKeyId, boundKeys, ...(warn ? { warn } : {}) });
  }
  return new LocalSecretStore({ path: expandHome(localPath ?? DEFAULT_LOCAL_STORE_PATH), passphrase: passphrase ?? "", clock });
}

function kmsClientFor(settings: CloudSettings): KmsClient {
  return createKmsClient(openApiConfig(settings, `kms.${settings.regionId}.aliyuncs.com`));
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}
