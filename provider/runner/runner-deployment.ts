import { z } from "zod";
import { ManagedSecretsError } from "../errors";
import { policyActions, RUNNER_API_ACTIONS, RUNNER_KEY_ACTIONS, RUNNER_LEASE_ACTIONS } from "../alicloud/api-actions";
import { LEASE_SECRET_PREFIX } from "../store/kms-lease";
import { DEFAULT_CONCURRENCY } from "./run-once";

/**
 * What the runner stack deploys, as plain data: the validated settings, the
 * least-privilege policy and the timer trigger's config. Kept apart from the
 * Pulumi component so it is tested without an engine and shared by the
 * component and the root stack's config validation.
 */

// FC timer triggers: "@every <n>m|h" (at least 1m) or a six-field cron with seconds, in UTC.
const EVERY = /^@every ([1-9][0-9]*)(m|h)$/;
const CRON_FIELD = /^[0-9*?/,LW#A-Z-]+$/;

/** Alibaba Cloud account ids are digits (16 today; the RAM docs show shorter and longer examples). */
export const ACCOUNT_ID_PATTERN = /^[1-9][0-9]{9,19}$/;
/** A RAM user name (CreateUser: letters, digits, . _ -, at most 64) or such a name with * and ? wildcards. */
export const RAM_USER_PATTERN = /^[A-Za-z0-9._*?-]{1,64}$/;
const RAM_USERS_RULE = "must be RAM user names or name patterns (letters, digits, . _ - and * ? wildcards, at most 64 characters)";

export const runnerDeploymentSchema = z
  .object({
    schedule: z.string({ error: 'must be "@every <n>m|h" or a six-field cron (seconds first), e.g. "@every 15m"' }).refine(isFcSchedule, {
      error: 'must be "@every <n>m|h" (at least 1m) or a six-field cron with seconds, e.g. "0 */15 * * * *"',
    }),
    region: z.string({ error: "must be a region id like cn-hangzhou" }).regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, { error: "must be a region id like cn-hangzhou" }),
    concurrency: z.number({ error: "must be an integer 1..64" }).int({ error: "must be an integer 1..64" }).min(1, { error: "must be an integer 1..64" }).max(64, { error: "must be an integer 1..64" }).default(DEFAULT_CONCURRENCY),
    secretPrefix: z.string().regex(/^[A-Za-z0-9_/+=.@-]*$/, { error: "must use only letters, digits and _/+=.@-" }).default(""),
    functionName: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, { error: "must start with a letter or _ and use letters, digits, _ and -, at most 64" }).default("managed-secrets-runner"),
    vpc: z
      .object({
        vpcId: z.string().min(1, { error: "is required with vpc" }),
        vswitchIds: z.array(z.string().min(1)).min(1, { error: "needs at least one vSwitch id" }),
        securityGroupId: z.string().min(1, { error: "is required with vpc" }),
      }, { error: "must be { vpcId, vswitchIds, securityGroupId }" })
      .strict()
      .optional(),
    timeoutSeconds: z.number().int().min(60, { error: "must be an integer 60..86400" }).max(86400, { error: "must be an integer 60..86400" }).default(900),
    memorySize: z.number().int().min(128, { error: "must be 128..32768 MB" }).max(32768, { error: "must be 128..32768 MB" }).default(512),
    // The runner creates lease companions, so on KMS 3.0 it must know the instance as every other rotator does.
    dkmsInstanceId: z.string().regex(/^kst-[a-z0-9]+$/, { error: "must be a KMS instance id like kst-hzz65f176a0ogplgq1234" }).optional(),
    encryptionKeyId: z.string().regex(/^key-[a-z0-9]+$/, { error: "must be a key id of the KMS instance like key-gzz63ff0db5hg3qje1234" }).optional(),
    // Every ARN names the account: "*" there would reach into any account that trusts this role's.
    accountId: z.string({ error: "is required: the Alibaba Cloud account id (digits) that owns the secrets and RAM users, as in acs:ram::<accountId>:root" })
      .regex(ACCOUNT_ID_PATTERN, { error: "must be the Alibaba Cloud account id: 10 to 20 digits, as in acs:ram::<accountId>:root" }),
    // Minting AccessKeys is the most dangerous thing the runner does: only for the users named here, none by default.
    ramUsers: z
      .array(z.string({ error: RAM_USERS_RULE }).regex(RAM_USER_PATTERN, { error: RAM_USERS_RULE }).refine((u) => !/^[*?]+$/.test(u), {
        error: "must not match every RAM user (administrators included): name the users, or a prefix such as app-*",
      }), { error: "must be a list of RAM user names or name patterns, e.g. [\"app-*\"]" })
      .default([]),
  })
  .strict()
  .refine((d) => d.encryptionKeyId === undefined || d.dkmsInstanceId !== undefined, {
    path: ["dkmsInstanceId"],
    error: "is required with encryptionKeyId (KMS encrypts a secret only with a key of its own instance)",
  });

export type RunnerDeploymentInput = z.input<typeof runnerDeploymentSchema>;
export type RunnerDeployment = z.output<typeof runnerDeploymentSchema>;

