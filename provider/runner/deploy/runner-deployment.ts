import { createHash } from "node:crypto";
import { z } from "zod";
import { ManagedSecretsError } from "../../core/errors";
import { policyActions, RUNNER_API_ACTIONS, RUNNER_BINDING_KEY_ACTIONS, RUNNER_KEY_ACTIONS, RUNNER_LEASE_ACTIONS } from "../../alicloud/api-actions";
import { LEASE_TABLE_NAME } from "../../store/kms/kms-lease";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "../run-once";
import { LIMITS } from "../blast-radius";
import { BLAST_RADIUS_RULES, blastRadiusEnvironment, isMaxFailures, isRatePerMinute } from "../blast-radius-env";
import { cloudMonitorEnvironment, CMS_GROUP_ID } from "../../events/cloudmonitor-env";
import { ALARM_LEVELS, CONTACT_GROUP_PATTERN, CONTACT_GROUP_RULE } from "./runner-alarm";

/**
 * What the runner stack deploys, as plain data: the validated settings, the
 * least-privilege policy and the timer trigger's config. Kept apart from the
 * Pulumi component so it is tested without an engine and shared by the
 * component and the root stack's config validation.
 */

// FC timer triggers: "@every <n>m|h" (at least 1m) or a six-field cron with seconds, in UTC unless
// prefixed "CRON_TZ=<IANA zone> " (FC time-trigger docs: "CRON_TZ=Asia/Shanghai 0 0 4 1 * *").
const EVERY = /^@every ([1-9][0-9]*)(m|h)$/;
const CRON_FIELD = /^[0-9*?/,LW#A-Z-]+$/;
const CRON_TZ = /^CRON_TZ=([A-Za-z_+-]+(?:\/[A-Za-z0-9_+-]+)*) (.*)$/;
const SCHEDULE_RULE = 'must be "@every <n>m|h" (at least 1m) or a six-field cron with seconds, optionally after CRON_TZ=<IANA zone>, e.g. "0 */15 * * * *" or "CRON_TZ=Asia/Shanghai 0 0 4 * * *"';

/** RAM CreateRole: 1-64 letters, digits, . and -. CreatePolicy: 1-128 letters, digits and -. */
const ROLE_NAME_MAX_LENGTH = 64;
const POLICY_NAME_MAX_LENGTH = 128;
/** FC 3.0: memory 128 MB-32 GB in steps of 64 MB; vCPU in steps of 0.05 from 0.05 to 16, with vCPU:memory (GB) between 1:1 and 1:4. */
const FC_MEMORY_MB = { min: 128, max: 32768, step: 64, default: 512 } as const;
const FC_CPU = { min: 0.05, max: 16, step: 0.05 } as const;
const FC_CPU_PER_GB = { min: 1 / 4, max: 1 } as const;
/** SLS: project 3-63 lowercase letters, digits, -; logstore 2-63 lowercase letters, digits, _ and -; both start and end with a letter or digit. */
const SLS_PROJECT = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const SLS_LOGSTORE = /^[a-z0-9][a-z0-9_-]{0,61}[a-z0-9]$/;

/** Alibaba Cloud account ids are digits (16 today; the RAM docs show shorter and longer examples). */
const ACCOUNT_ID_PATTERN = /^[1-9][0-9]{9,19}$/;
/** A RAM user name (CreateUser: letters, digits, . _ -, at most 64) or such a name with * and ? wildcards. */
const RAM_USER_PATTERN = /^[A-Za-z0-9._*?-]{1,64}$/;
const MEMORY_RULE = `must be an integer number of MB from ${FC_MEMORY_MB.min} to ${FC_MEMORY_MB.max}, a multiple of ${FC_MEMORY_MB.step}`;
const CPU_RULE = `must be vCPUs from ${FC_CPU.min} to ${FC_CPU.max} in steps of ${FC_CPU.step}`;

function isStep(value: number, step: number): boolean {
  const n = value / step;
  return Math.abs(n - Math.round(n)) < 1e-9;
}

function cpuFits(cpu: number, memoryMb: number): boolean {
  const gb = memoryMb / 1024;
  return cpu >= gb * FC_CPU_PER_GB.min - 1e-9 && cpu <= gb * FC_CPU_PER_GB.max + 1e-9;
}

/**
 * The vCPUs the function gets when `cpu` is not set: half a vCPU per GB,
 * rounded up to FC's 0.05 step and kept inside the ratio FC accepts (SSH
 * work is mostly waiting, so more would only cost more).
 */
function defaultCpu(memoryMb: number): number {
  const gb = memoryMb / 1024;
  const steps = (vcpu: number) => vcpu / FC_CPU.step;
  const lowest = Math.ceil(steps(Math.max(gb * FC_CPU_PER_GB.min, FC_CPU.min)) - 1e-9);
  const highest = Math.floor(steps(Math.min(gb * FC_CPU_PER_GB.max, FC_CPU.max)) + 1e-9);
  const wanted = Math.ceil(steps(gb / 2) - 1e-9);
  return Number((Math.min(Math.max(wanted, lowest), highest) * FC_CPU.step).toFixed(2));
}

/** An ECS instance id (i-...) or such an id with * and ? wildcards. */
const INSTANCE_PATTERN = /^i-[A-Za-z0-9*?]{1,40}$|^\*$/;
const INSTANCES_RULE = "must be ECS instance ids or id patterns like i-bp1* (letters, digits and * ? after i-), or * for every instance";
/** Cloud Assistant calls that have no resource-level authorization (the ECS authorization table lists them on all resources). */
const ECS_UNSCOPED = new Set(["DescribeInstances", "DescribeCloudAssistantStatus", "DescribeInvocationResults", "DescribeInvocations"]);

const RAM_USERS_RULE = "must be RAM user names or name patterns (letters, digits, . _ - and * ? wildcards, at most 64 characters)";
const BINDING_KEY_RULE =
  "the id of the EC_P256 SIGN/VERIFY key (key-...) the stacks declaring the secrets set as managed-secrets:bindingKeyId; the runner verifies and signs target bindings with it";

const CONCURRENCY_RULE = `must be an integer 1..${MAX_CONCURRENCY}`;

const runnerDeploymentSchema = z
  .object({
    schedule: z.string({ error: SCHEDULE_RULE }).refine(isFcSchedule, { error: SCHEDULE_RULE }),
    region: z.string({ error: "must be a region id like cn-hangzhou" }).regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, { error: "must be a region id like cn-hangzhou" }),
    concurrency: z.number({ error: CONCURRENCY_RULE }).int({ error: CONCURRENCY_RULE }).min(1, { error: CONCURRENCY_RULE }).max(MAX_CONCURRENCY, { error: CONCURRENCY_RULE }).default(DEFAULT_CONCURRENCY),
    canary: z.number({ error: BLAST_RADIUS_RULES.canary }).int({ error: BLAST_RADIUS_RULES.canary }).min(1, { error: BLAST_RADIUS_RULES.canary }).max(LIMITS.canary, { error: BLAST_RADIUS_RULES.canary }).optional(),
    maxFailures: z.string({ error: BLAST_RADIUS_RULES.maxFailures }).refine(isMaxFailures, { error: BLAST_RADIUS_RULES.maxFailures }).optional(),
    perHost: z.number({ error: BLAST_RADIUS_RULES.perHost }).int({ error: BLAST_RADIUS_RULES.perHost }).min(1, { error: BLAST_RADIUS_RULES.perHost }).max(LIMITS.perHost, { error: BLAST_RADIUS_RULES.perHost }).optional(),
    ratePerMinute: z.number({ error: BLAST_RADIUS_RULES.ratePerMinute }).refine(isRatePerMinute, { error: BLAST_RADIUS_RULES.ratePerMinute }).optional(),
    // A failed scheduled rotation must reach a person: events go to CloudMonitor unless turned off.
    cloudMonitorEvents: z.boolean({ error: "must be true or false" }).default(true),
    cloudMonitorGroupId: z.string({ error: "must be a CloudMonitor application group id (digits)" }).regex(CMS_GROUP_ID, { error: "must be a CloudMonitor application group id (digits)" }).optional(),
    alarmContactGroup: z.string({ error: CONTACT_GROUP_RULE }).regex(CONTACT_GROUP_PATTERN, { error: CONTACT_GROUP_RULE }).optional(),
    alarmContacts: z.array(z.string({ error: "must be alarm contact names" }).min(1, { error: "must be alarm contact names" }).max(64, { error: "must be alarm contact names" }), { error: "must be a list of alarm contact names" }).min(1, { error: "needs at least one contact" }).optional(),
    alarmLevel: z.enum(ALARM_LEVELS, { error: `must be one of ${ALARM_LEVELS.join(", ")}` }).default("CRITICAL"),
    // The alarm is a custom-event rule now (runner-alarm.ts), and PutCustomEventRule takes no silence period: a setting
    // that could no longer be honoured is refused, not ignored.
    alarmSilenceSeconds: z
      .undefined({ error: "no longer applies: the alarm is a CloudMonitor custom-event rule (PutCustomEventRule), which has no silence period; remove it" })
      .optional(),
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
    memorySize: z
      .number({ error: MEMORY_RULE })
      .int({ error: MEMORY_RULE })
      .min(FC_MEMORY_MB.min, { error: MEMORY_RULE })
      .max(FC_MEMORY_MB.max, { error: MEMORY_RULE })
      .multipleOf(FC_MEMORY_MB.step, { error: MEMORY_RULE })
      .default(FC_MEMORY_MB.default),
    cpu: z.number({ error: CPU_RULE }).min(FC_CPU.min, { error: CPU_RULE }).max(FC_CPU.max, { error: CPU_RULE })
      .refine((c) => isStep(c, FC_CPU.step), { error: CPU_RULE }).optional(),
    logProject: z.string({ error: "must be a Simple Log Service project name" }).regex(SLS_PROJECT, { error: "must be a Simple Log Service project name: 3-63 lowercase letters, digits and -, starting and ending with a letter or digit" }).optional(),
    logStore: z.string({ error: "must be a Simple Log Service logstore name" }).regex(SLS_LOGSTORE, { error: "must be a Simple Log Service logstore name: 2-63 lowercase letters, digits, _ and -, starting and ending with a letter or digit" }).optional(),
    // The runner creates the store's lease table when a store written by an earlier release has none, so on KMS 3.0 it must know the instance as every other rotator does.
    dkmsInstanceId: z.string().regex(/^kst-[a-z0-9]+$/, { error: "must be a KMS instance id like kst-hzz65f176a0ogplgq1234" }).optional(),
    encryptionKeyId: z.string().regex(/^key-[a-z0-9]+$/, { error: "must be a key id of the KMS instance like key-gzz63ff0db5hg3qje1234" }).optional(),
    // The runner follows a stored target only when its binding verifies, and re-signs it when a rotation moves ACSCurrent.
    bindingKeyId: z.string({ error: `is required: ${BINDING_KEY_RULE}` }).regex(/^key-[a-z0-9]+$/, { error: `must be ${BINDING_KEY_RULE}` }),
    // Every ARN names the account: "*" there would reach into any account that trusts this role's.
    accountId: z.string({ error: "is required: the Alibaba Cloud account id (digits) that owns the secrets and RAM users, as in acs:ram::<accountId>:root" })
      .regex(ACCOUNT_ID_PATTERN, { error: "must be the Alibaba Cloud account id: 10 to 20 digits, as in acs:ram::<accountId>:root" }),
    // Minting AccessKeys is the most dangerous thing the runner does: only for the users named here, none by default.
    ramUsers: z
      .array(z.string({ error: RAM_USERS_RULE }).regex(RAM_USER_PATTERN, { error: RAM_USERS_RULE }).refine((u) => !/^[*?]+$/.test(u), {
        error: "must not match every RAM user (administrators included): name the users, or a prefix such as app-*",
      }), { error: "must be a list of RAM user names or name patterns, e.g. [\"app-*\"]" })
      .default([]),
    // Running commands as root on instances is as strong as the instances' own admins: only where asked, none by default.
    cloudAssistantInstances: z
      .array(z.string({ error: INSTANCES_RULE }).regex(INSTANCE_PATTERN, { error: INSTANCES_RULE }), { error: "must be a list of ECS instance ids or id patterns, e.g. [\"i-bp1*\"]" })
      .default([]),
  })
  .strict()
  .refine((d) => d.cpu === undefined || cpuFits(d.cpu, d.memorySize), {
    path: ["cpu"],
    error: "must be between 1/4 and 1 vCPU per GB of memorySize (FC allows a vCPU:memory ratio from 1:1 to 1:4)",
  })
  .refine((d) => (d.logProject === undefined) === (d.logStore === undefined), {
    path: ["logStore"],
    error: "and logProject go together: both name where the function's logs are kept, or neither",
  })
  .refine((d) => d.alarmContactGroup === undefined || d.cloudMonitorEvents, {
    path: ["alarmContactGroup"],
    error: "needs cloudMonitorEvents: the alarm fires on the runner's CloudMonitor events",
  })
  .refine((d) => d.alarmContacts === undefined || d.alarmContactGroup !== undefined, {
    path: ["alarmContacts"],
    error: "needs alarmContactGroup: the contacts make up that group",
  })
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
  const tz = CRON_TZ.exec(text);
  if (tz && !isTimeZone(tz[1]!)) return false;
  const fields = (tz ? tz[2]! : text).trim().split(/\s+/);
  return fields.length === 6 && fields.every((f) => CRON_FIELD.test(f));
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * RAM names derived from functionName: FC allows "_" and 64 characters,
 * RAM role names neither "_" nor more than 64 with the suffix. When the name
 * has to change, a hash of the function name keeps two functions' roles apart.
 */
