import { z } from "zod";
import { HOST_FORM, isValidHost } from "../../validation/host";
import { isKnownRegion, REGION_FORM } from "../../alicloud/ecs-regions";
import { CREDENTIAL_TYPES, HOST_KEY_FINGERPRINT, INSTANCE_ID, POSIX_USER, isWindowsUser } from "../../validation/ecs-fields";
import { KEY_ALGORITHMS } from "../../targets/ecs-host/ecs-target-fields";
import { inputsOf, sharedFields, text } from "../resource-schema";
import type { InputRules } from "../input-changes";
import type { EcsSecretOutputs } from "../secret-outputs";
import { sameValue } from "../same-value";
import { CLOUD_ASSISTANT_CHOSEN_PASSWORD, LOGIN_PASSWORD_FORM, ecsValueProblem, isLoginPassword, isPrivateKey } from "../../targets/ecs-host/ecs-value-rules";

/**
 * The one validated shape of EcsSecret inputs. The SDK's arg types, check(),
 * create() and update() all derive from it, so what check accepts is exactly
 * what the rest of the provider can rely on.
 *
 * Messages say what is allowed and never echo the value: values here may be
 * passwords or private keys.
 */


const password = text("a string").check(z.refine(isLoginPassword, { error: `must be ${LOGIN_PASSWORD_FORM}` }));

const adminSchema = z
  .object(
    {
      user: text("a POSIX user name").regex(POSIX_USER, { error: "must be a POSIX user name ([a-z_][a-z0-9_-]*, at most 32)" }),
      password: password.optional(),
      privateKey: text("an OpenSSH or PEM private key").optional(),
    },
    { error: "must be an object { user, password | privateKey }" },
  )
  .strict()
  .refine((a) => (a.password === undefined) !== (a.privateKey === undefined), {
    error: "needs exactly one of password or privateKey",
  });

const hostSchema = text("a host name or IP address").refine(isValidHost, { error: `must be ${HOST_FORM}` });
const portNumber = z
  .number({ error: "must be an integer 1..65535" })
  .int({ error: "must be an integer 1..65535" })
  .min(1, { error: "must be an integer 1..65535" })
  .max(65535, { error: "must be an integer 1..65535" });
const portSchema = portNumber.default(22);
const fingerprintSchema = text('the host key\'s "SHA256:..." fingerprint').regex(HOST_KEY_FINGERPRINT, {
  error: 'must be an OpenSSH SHA256 fingerprint: "SHA256:" followed by 43 base64 characters (ssh-keygen -lf)',
});

// A bastion is never trusted on first use: its fingerprint is as required as the instance's, since it sees every byte of the session setup.
const bastionSchema = z
  .object(
    {
      host: hostSchema,
      port: portSchema,
      hostKeyFingerprint: fingerprintSchema,
      user: text("a POSIX user name").regex(POSIX_USER, { error: "must be a POSIX user name ([a-z_][a-z0-9_-]*, at most 32)" }),
      password: password.optional(),
      privateKey: text("an OpenSSH or PEM private key")
        .refine(isPrivateKey, { error: "must be an unencrypted OpenSSH or PEM private key (RSA or ed25519)" })
        .optional(),
    },
    { error: "must be an object { host, port?, hostKeyFingerprint, user, password | privateKey }" },
  )
  .strict()
  .refine((b) => (b.password === undefined) !== (b.privateKey === undefined), {
    error: "needs exactly one of password or privateKey",
  });

const TRANSPORTS = ["ssh", "cloudAssistant"] as const;
const SSH_ONLY_FIELDS = ["host", "port", "hostKeyFingerprint", "admin", "bastion"] as const;

/** How the instance is reached, after validation: the fields of the chosen transport only. */
export type EcsConnection =
  | {
      readonly transport: "ssh";
      readonly host: string;
      readonly port: number;
      readonly hostKeyFingerprint: string;
      readonly admin?: z.output<typeof adminSchema>;
      readonly bastion?: z.output<typeof bastionSchema>;
    }
  | { readonly transport: "cloudAssistant"; readonly region: string };

const connectionSchema = z
  .object(
    {
      transport: z.enum(TRANSPORTS, { error: 'must be "ssh" or "cloudAssistant"' }).default("ssh"),
      region: text("an Alibaba Cloud region id").refine(isKnownRegion, { error: `must be an Alibaba Cloud region id (${REGION_FORM})` }).optional(),
      host: hostSchema.optional(),
      port: portNumber.optional(),
      hostKeyFingerprint: fingerprintSchema.optional(),
      admin: adminSchema.optional(),
      bastion: bastionSchema.optional(),
    },
    { error: 'must be an object { host, port?, hostKeyFingerprint, admin?, bastion? } or { transport: "cloudAssistant", region }' },
  )
  .strict()
  .superRefine((c, ctx) => {
    if (c.transport === "ssh") {
      if (c.host === undefined) ctx.addIssue({ code: "custom", path: ["host"], message: 'must be a host name or IP address: it is required with connection.transport "ssh"' });
      if (c.hostKeyFingerprint === undefined) {
        ctx.addIssue({ code: "custom", path: ["hostKeyFingerprint"], message: 'is required with connection.transport "ssh": the host key\'s "SHA256:..." fingerprint (ssh-keygen -lf)' });
      }
      if (c.region !== undefined) ctx.addIssue({ code: "custom", path: ["region"], message: 'is for connection.transport "cloudAssistant"; leave it out for "ssh"' });
      return;
    }
    if (c.region === undefined) ctx.addIssue({ code: "custom", path: ["region"], message: `is required with connection.transport "cloudAssistant": the instance's region id (${REGION_FORM})` });
    for (const field of SSH_ONLY_FIELDS) {
      if (c[field] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: 'is for connection.transport "ssh" only; leave it out with "cloudAssistant", which reaches the instance by its id through the ECS API',
        });
      }
    }
  })
  .transform((c): EcsConnection =>
    c.transport === "ssh"
      ? {
          transport: "ssh",
          host: c.host!,
          port: c.port ?? 22,
          hostKeyFingerprint: c.hostKeyFingerprint!,
          ...(c.admin ? { admin: c.admin } : {}),
          ...(c.bastion ? { bastion: c.bastion } : {}),
        }
      : { transport: "cloudAssistant", region: c.region! },
  );

