import { readFileSync } from "node:fs";
import { Option } from "commander";
import type { Logger } from "pino";
import { ManagedSecretsError } from "../core/errors";
import type { RuntimeContext } from "../context/runtime-context";
import { fanOut, type EventSink } from "../events/event-sink";
import { jsonLinesSink } from "../events/json-lines-sink";
import { parseWebhookUrl, WEBHOOK_SECRET_MIN_LENGTH, webhookSink } from "../events/webhook-sink";
import { cloudMonitorSink } from "../events/cloudmonitor-sink";
import { eventDeadlinesFromEnv } from "../events/event-deadlines";

export { emitAttempts } from "../events/emit-attempts";

/** The event flags of `run` and `rotate`, and the sinks they configure. */

const WEBHOOK_SECRET_ENV = "MANAGED_SECRETS_WEBHOOK_SECRET";

export interface EventFlags {
  events?: "json";
  webhookUrl?: URL;
  webhookSecretFile?: string;
  webhookCaFile?: string;
  cloudmonitorEvents?: boolean;
  cloudmonitorGroupId?: string;
  json?: boolean;
}

function parseGroupId(text: string): string {
  if (!/^[0-9]{1,20}$/.test(text)) throw new ManagedSecretsError("InvalidInput", `--cloudmonitor-group-id ${JSON.stringify(text)}: must be a CloudMonitor application group id (digits)`, { property: "--cloudmonitor-group-id" });
  return text;
}

export function eventOptions(): Option[] {
  return [
    new Option("--events <format>", "one JSON line per rotation attempt on stdout (no credential, no cloud error message)").choices(["json"]),
    new Option("--webhook-url <url>", "POST each rotation event to this https:// URL, signed with HMAC-SHA256 (header X-Managed-Secrets-Signature)").argParser((t) => parseWebhookUrl(t)),
    new Option("--webhook-secret-file <file>", `the webhook's HMAC secret (at least ${WEBHOOK_SECRET_MIN_LENGTH} characters; or ${WEBHOOK_SECRET_ENV}); - reads stdin`),
    new Option("--webhook-ca-file <file>", "PEM certificates to trust for the webhook (a private CA)"),
    new Option("--cloudmonitor-events", "report each rotation attempt as a CloudMonitor custom event (PutCustomEvent)"),
    new Option("--cloudmonitor-group-id <id>", "the CloudMonitor application group the events belong to").argParser(parseGroupId),
  ];
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (e) {
    throw new ManagedSecretsError("InvalidInput", `${flag}: cannot read ${path === "-" ? "stdin" : path} (${(e as NodeJS.ErrnoException).code ?? "error"})`, { property: flag });
  }
}

/** Every check runs before anything is rotated; errors name the flag. */
export function eventSinkFrom(flags: EventFlags, io: { out: { write(text: string): void } }, ctx: () => Pick<RuntimeContext, "cloud">, logger: Logger): EventSink | undefined {
  if (flags.events === "json" && flags.json) throw new ManagedSecretsError("InvalidInput", "--events json and --json both write stdout: use one", { property: "--events" });
  if (flags.webhookUrl === undefined && (flags.webhookSecretFile !== undefined || flags.webhookCaFile !== undefined)) {
    throw new ManagedSecretsError("InvalidInput", `${flags.webhookSecretFile !== undefined ? "--webhook-secret-file" : "--webhook-ca-file"} needs --webhook-url`, { property: "--webhook-url" });
  }
  if (flags.cloudmonitorGroupId !== undefined && !flags.cloudmonitorEvents) throw new ManagedSecretsError("InvalidInput", "--cloudmonitor-group-id needs --cloudmonitor-events", { property: "--cloudmonitor-group-id" });
  const deadlines = eventDeadlinesFromEnv(process.env);
  const sinks: EventSink[] = [];
  if (flags.events === "json") sinks.push(jsonLinesSink(io.out));
  if (flags.webhookUrl) {
    const secret = (flags.webhookSecretFile !== undefined ? readFlagFile("--webhook-secret-file", flags.webhookSecretFile) : (process.env[WEBHOOK_SECRET_ENV] ?? "")).replace(/\r?\n$/, "");
    if (secret.length < WEBHOOK_SECRET_MIN_LENGTH) {
      throw new ManagedSecretsError("InvalidInput", `--webhook-url needs an HMAC secret of at least ${WEBHOOK_SECRET_MIN_LENGTH} characters in --webhook-secret-file or ${WEBHOOK_SECRET_ENV}`, { property: "--webhook-secret-file" });
    }
    const ca = flags.webhookCaFile !== undefined ? readFlagFile("--webhook-ca-file", flags.webhookCaFile) : undefined;
    if (ca !== undefined && !ca.includes("-----BEGIN CERTIFICATE-----")) throw new ManagedSecretsError("InvalidInput", "--webhook-ca-file must hold PEM certificates", { property: "--webhook-ca-file" });
    sinks.push(webhookSink({ url: flags.webhookUrl, secret, ...(ca ? { ca } : {}), deadlines, logger }));
  }
  if (flags.cloudmonitorEvents) sinks.push(cloudMonitorSink({ settings: ctx().cloud(), groupId: flags.cloudmonitorGroupId, deadlines, logger }));
  return sinks.length > 0 ? fanOut(sinks, logger) : undefined;
}
