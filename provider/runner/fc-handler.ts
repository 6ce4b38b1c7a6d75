/**
 * The Function Compute door to the runner: the timer trigger invokes this and
 * one pass runs. Timer invocations are asynchronous, and FC retries a failed
 * asynchronous invocation (3 times by default): had a failed secret failed
 * the invocation, every other secret's rotation would run again with it. So a
 * pass that ran returns normally, its failures in the result and as an
 * error-level "pass-failed" log event (and in each secret's recorded error,
 * which `managed-secrets check` reports); only a pass that could not run at
 * all (no store, no listing) throws, and a retry of that repeats nothing. Credentials come from the function's role through FC's
 * context (temporary STS credentials), the region from the context too; store
 * and tuning from the function's environment (set by RotationRunner).
 */
import { runtimeContext } from "../context/runtime-context";
import { countOutcomes, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, runOnce, type RunReport } from "./run-once";
import { createLogger } from "../core/log";
import { wholeNumberIn } from "../core/decimal";
import { ManagedSecretsError } from "../core/errors";
import { blastRadiusGate, failureDomainsOf } from "./blast-radius";
import { blastRadiusFromEnv } from "./blast-radius-env";
import { cloudMonitorSinkFromEnv } from "../events/cloudmonitor-env";
import { eventDeadlinesFromEnv } from "../events/event-deadlines";
import { emitAttempts } from "../events/emit-attempts";

export interface FcContext {
  readonly region?: string;
  readonly requestId?: string;
  readonly credentials?: { readonly accessKeyId?: string; readonly accessKeySecret?: string; readonly securityToken?: string };
}

export async function handler(_event: unknown, context: FcContext = {}): Promise<string> {
  const creds = context.credentials ?? {};
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(context.region ? { ALIBABA_CLOUD_REGION_ID: context.region } : {}),
    ...(creds.accessKeyId && creds.accessKeySecret
      ? { ALIBABA_CLOUD_ACCESS_KEY_ID: creds.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: creds.accessKeySecret, ALIBABA_CLOUD_SECURITY_TOKEN: creds.securityToken ?? "" }
      : {}),
  };
  // Every setting from the environment is read, and a bad one refused, before anything is touched.
  const concurrency = concurrencyFromEnv(env);
  const limits = blastRadiusFromEnv(env);
  eventDeadlinesFromEnv(env);
  const ctx = runtimeContext({ env });
  const gate = blastRadiusGate(limits, failureDomainsOf(ctx.targets));
  const logger = createLogger({ level: env.MANAGED_SECRETS_LOG_LEVEL ?? "info" }).child({ requestId: context.requestId });
  const events = cloudMonitorSinkFromEnv(env, ctx.cloud, logger);
  const report = await runOnce({
    store: ctx.store,
    clock: ctx.clock,
    owner: `fc:${context.requestId ?? ctx.owner}`,
    targetFor: (meta) => ctx.targets.targetFor(meta, ctx),
    concurrency,
    prefix: env.MANAGED_SECRETS_PREFIX || undefined,
    gate,
    onAttempt: emitAttempts(events, "schedule", ctx.clock, (meta) => ctx.targets.factsOf(meta)),
    logger,
  });
  await events?.flush();
  const counts = countOutcomes(report);
  const summary = JSON.stringify({ judgedAt: report.judgedAt, ...counts, purged: report.purged.length, failedSecrets: failedNames(report), ...(report.stoppedEarly ? { stoppedEarly: report.stoppedEarly } : {}) });
  logger.info({ event: "pass-complete", ...counts }, "rotation pass complete");
  if (counts.failed > 0) logger.error({ event: "pass-failed", failed: counts.failed }, `rotation pass finished with ${counts.failed} failure(s): ${summary}`);
  return summary;
}

const CONCURRENCY_ENV = "MANAGED_SECRETS_CONCURRENCY";

/** The deployment writes a valid one (runner-deployment.ts); a hand-edited one is held to the same form as --concurrency. */
function concurrencyFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env[CONCURRENCY_ENV];
  if (text === undefined || text === "") return DEFAULT_CONCURRENCY;
  const n = wholeNumberIn(text, 1, MAX_CONCURRENCY);
  if (n === undefined) throw new ManagedSecretsError("InvalidInput", `${CONCURRENCY_ENV} ${JSON.stringify(text)}: must be an integer 1..${MAX_CONCURRENCY}, in decimal digits`, { property: CONCURRENCY_ENV });
  return n;
}

/** Secrets whose rotation or due retirement failed in this pass, each once. */
function failedNames(report: RunReport): string[] {
  const names = [...report.outcomes.filter((o) => o.status === "failed"), ...report.retired.filter((r) => r.result === "failed")].map((f) => f.name);
  return [...new Set(names)];
}
