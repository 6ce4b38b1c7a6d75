/**
 * The Pulumi package schema of the plugin (schema.json), written from the
 * resources' own input and output types.
 *
 * Every property table below is typed by the zod-derived input type or the
 * output type of its resource (EcsSecretInputs, RamSecretOutputs, ...): a
 * property added to or removed from a schema in provider/resources, a new
 * enum value, or an input that becomes required, fails the type check here
 * until this file says the same. tests/plugin/package-schema.test.ts checks
 * the rest against the running validators (which inputs are required, which
 * enum values pass) and that schema.json is what this file writes.
 */
import type { EcsSecretInputs } from "../resources/ecs-secret/ecs-secret-schema";
import type { RamSecretInputs } from "../resources/ram-secret/ram-secret-schema";
import type { EcsSecretOutputs, RamSecretOutputs, SecretHealthSummary } from "../resources/secret-outputs";
import { ROTATION_PERIOD_FORM } from "../validation/rotation-period";
import { GRACE_PERIOD_FORM } from "../validation/grace-period";
import { HOST_FORM } from "../validation/host";
import type { SettingName } from "../context/stack-config-keys";

export const PACKAGE_NAME = "alicloud-managed-secrets";
const T = `${PACKAGE_NAME}:index:`;
export const ECS_SECRET_TOKEN = `${T}EcsSecret`;
export const RAM_SECRET_TOKEN = `${T}RamSecret`;

/** One property as the schema spells it (a subset of Pulumi's PropertySpec). */
export interface PropertySpec {
  readonly type?: "string" | "integer" | "number" | "boolean" | "object" | "array";
  readonly $ref?: string;
  readonly oneOf?: readonly { readonly type: "string" | "number" }[];
  readonly items?: { readonly type: "string" };
  readonly description: string;
  readonly secret?: boolean;
  readonly replaceOnChanges?: boolean;
  readonly default?: string | number | boolean;
}

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** Exactly the keys of T, each described. */
type Properties<T> = { readonly [K in keyof T]-?: PropertySpec };
/** Exactly the keys T requires. */
type Required<T> = Readonly<Record<RequiredKeys<T>, true>>;

type EcsConnectionIn = NonNullable<EcsSecretInputs["connection"]>;
type EcsAdminIn = NonNullable<EcsConnectionIn["admin"]>;
type EcsBastionIn = NonNullable<EcsConnectionIn["bastion"]>;
type EcsConnectionOut = EcsSecretOutputs["connection"];
type EcsBastionOut = NonNullable<EcsConnectionOut["bastion"]>;