function ramName(functionName: string, suffix: string, max: number): string {
  const plain = `${functionName}${suffix}`;
  if (/^[A-Za-z0-9-]+$/.test(plain) && plain.length <= max) return plain;
  const hash = createHash("sha256").update(functionName).digest("hex").slice(0, 8);
  const base = functionName.replace(/[^A-Za-z0-9-]/g, "-").slice(0, max - suffix.length - hash.length - 1);
  return `${base}-${hash}${suffix}`;
}

export function runnerRoleName(d: Pick<RunnerDeployment, "functionName">): string {
  return ramName(d.functionName, "-role", ROLE_NAME_MAX_LENGTH);
}

export function runnerPolicyName(d: Pick<RunnerDeployment, "functionName">): string {
  return ramName(d.functionName, "-policy", POLICY_NAME_MAX_LENGTH);
}

/** The function's vCPUs: as configured, else derived from memorySize. */
export function runnerCpu(d: RunnerDeployment): number {
  return d.cpu ?? defaultCpu(d.memorySize);
}

/** FC 3.0 logConfig when logs are to be kept in Simple Log Service, else undefined. */
export function runnerLogConfig(d: RunnerDeployment): { project: string; logstore: string; logBeginRule: "None"; enableRequestMetrics: boolean; enableInstanceMetrics: boolean } | undefined {
  return d.logProject && d.logStore
    ? { project: d.logProject, logstore: d.logStore, logBeginRule: "None", enableRequestMetrics: true, enableInstanceMetrics: false }
    : undefined;
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
 * - the store's lease table: create (a store written by an earlier release
 *   has none), read, write and list its versions on secret/managed-secrets-leases
 *   (only create when there is no prefix: the secret statement covers the rest);
 * - ListSecrets on "*": KMS's tables list it on the secret container, and
 *   "*" is what works whether or not it has resource-level authorization;
 * - the instance key, when one is configured: kms:Decrypt to read,
 *   kms:GenerateDataKey to write secrets encrypted with it;
 * - the binding key: its versions and public keys to check a target binding,
 *   kms:AsymmetricSign to move it when a rotation moves ACSCurrent;
 * - log:PostLogStoreLogs on the configured logstore (FC ships logs as the function's role);
 * - Cloud Assistant: RunCommand only on the configured instances and on
 *   command/* (the command each RunCommand creates), its Describe calls (no
 *   resource-level authorization) on "*"; none by default;
 * - RAM AccessKey actions only on the configured users (none by default);
 * - cms:PutCustomEvent on "*" while cloudMonitorEvents is on (the default);
 * - no STS: GetCallerIdentity needs no authorization.
 */
export function runnerPolicyStatements(d: RunnerDeployment): PolicyStatement[] {
  const secret = (name: string) => `acs:kms:${d.region}:${d.accountId}:secret/${name}`;
  const keyActions: readonly string[] = RUNNER_BINDING_KEY_ACTIONS;
  const secretActions = RUNNER_API_ACTIONS.kms.filter((a) => a !== "ListSecrets" && a !== "CreateSecret" && !keyActions.includes(a));
  const statements: PolicyStatement[] = [
    { Effect: "Allow", Action: policyActions("kms", secretActions), Resource: [secret(`${d.secretPrefix}*`)] },
    // With no prefix the secret statement already covers the lease table: only CreateSecret is its alone.
    { Effect: "Allow", Action: policyActions("kms", RUNNER_LEASE_ACTIONS.filter((a) => d.secretPrefix !== "" || !(secretActions as readonly string[]).includes(a))), Resource: [secret(LEASE_TABLE_NAME)] },
    { Effect: "Allow", Action: policyActions("kms", ["ListSecrets"]), Resource: ["*"] },
    { Effect: "Allow", Action: policyActions("kms", RUNNER_BINDING_KEY_ACTIONS), Resource: [`acs:kms:${d.region}:${d.accountId}:key/${d.bindingKeyId}`] },
  ];
  if (d.encryptionKeyId) {
    statements.push({ Effect: "Allow", Action: policyActions("kms", RUNNER_KEY_ACTIONS), Resource: [`acs:kms:${d.region}:${d.accountId}:key/${d.encryptionKeyId}`] });
  }
  if (d.logProject && d.logStore) {
    // FC writes the function's logs with the function's own role.
    statements.push({ Effect: "Allow", Action: ["log:PostLogStoreLogs"], Resource: [`acs:log:${d.region}:${d.accountId}:project/${d.logProject}/logstore/${d.logStore}`] });
  }
  // ECS actions exist only in builds that rotate through Cloud Assistant; read generically so either build compiles.
  const ecsActions = (RUNNER_API_ACTIONS as Readonly<Record<string, readonly string[]>>).ecs ?? [];
  if (ecsActions.length > 0 && d.cloudAssistantInstances.length > 0) {
    const scoped = ecsActions.filter((a) => !ECS_UNSCOPED.has(a));
    const unscoped = ecsActions.filter((a) => ECS_UNSCOPED.has(a));
    if (scoped.length > 0) {
      // ECS authorizes RunCommand on each instance it targets and on the command it creates (command/*, ECS's RAM
      // authorization table; KMS's own service role for ECS secrets holds instance/* and command/... alike).
      const resources = [...d.cloudAssistantInstances.map((i) => `acs:ecs:${d.region}:${d.accountId}:instance/${i}`), `acs:ecs:${d.region}:${d.accountId}:command/*`];
      statements.push({ Effect: "Allow", Action: scoped.map((a) => `ecs:${a}`), Resource: resources });
    }
    if (unscoped.length > 0) statements.push({ Effect: "Allow", Action: unscoped.map((a) => `ecs:${a}`), Resource: ["*"] });
  }
  if (d.cloudMonitorEvents) {
    // PutCustomEvent has no resource-level authorization (CloudMonitor's RAM table: all resources).
    statements.push({ Effect: "Allow", Action: policyActions("cms"), Resource: ["*"] });
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
    ["key-example", "<encryptionKeyId>"], ["key-binding", "<bindingKeyId>"], ["user/app-example", "user/<each of ramUsers>"],
    ["project/ops-example", "project/<logProject>"], ["logstore/store-example", "logstore/<logStore>"],
    ["instance/i-example", "instance/<each of cloudAssistantInstances>"],
  ];
  const example = parseRunnerDeployment({
    schedule: "@every 15m", region: "cn-example", accountId: "1234567890123456", secretPrefix: "example-prefix/",
    dkmsInstanceId: "kst-example", encryptionKeyId: "key-example", bindingKeyId: "key-binding", ramUsers: ["app-example"], logProject: "ops-example", logStore: "store-example",
    cloudAssistantInstances: ["i-example"],
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
    ...blastRadiusEnvironment(d),
    ...cloudMonitorEnvironment(d),
    ...(d.secretPrefix ? { MANAGED_SECRETS_PREFIX: d.secretPrefix } : {}),
    ...(d.dkmsInstanceId ? { MANAGED_SECRETS_DKMS_INSTANCE_ID: d.dkmsInstanceId } : {}),
    ...(d.encryptionKeyId ? { MANAGED_SECRETS_ENCRYPTION_KEY_ID: d.encryptionKeyId } : {}),
    MANAGED_SECRETS_BINDING_KEY_ID: d.bindingKeyId,
    MANAGED_SECRETS_LOG_LEVEL: "info",
  };
}