const ecsSecretInputsSchema = z
  .object({
    instanceId: text("an ECS instance id").regex(INSTANCE_ID, { error: 'must be an ECS instance id like "i-bp1..."' }),
    // A Windows account is taken too, for the kms engine only (ecs-engine-rules.ts says which engine takes which).
    managedUser: text("a POSIX user name").refine((u) => POSIX_USER.test(u) || isWindowsUser(u), {
      error: "must be a POSIX user name ([a-z_][a-z0-9_-]*, at most 32 characters)",
    }),
    credentialType: z.enum(CREDENTIAL_TYPES, { error: 'must be "password" or "keyPair"' }),
    secretName: sharedFields.secretName,
    initialValue: text("the credential that works today").min(1, { error: "is required: the credential that works today" }),
    connection: connectionSchema,
    rotationPeriod: sharedFields.rotationPeriod,
    rotationTrigger: sharedFields.rotationTrigger,
    customValue: text("the value to rotate to").min(1, { error: "must not be empty" }).optional(),
    keyAlgorithm: z.enum(KEY_ALGORITHMS, { error: 'must be "rsa-2048" or "ed25519"' }).default("rsa-2048"),
    description: sharedFields.description,
    recoveryWindowDays: sharedFields.recoveryWindowDays,
    forceDeleteWithoutRecovery: sharedFields.forceDeleteWithoutRecovery,
    rotatedBy: sharedFields.rotatedBy,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.connection.transport === "cloudAssistant" && v.credentialType === "password" && v.customValue !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["customValue"],
        message: CLOUD_ASSISTANT_CHOSEN_PASSWORD,
      });
    }
    for (const field of ["initialValue", "customValue"] as const) {
      const value = v[field];
      const problem = value === undefined ? undefined : ecsValueProblem(field === "initialValue" ? "login" : "set", v.credentialType, value);
      if (problem) ctx.addIssue({ code: "custom", path: [field], message: problem });
    }
  });

/** Inputs as the user writes them (defaults optional). */
export type EcsSecretInputs = z.input<typeof ecsSecretInputsSchema>;
/** Inputs after validation and defaults. */
export type EcsSecretSpec = z.output<typeof ecsSecretInputsSchema>;

/** validate for check() (every failure), parse for the methods that must not proceed on bad input. */
export const { validate: validateEcsSecretInputs, parse: parseEcsSecretInputs } = inputsOf(ecsSecretInputsSchema);

/** KMS names its own ECS secrets acs/ecs/...; the product's may not start with acs/. */
function defaultEcsSecretName(instanceId: string, managedUser: string, rotatedBy: "product" | "kms" | undefined): string {
  return `${rotatedBy === "kms" ? "acs/ecs" : "ecs"}/${instanceId}/${managedUser}`;
}

export function secretNameOf(spec: Pick<EcsSecretSpec, "secretName" | "instanceId" | "managedUser" | "rotatedBy">): string {
  return spec.secretName ?? defaultEcsSecretName(spec.instanceId, spec.managedUser, spec.rotatedBy);
}

/** The connection as outputs show it: where, never how to log in. */
export function connectionOutput(c: EcsConnection): EcsSecretOutputs["connection"] {
  if (c.transport === "cloudAssistant") return { transport: "cloudAssistant", region: c.region };
  return {
    host: c.host,
    port: c.port,
    hostKeyFingerprint: c.hostKeyFingerprint,
    ...(c.admin ? { adminUser: c.admin.user } : {}),
    ...(c.bastion ? { bastion: { host: c.bastion.host, port: c.bastion.port, hostKeyFingerprint: c.bastion.hostKeyFingerprint, user: c.bastion.user } } : {}),
  };
}

/** What a change of each EcsSecret input does (input-changes.ts); diff() is derived from it. */
export const ECS_SECRET_INPUT_CHANGES: InputRules<EcsSecretInputs, EcsSecretOutputs, EcsSecretSpec> = {
  instanceId: "replace",
  managedUser: "replace",
  credentialType: "replace",
  secretName: { change: "replace", differs: (olds, spec) => olds.secretName !== secretNameOf(spec) },
  initialValue: "none",
  connection: { change: "update", differs: (olds, spec) => !sameValue(olds.connection, connectionOutput(spec.connection)) },
  rotationPeriod: { change: "update", differs: (olds, spec) => olds.rotationPeriod !== spec.rotationPeriod?.text },
  rotationTrigger: "rotate",
  // Dropping customValue keeps the value the host has: only a new value rotates.
  customValue: { change: "rotate", differs: (olds, spec) => spec.customValue !== undefined && olds.customValue !== spec.customValue },
  keyAlgorithm: "update",
  description: "update",
  recoveryWindowDays: "update",
  forceDeleteWithoutRecovery: "update",
  // KMS's own secret type, named acs/ecs/...: another engine is another secret of the same credential.
  rotatedBy: { change: "replace", differs: (olds, spec) => (olds.rotatedBy ?? "product") !== (spec.rotatedBy ?? "product") },
};