const ref = (name: string) => `#/types/${T}${name}`;
const str = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({ type: "string", description, ...extra });
const int = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({ type: "integer", description, ...extra });
const bool = (description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({ type: "boolean", description, ...extra });
const credential = (description: string): PropertySpec => str(description, { secret: true });
const enumRef = (name: string, description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({ type: "string", $ref: ref(name), description, ...extra });
const objectRef = (name: string, description: string, extra: Partial<PropertySpec> = {}): PropertySpec => ({ $ref: ref(name), description, ...extra });

const ENUMS = {
  CredentialType: {
    description: "What the secret holds for the instance user.",
    values: { password: "The user's password.", keyPair: "An SSH key pair: the private key is the value, the public key goes to authorized_keys." } satisfies Record<EcsSecretInputs["credentialType"], string>,
  },
  KeyAlgorithm: {
    description: "The algorithm of generated key pairs.",
    values: { "rsa-2048": "RSA, 2048 bits; stored as PEM (PKCS#1), as KMS stores its managed ECS keys.", ed25519: "Ed25519; stored in OpenSSH format." } satisfies Record<NonNullable<EcsSecretInputs["keyAlgorithm"]>, string>,
  },
  Transport: {
    description: "How the instance is reached.",
    values: { ssh: "SSH to connection.host (directly or through connection.bastion).", cloudAssistant: "ECS Cloud Assistant by instanceId, with no inbound SSH." } satisfies Record<NonNullable<EcsConnectionIn["transport"]>, string>,
  },
  RotatedBy: {
    description: "Who rotates the credential.",
    values: {
      product: "managed-secrets rotates it (the runner, pulumi up, the CLI); any store.",
      kms: "KMS rotates it itself: a KMS secret of type ECS or RAMCredentials (kms store only; Windows passwords too).",
    } satisfies Record<NonNullable<EcsSecretInputs["rotatedBy"]>, string>,
  },
  PreviousKeyAction: {
    description: "What happens to the previous AccessKey after a rotation.",
    values: {
      keep: "It stays Active until the next rotation (KMS's own RAM secrets delete it after their rotation window).",
      deactivate: "It is deactivated (at once, or after previousKeyGracePeriod by a runner pass).",
      delete: "It is deleted (at once, or after previousKeyGracePeriod by a runner pass).",
    } satisfies Record<NonNullable<RamSecretInputs["previousKeyAction"]>, string>,
  },
} as const;

/** Pulumi enum members need names a language can use: "rsa-2048" -> Rsa2048, keyPair -> KeyPair. */
const memberName = (value: string) => value.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");

const shared = {
  secretName: (defaultName: string) => str(`The secret's name in the store, also the resource id. Default ${defaultName}. KMS name rules: letters, digits and _/+=.@-, not starting with acs/. A change replaces the secret.`, { replaceOnChanges: true }),
  rotationPeriod: str(`How often the rotation runner rotates the secret: ${ROTATION_PERIOD_FORM}. Absent: no automatic rotation. A change is an update that does not rotate.`),
  rotationTrigger: { oneOf: [{ type: "string" }, { type: "number" }], description: "Any change rotates the secret at once, during the update." } satisfies PropertySpec,
  description: str("The secret's description in the store, at most 1024 characters. A change is an update that does not rotate.", { default: "" }),
  recoveryWindowDays: int("Days the secret stays restorable after the resource is deleted: 7..30.", { default: 30 }),
  forceDeleteWithoutRecovery: bool("Delete the secret at once on destroy instead of scheduling its deletion.", { default: false }),
  versionId: str("The ACSCurrent version id (v1, v2, ...)."),
  automaticRotation: bool("Whether the secret has a rotation period."),
  rotationPeriodSeconds: int("The rotation period in seconds, as the store records it."),
  lastRotatedAt: str("When the secret was last rotated (ISO 8601)."),
  nextRotationAt: str("When the runner rotates it next (ISO 8601)."),
  plannedDeleteAt: str("When a scheduled deletion takes effect (ISO 8601); absent unless deletion is scheduled."),
  health: objectRef("SecretHealth", "The health verdict at the last create, update or refresh."),
  rotatedBy: enumRef("RotatedBy", 'product or kms: who rotates the credential. Default: the stack\'s managed-secrets:rotatedBy, else product. kms needs the kms store. A change replaces the secret (the new one starts from the old one\'s current credential; readers must move to the new name).', { replaceOnChanges: true }),
  imported: bool("True from `pulumi import` until the next update records the program's declaration (rotationTrigger, customValue, connection.admin, which an import cannot read back); that update rotates nothing the stored secret already satisfies."),
};

const ecsConnectionInput: Properties<EcsConnectionIn> = {
  transport: enumRef("Transport", "How the instance is reached: ssh (default) or cloudAssistant.", { default: "ssh" }),
  region: str('The instance\'s ECS region id; required for transport cloudAssistant, refused for ssh.'),
  host: str(`The address the provider (and the runner) reaches over SSH: ${HOST_FORM}. Required for ssh.`),
  port: int("The SSH port, 1..65535.", { default: 22 }),
  hostKeyFingerprint: str('The host key\'s pinned "SHA256:..." fingerprint (ssh-keygen -lf). Required for ssh.'),
  admin: objectRef("EcsAdmin", "An admin login used to repair a rejected credential and to set non-root passwords. Never stored."),
  bastion: objectRef("EcsBastion", "A jump host the SSH session goes through; connection.host is then the address the bastion reaches. Its credential is never stored."),
};
const ecsAdminInput: Properties<EcsAdminIn> = {
  user: str("The admin's POSIX user name: root directly, another user through sudo."),
  password: credential("The admin's password (exactly one of password or privateKey)."),
  privateKey: credential("The admin's unencrypted OpenSSH or PEM private key (exactly one of password or privateKey)."),
};
const ecsBastionInput: Properties<EcsBastionIn> = {
  host: str("The bastion's address."),
  port: int("The bastion's SSH port.", { default: 22 }),
  hostKeyFingerprint: str('The bastion\'s pinned "SHA256:..." host key fingerprint; required, never trusted on first use.'),
  user: str("The user logging in to the bastion."),
  password: credential("The bastion user's password (exactly one of password or privateKey)."),
  privateKey: credential("The bastion user's unencrypted OpenSSH or PEM private key (exactly one of password or privateKey)."),
};
const ecsConnectionOutput: Properties<EcsConnectionOut> = {
  transport: str("cloudAssistant, or absent for SSH."),
  region: str("The instance's region (Cloud Assistant)."),
  host: str("The SSH address."),
  port: int("The SSH port."),
  hostKeyFingerprint: str("The pinned host key fingerprint."),
  adminUser: str("The admin connection's user, when one is set (its credential is never an output)."),
  bastion: objectRef("EcsBastionLocation", "Where the bastion is; its credential is never an output."),
};
const ecsBastionOutput: Properties<EcsBastionOut> = {
  host: str("The bastion's address."),
  port: int("The bastion's SSH port."),
  hostKeyFingerprint: str("The bastion's pinned host key fingerprint."),
  user: str("The user logging in to the bastion."),
};
const healthOutput: Properties<SecretHealthSummary> = {
  healthy: bool("Whether the secret is healthy."),
  problems: { type: "array", items: { type: "string" }, description: "What is wrong: rejected, overdue, interrupted, failing, ..." },
};

const ecsInputs: Properties<EcsSecretInputs> = {
  instanceId: str('The ECS instance id ("i-..."). A change replaces the secret.', { replaceOnChanges: true }),
  managedUser: str("The instance's POSIX user whose credential this is. A change replaces the secret.", { replaceOnChanges: true }),
  credentialType: enumRef("CredentialType", "password or keyPair. A change replaces the secret.", { replaceOnChanges: true }),
  secretName: shared.secretName("ecs/<instanceId>/<managedUser>"),
  initialValue: credential("The password, or the unencrypted private key (OpenSSH/PEM), that works today. Verified by an SSH login at create; if rejected and connection.admin is set, replaced by a generated value."),
  connection: objectRef("EcsConnection", "How the instance is reached."),
  rotationPeriod: shared.rotationPeriod,
  rotationTrigger: shared.rotationTrigger,
  customValue: credential("The value to rotate to; a change rotates. Without it a value is generated: a 32-character password or a key pair."),
  keyAlgorithm: enumRef("KeyAlgorithm", "rsa-2048 (default) or ed25519, for generated key pairs.", { default: "rsa-2048" }),
  description: shared.description,
  recoveryWindowDays: shared.recoveryWindowDays,
  forceDeleteWithoutRecovery: shared.forceDeleteWithoutRecovery,
  rotatedBy: shared.rotatedBy,
};
const ecsRequiredInputs: Required<EcsSecretInputs> = { instanceId: true, managedUser: true, credentialType: true, initialValue: true, connection: true };

const ecsOutputs: Properties<EcsSecretOutputs> = {
  secretName: str("The secret's name in the store (also the resource id). A change replaces the secret.", { replaceOnChanges: true }),
  instanceId: ecsInputs.instanceId,
  managedUser: ecsInputs.managedUser,
  credentialType: ecsInputs.credentialType,
  connection: objectRef("EcsConnectionLocation", "Where the instance is reached: never how to log in."),
  keyAlgorithm: str("The algorithm of generated key pairs."),
  description: str("The secret's description."),
  rotationPeriod: str("The declared rotation period."),
  rotationTrigger: shared.rotationTrigger,
  customValue: credential("The declared value to rotate to."),
  recoveryWindowDays: int("The recovery window used on delete."),
  forceDeleteWithoutRecovery: bool("Whether delete skips the recovery window."),
  versionId: shared.versionId,
  rotatedBy: str("product or kms: who rotates the credential (absent in state written before engines: product)."),
  value: credential("The current password or private key."),
  publicKey: str("The current public key line, for key pairs."),
  automaticRotation: shared.automaticRotation,
  rotationPeriodSeconds: shared.rotationPeriodSeconds,
  lastRotatedAt: shared.lastRotatedAt,
  nextRotationAt: shared.nextRotationAt,
  plannedDeleteAt: shared.plannedDeleteAt,
  imported: shared.imported,
  health: shared.health,
};
const ecsRequiredOutputs: Required<EcsSecretOutputs> = {
  secretName: true, instanceId: true, managedUser: true, credentialType: true, connection: true, keyAlgorithm: true, description: true,
  recoveryWindowDays: true, forceDeleteWithoutRecovery: true, versionId: true, value: true, automaticRotation: true, lastRotatedAt: true,
};

const ramInputs: Properties<RamSecretInputs> = {
  userName: str("The RAM user whose AccessKey this is. A change replaces the secret.", { replaceOnChanges: true }),
  secretName: shared.secretName("ram/<userName>"),
  initialAccessKeyId: str("The id of the AccessKey the user has today, to adopt."),
  initialAccessKeySecret: credential("The secret of initialAccessKeyId. Verified by a signed STS GetCallerIdentity at create."),
  rotationPeriod: shared.rotationPeriod,
  rotationTrigger: shared.rotationTrigger,
  // No schema default: an undeclared action comes with a default grace period, which a declared one does not (ram-secret-schema.ts).
  previousKeyAction: enumRef("PreviousKeyAction", "keep, deactivate or delete: what happens to the previous key after a rotation. Default: deactivate, one hour after the rotation (previousKeyGracePeriod 1h) unless a grace period is declared."),
  previousKeyGracePeriod: str(`With deactivate or delete: how long the previous key keeps working after a rotation, ${GRACE_PERIOD_FORM}; shorter than rotationPeriod. Absent: at once with a declared previousKeyAction, 1h with neither declared.`),
  description: shared.description,
  recoveryWindowDays: shared.recoveryWindowDays,
  forceDeleteWithoutRecovery: shared.forceDeleteWithoutRecovery,
  rotatedBy: shared.rotatedBy,
};
const ramRequiredInputs: Required<RamSecretInputs> = { userName: true, initialAccessKeyId: true, initialAccessKeySecret: true };

const ramOutputs: Properties<RamSecretOutputs> = {
  secretName: str("The secret's name in the store (also the resource id). A change replaces the secret.", { replaceOnChanges: true }),
  userName: ramInputs.userName,
  initialAccessKeyId: str("The AccessKey id the secret adopted at creation."),
  previousKeyAction: str("What happens to the previous key after a rotation."),
  previousKeyGracePeriod: str("The declared grace period."),
  description: str("The secret's description."),
  rotationPeriod: str("The declared rotation period."),
  rotationTrigger: shared.rotationTrigger,
  recoveryWindowDays: int("The recovery window used on delete."),
  forceDeleteWithoutRecovery: bool("Whether delete skips the recovery window."),
  versionId: shared.versionId,
  rotatedBy: str("product or kms: who rotates the credential (absent in state written before engines: product)."),
  accessKeyId: str("The current AccessKey id."),
  accessKeySecret: credential("The current AccessKey secret."),
  automaticRotation: shared.automaticRotation,
  rotationPeriodSeconds: shared.rotationPeriodSeconds,
  lastRotatedAt: shared.lastRotatedAt,
  nextRotationAt: shared.nextRotationAt,
  plannedDeleteAt: shared.plannedDeleteAt,
  accessKeyStatus: str("Active, Inactive or NotFound, as RAM reported it at the last refresh."),
  accessKeyLastUsedAt: str("When RAM last saw the key used (ISO 8601)."),
  imported: shared.imported,
  health: shared.health,
};
const ramRequiredOutputs: Required<RamSecretOutputs> = {
  secretName: true, userName: true, initialAccessKeyId: true, previousKeyAction: true, description: true, recoveryWindowDays: true,
  forceDeleteWithoutRecovery: true, versionId: true, accessKeyId: true, accessKeySecret: true, automaticRotation: true, lastRotatedAt: true, accessKeyStatus: true,
};

/**
 * The provider's configuration: the dynamic path's managed-secrets:<name>
 * stack config keys, in the plugin's own namespace. Typed by that list
 * (context/stack-config-keys.ts), so a setting the runtime reads and the
 * plugin lacks, or one it does not read, fails the type check.
 */
export const CONFIG_VARIABLES = {
  store: str("Where secrets live: local (an encrypted file, the default) or kms (KMS Secrets Manager). Environment: MANAGED_SECRETS_STORE."),
  localPath: str("The local store's file: an absolute path or one starting with ~/. Default ~/.managed-secrets/store.enc. Environment: MANAGED_SECRETS_LOCAL_PATH."),
  passphrase: str("The local store's passphrase (required for the local store). Environment: MANAGED_SECRETS_PASSPHRASE.", { secret: true }),
  dkmsInstanceId: str("kms store: the KMS instance (kst-...) new secrets are created in. Environment: MANAGED_SECRETS_DKMS_INSTANCE_ID."),
  encryptionKeyId: str("kms store: the key (key-...) of that instance that encrypts new secrets; needs dkmsInstanceId. Environment: MANAGED_SECRETS_ENCRYPTION_KEY_ID."),
  bindingKeyId: str("kms store: the EC_P256 SIGN/VERIFY key (key-...) that signs each secret's target binding; without it nothing is bound and every stored target is refused. Environment: MANAGED_SECRETS_BINDING_KEY_ID."),
  probe: bool("Whether refresh logs in with the current credential (default true); false where CI cannot reach the instances. Environment: MANAGED_SECRETS_PROBE."),
  rotatedBy: str('The rotation engine of a secret that declares no rotatedBy: product (the default) or kms (KMS rotates it; kms store only). Environment: MANAGED_SECRETS_ROTATED_BY.'),
  cloudMonitorEvents: bool("Send the provider's own rotations to CloudMonitor as custom events (default false). Environment: MANAGED_SECRETS_CLOUDMONITOR_EVENTS=1."),
  region: str("The Alibaba Cloud region id (RamSecret, Cloud Assistant and the kms store). Environment: ALIBABA_CLOUD_REGION_ID."),
  endpoint: str("host or host:port every Alibaba Cloud product is called at instead of its public endpoint (the local emulator). Environment: MANAGED_SECRETS_ENDPOINT."),
  accessKeyId: str("The AccessKey id Alibaba Cloud calls are signed with. Default: the @alicloud/credentials chain. Environment: ALIBABA_CLOUD_ACCESS_KEY_ID."),
  accessKeySecret: str("Its secret. Environment: ALIBABA_CLOUD_ACCESS_KEY_SECRET.", { secret: true }),
  securityToken: str("An STS security token, with a temporary AccessKey. Environment: ALIBABA_CLOUD_SECURITY_TOKEN.", { secret: true }),
} satisfies Record<SettingName, PropertySpec>;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

function objectType(description: string, properties: Record<string, PropertySpec>, required: readonly string[] = []) {
  return { type: "object", description, properties, ...(required.length ? { required } : {}) };
}

function enumType(e: { description: string; values: Record<string, string> }) {
  return { type: "string", description: e.description, enum: Object.entries(e.values).map(([value, description]) => ({ name: memberName(value), value, description })) };
}

function resource(description: string, inputs: Record<string, PropertySpec>, requiredInputs: object, outputs: Record<string, PropertySpec>, required: object) {
  return { description, inputProperties: inputs, requiredInputs: Object.keys(requiredInputs), properties: outputs, required: Object.keys(required) };
}

/** schema.json as an object; `version` is the plugin's (package.json). */
export function packageSchema(version: string) {
  return {
    name: PACKAGE_NAME,
    displayName: "Alibaba Cloud Managed Secrets",
    version,
    description: "Declarative, rotated ECS passwords / SSH keys and RAM AccessKeys on Alibaba Cloud, with KMS managed-secret semantics.",
    keywords: ["pulumi", "alicloud", "kms", "secrets", "rotation", "category/cloud", "kind/native"],
    license: "Apache-2.0",
    publisher: "alicloud-managed-secrets",
    config: { variables: CONFIG_VARIABLES },
    provider: {
      description: "The alicloud-managed-secrets provider: where secrets are stored and how Alibaba Cloud is called.",
      inputProperties: CONFIG_VARIABLES,
    },
    types: {
      [`${T}CredentialType`]: enumType(ENUMS.CredentialType),
      [`${T}KeyAlgorithm`]: enumType(ENUMS.KeyAlgorithm),
      [`${T}Transport`]: enumType(ENUMS.Transport),
      [`${T}PreviousKeyAction`]: enumType(ENUMS.PreviousKeyAction),
      [`${T}RotatedBy`]: enumType(ENUMS.RotatedBy),
      [`${T}EcsConnection`]: objectType("How the instance is reached: { host, port?, hostKeyFingerprint, admin?, bastion? } over SSH, or { transport: cloudAssistant, region }.", ecsConnectionInput),
      [`${T}EcsAdmin`]: objectType("An admin login on the instance: { user, password | privateKey }.", ecsAdminInput, ["user"]),
      [`${T}EcsBastion`]: objectType("A jump host: { host, port?, hostKeyFingerprint, user, password | privateKey }.", ecsBastionInput, ["host", "hostKeyFingerprint", "user"]),
      [`${T}EcsConnectionLocation`]: objectType("Where the instance is reached, as outputs show it.", ecsConnectionOutput),
      [`${T}EcsBastionLocation`]: objectType("Where the bastion is, as outputs show it.", ecsBastionOutput, ["host", "port", "hostKeyFingerprint", "user"]),
      [`${T}SecretHealth`]: objectType("The shared health model's verdict.", healthOutput, ["healthy", "problems"]),
    },
    resources: {
      [ECS_SECRET_TOKEN]: resource(
        "An ECS instance user's password or SSH key pair as a managed secret, with the semantics of KMS managed ECS secrets: created from the credential that works today, rotated on a declared period (by the rotation runner) or at once when rotationTrigger or customValue changes, and deleted with a 7-30 day recovery window. Deleting the secret never changes the instance.",
        ecsInputs, ecsRequiredInputs, ecsOutputs, ecsRequiredOutputs,
      ),
      [RAM_SECRET_TOKEN]: resource(
        "A RAM user's AccessKey pair as a managed secret, with the semantics of KMS managed RAM secrets: created by adopting a pair the user has today, rotated on a declared period or when rotationTrigger changes, the previous key kept, deactivated or deleted per previousKeyAction, and deleted with a 7-30 day recovery window. Deleting the secret never touches the user's keys.",
        ramInputs, ramRequiredInputs, ramOutputs, ramRequiredOutputs,
      ),
    },
    language: {
      python: { packageName: "pulumi_alicloud_managed_secrets", requires: { pulumi: ">=3.0.0,<4.0.0" }, pyproject: { enabled: true }, respectSchemaVersion: true },
      go: { importBasePath: `${GO_MODULE}/alicloudmanagedsecrets`, generateResourceContainerTypes: true, respectSchemaVersion: true },
      csharp: { packageReferences: { Pulumi: "3.*" }, respectSchemaVersion: true },
      java: { basePackage: "io.github", buildFiles: "none" },
    },
  };
}

/** The Go SDK's module path (sdk/go/go.mod); programs reach it with a replace directive until it is published. */
export const GO_MODULE = "github.com/alicloud-managed-secrets/alicloud-managed-secrets/sdk/go";

/** Dotted input paths the schema marks secret ("connection.admin.password"), for a resource token. */
export function credentialInputPaths(token: string): string[] {
  const schema = packageSchema("0.0.0");
  const types = schema.types as Record<string, { properties?: Record<string, PropertySpec> }>;
  const walk = (props: Record<string, PropertySpec>, prefix: string, seen: readonly string[]): string[] =>
    Object.entries(props).flatMap(([name, p]) => {
      const path = prefix + name;
      if (p.secret) return [path];
      const target = p.$ref?.startsWith("#/types/") ? p.$ref.slice("#/types/".length) : undefined;
      const nested = target && !seen.includes(target) ? types[target]?.properties : undefined;
      return nested ? walk(nested, `${path}.`, [...seen, target!]) : [];
    });
  const r = (schema.resources as Record<string, { inputProperties: Record<string, PropertySpec> }>)[token];
  return r ? walk(r.inputProperties, "", []) : [];
}

/** Top-level outputs the schema marks secret. */
export function secretOutputNames(token: string): string[] {
  const r = (packageSchema("0.0.0").resources as Record<string, { properties: Record<string, PropertySpec> }>)[token];
  return r ? Object.entries(r.properties).filter(([, p]) => p.secret).map(([k]) => k) : [];
}
