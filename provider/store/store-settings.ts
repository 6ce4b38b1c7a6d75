import { isAbsolute } from "node:path";
import { z } from "zod";
import { ManagedSecretsError } from "../core/errors";

export const STORE_KINDS = ["local", "kms"] as const;

/** KMS prints instance ids as kst- and key ids as key- followed by lowercase letters and digits (kst-hzz6..., key-gzz63ff...). */
const KMS_ID_FORMS = {
  dkmsInstanceId: { pattern: /^kst-[a-z0-9]+$/, form: "a KMS instance id like kst-hzz65f176a0ogplgq1234" },
  encryptionKeyId: { pattern: /^key-[a-z0-9]+$/, form: "a key id of that KMS instance like key-gzz63ff0db5hg3qje1234" },
  bindingKeyId: { pattern: /^key-[a-z0-9]+$/, form: "the id of an EC_P256 SIGN/VERIFY key like key-gzz63ff0db5hg3qje1234" },
} as const;

/** Which store the product uses and how to open it. */
export const storeSettingsSchema = z.strictObject({
  store: z.enum(STORE_KINDS),
  /** Absolute, or starting with "~/"; default ~/.managed-secrets/store.enc. */
  localPath: z.string().min(1).optional(),
  passphrase: z.string().min(1).optional(),
  /** KMS 3.0: the KMS instance new secrets are created in (CreateSecret's DKMSInstanceId). kms store only. */
  dkmsInstanceId: z.string().regex(KMS_ID_FORMS.dkmsInstanceId.pattern).optional(),
  /** The instance's symmetric key that encrypts new secrets (CreateSecret's EncryptionKeyId); KMS's default key when unset. kms store only. */
  encryptionKeyId: z.string().regex(KMS_ID_FORMS.encryptionKeyId.pattern).optional(),
  /**
   * The asymmetric key (EC_P256, SIGN/VERIFY) that signs each secret's target
   * binding (store/kms/kms-binding.ts); only the product's principals may use it.
   * kms store only. Without it no binding is written and a stored target is never trusted.
   */
  bindingKeyId: z.string().regex(KMS_ID_FORMS.bindingKeyId.pattern).optional(),
});
export type StoreSettings = z.infer<typeof storeSettingsSchema>;

export interface StoreSettingSources {
  readonly env: NodeJS.ProcessEnv;
  /** Pulumi stack config (or anything shaped like it); asked for full keys such as "managed-secrets:store". */
  readonly config?: { get(key: string): string | undefined };
}

/** Each setting's two spellings: stack config key first (it is per stack), then the environment variable. */
export const STORE_SETTING_KEYS = {
  store: { config: "managed-secrets:store", env: "MANAGED_SECRETS_STORE" },
  localPath: { config: "managed-secrets:localPath", env: "MANAGED_SECRETS_LOCAL_PATH" },
  passphrase: { config: "managed-secrets:passphrase", env: "MANAGED_SECRETS_PASSPHRASE" },
  dkmsInstanceId: { config: "managed-secrets:dkmsInstanceId", env: "MANAGED_SECRETS_DKMS_INSTANCE_ID" },
  encryptionKeyId: { config: "managed-secrets:encryptionKeyId", env: "MANAGED_SECRETS_ENCRYPTION_KEY_ID" },
  bindingKeyId: { config: "managed-secrets:bindingKeyId", env: "MANAGED_SECRETS_BINDING_KEY_ID" },
} as const;


interface Found {
  readonly value: string;
  /** The key it came from, for error messages. */
  readonly from: string;
}

export function resolveStoreSettings(sources: StoreSettingSources): StoreSettings {
  const store = pick(sources, "store");
  const localPath = pick(sources, "localPath");
  const passphrase = pick(sources, "passphrase");
  const dkmsInstanceId = pick(sources, "dkmsInstanceId");
  const encryptionKeyId = pick(sources, "encryptionKeyId");
  const bindingKeyId = pick(sources, "bindingKeyId");

  const kind = store?.value ?? "local";
  if (!(STORE_KINDS as readonly string[]).includes(kind)) {
    throw new ManagedSecretsError("StoreConfig", `${store?.from} is "${kind}"; allowed: ${STORE_KINDS.join(", ")} (default local)`, {
      property: store?.from,
    });
  }
  if (localPath !== undefined && !isAbsolute(localPath.value) && !localPath.value.startsWith("~/")) {
    // The Pulumi engine, the runner and the CLI start in different directories: a relative path would name different files.
    throw new ManagedSecretsError("InvalidInput", `${localPath.from} must be an absolute path or start with ~/ (got "${localPath.value}")`, {
      property: localPath.from,
    });
  }
  for (const [setting, found] of [["dkmsInstanceId", dkmsInstanceId], ["encryptionKeyId", encryptionKeyId], ["bindingKeyId", bindingKeyId]] as const) {
    if (found === undefined) continue;
    if (kind !== "kms") {
      // Set for a store that ignores it, it most likely means the kms store was meant and the secrets would land elsewhere.
      throw new ManagedSecretsError("StoreConfig", `${found.from} applies only to the kms store, but the store is "${kind}": set ${STORE_SETTING_KEYS.store.config} (or ${STORE_SETTING_KEYS.store.env}) to kms, or unset ${found.from}`, {
        property: found.from,
      });
    }
    const { pattern, form } = KMS_ID_FORMS[setting];
    if (!pattern.test(found.value)) {
      // Ids are not secret, but a mistyped one could be anything pasted there: say what is allowed, not what was given.
      throw new ManagedSecretsError("InvalidInput", `${found.from} must be ${form} (kst-/key- followed by lowercase letters and digits)`, { property: found.from });
    }
  }
  if (encryptionKeyId !== undefined && dkmsInstanceId === undefined) {
    // KMS encrypts a secret only with a key of the instance the secret is in, so the key alone names no valid place.
    throw new ManagedSecretsError(
      "StoreConfig",
      `${encryptionKeyId.from} needs the KMS instance it belongs to: set ${STORE_SETTING_KEYS.dkmsInstanceId.config} (or ${STORE_SETTING_KEYS.dkmsInstanceId.env}) too`,
      { property: STORE_SETTING_KEYS.dkmsInstanceId.config },
    );
  }
  return storeSettingsSchema.parse({
    store: kind,
    ...(localPath === undefined ? {} : { localPath: localPath.value }),
    ...(passphrase === undefined ? {} : { passphrase: passphrase.value }),
    ...(dkmsInstanceId === undefined ? {} : { dkmsInstanceId: dkmsInstanceId.value }),
    ...(encryptionKeyId === undefined ? {} : { encryptionKeyId: encryptionKeyId.value }),
    ...(bindingKeyId === undefined ? {} : { bindingKeyId: bindingKeyId.value }),
  });
}

/** An empty string counts as unset: `FOO= cmd` and an emptied config key both mean "not given". */
function pick(sources: StoreSettingSources, setting: keyof typeof STORE_SETTING_KEYS): Found | undefined {
  const keys = STORE_SETTING_KEYS[setting];
  const fromConfig = sources.config?.get(keys.config);
  if (fromConfig !== undefined && fromConfig !== "") return { value: fromConfig, from: keys.config };
  const fromEnv = sources.env[keys.env];
  if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, from: keys.env };
  return undefined;
}
