import { isAbsolute } from "node:path";
import { z } from "zod";
import { ManagedSecretsError } from "../errors";

export const STORE_KINDS = ["local", "kms"] as const;

/** Which store the product uses and how to open it. */
export const storeSettingsSchema = z.strictObject({
  store: z.enum(STORE_KINDS),
  /** Absolute, or starting with "~/"; default ~/.managed-secrets/store.enc. */
  localPath: z.string().min(1).optional(),
  passphrase: z.string().min(1).optional(),
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
  return storeSettingsSchema.parse({
    store: kind,
    ...(localPath === undefined ? {} : { localPath: localPath.value }),
    ...(passphrase === undefined ? {} : { passphrase: passphrase.value }),
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