export function parseRunnerDeployment(raw: unknown): RunnerDeployment {
  const result = runnerDeploymentSchema.safeParse(raw);
  if (result.success) return result.data;
  const first = result.error.issues[0]!;
  const property = first.path.join(".") || "(settings)";
  throw new ManagedSecretsError(
    "InvalidInput",
    result.error.issues.map((i) => `${i.path.join(".") || "(settings)"} ${i.message}`).join("; "),
    { property },
  );
}

export function isFcSchedule(text: string): boolean {
  if (EVERY.test(text)) return true;
  const fields = text.trim().split(/\s+/);
  return fields.length === 6 && fields.every((f) => CRON_FIELD.test(f));
}

/** FC timer trigger config: FC reads cronExpression, enable and payload. */
export function timerTriggerConfig(d: RunnerDeployment): string {
  return JSON.stringify({ cronExpression: d.schedule, enable: true, payload: "{}" });
}

/** Trust policy: only Function Compute may assume the runner's role. */
export function fcTrustPolicy(): string {
  return JSON.stringify({
    Version: "1",
    Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["fc.aliyuncs.com"] } }],
  });
}

export interface PolicyStatement {
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
}

/**
 * Exactly what the runner needs, each action on the narrowest resource RAM
 * can scope it to (ARN formats from the KMS and RAM authorization pages):
 * - secret actions on acs:kms:<region>:<account>:secret/<secretPrefix>*;
 * - lease companions: create, read, write on secret/managed-secrets-lease/*
 *   (only create when there is no prefix: the secret statement covers the rest);
 * - ListSecrets on "*": KMS's tables list it on the secret container, and
 *   "*" is what works whether or not it has resource-level authorization;
 * - the instance key, when one is configured: kms:Decrypt to read,
 *   kms:GenerateDataKey to write secrets encrypted with it;
 * - RAM AccessKey actions only on the configured users (none by default);
 * - no STS: GetCallerIdentity needs no authorization.
 */
export function runnerPolicyStatements(d: RunnerDeployment): PolicyStatement[] {
  const secret = (name: string) => `acs:kms:${d.region}:${d.accountId}:secret/${name}`;
  const secretActions = RUNNER_API_ACTIONS.kms.filter((a) => a !== "ListSecrets" && a !== "CreateSecret");
  const statements: PolicyStatement[] = [
    { Effect: "Allow", Action: policyActions("kms", secretActions), Resource: [secret(`${d.secretPrefix}*`)] },
    // With no prefix the secret statement already covers the companions: only CreateSecret is theirs alone.
    { Effect: "Allow", Action: policyActions("kms", RUNNER_LEASE_ACTIONS.filter((a) => d.secretPrefix !== "" || !(secretActions as readonly string[]).includes(a))), Resource: [secret(`${LEASE_SECRET_PREFIX}*`)] },
    { Effect: "Allow", Action: policyActions("kms", ["ListSecrets"]), Resource: ["*"] },
  ];
  if (d.encryptionKeyId) {
    statements.push({ Effect: "Allow", Action: policyActions("kms", RUNNER_KEY_ACTIONS), Resource: [`acs:kms:${d.region}:${d.accountId}:key/${d.encryptionKeyId}`] });
  }
  if (d.ramUsers.length > 0) {
    statements.push({ Effect: "Allow", Action: policyActions("ram"), Resource: d.ramUsers.map((u) => `acs:ram:*:${d.accountId}:user/${u}`) });
  }
  return statements;
}

export function runnerPolicyDocument(d: RunnerDeployment): string {
  return JSON.stringify({ Version: "1", Statement: runnerPolicyStatements(d) });
}

/** The policy as the runner stack's README shows it; a test keeps the README equal to this. */
export function runnerPolicyMarkdown(): string {
  const placeholders: Array<[string, string]> = [
    ["cn-example", "<region>"], ["1234567890123456", "<accountId>"], ["example-prefix/", "<secretPrefix>"],
    ["key-example", "<encryptionKeyId>"], ["user/app-example", "user/<each of ramUsers>"],
  ];
  const example = parseRunnerDeployment({
    schedule: "@every 15m", region: "cn-example", accountId: "1234567890123456", secretPrefix: "example-prefix/",
    dkmsInstanceId: "kst-example", encryptionKeyId: "key-example", ramUsers: ["app-example"],
  });
  const show = (text: string) => `\`${placeholders.reduce((t, [from, to]) => t.replace(from, to), text)}\``;
  const rows = runnerPolicyStatements(example).map((s) => `| ${s.Action.map((a) => `\`${a}\``).join(", ")} | ${s.Resource.map(show).join(", ")} |`);
  return ["| actions | resources |", "|---|---|", ...rows].join("\n");
}

/** The function's environment: the runner reads its store and tuning from here, never a credential. */
export function runnerEnvironment(d: RunnerDeployment): Record<string, string> {
  return {
    MANAGED_SECRETS_STORE: "kms",
    MANAGED_SECRETS_CONCURRENCY: String(d.concurrency),
    ...(d.secretPrefix ? { MANAGED_SECRETS_PREFIX: d.secretPrefix } : {}),
    ...(d.dkmsInstanceId ? { MANAGED_SECRETS_DKMS_INSTANCE_ID: d.dkmsInstanceId } : {}),
    ...(d.encryptionKeyId ? { MANAGED_SECRETS_ENCRYPTION_KEY_ID: d.encryptionKeyId } : {}),
    MANAGED_SECRETS_LOG_LEVEL: "info",
  };
}

export { RUNNER_API_ACTIONS };
