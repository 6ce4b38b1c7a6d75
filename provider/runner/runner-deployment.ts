import { z } from "zod";
import { ManagedSecretsError } from "../errors";
import { policyActions, RUNNER_API_ACTIONS } from "../alicloud/api-actions";
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

/**
 * Exactly the actions the runner calls, scoped where the service allows:
 * secret-level KMS actions to the secret name prefix, ListSecrets to "*"
 * (KMS does not scope listing), RAM key actions to users, STS to "*".
 */
export function runnerPolicyDocument(d: RunnerDeployment): string {
  const kms = policyActions("kms");
  const listing = kms.filter((a) => a === "kms:ListSecrets");
  const scoped = kms.filter((a) => a !== "kms:ListSecrets");
  return JSON.stringify({
    Version: "1",
    Statement: [
      { Effect: "Allow", Action: scoped, Resource: [`acs:kms:${d.region}:*:secret/${d.secretPrefix}*`] },
      { Effect: "Allow", Action: listing, Resource: ["*"] },
      { Effect: "Allow", Action: policyActions("ram"), Resource: ["acs:ram:*:*:user/*"] },
      { Effect: "Allow", Action: policyActions("sts"), Resource: ["*"] },
    ],
  });
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
