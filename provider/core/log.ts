import type { Logger } from "pino";
import { lazy } from "./lazy";

/** Loaded on first use: lazy.ts says what that buys. */
const pino = lazy(() => require("pino") as typeof import("pino"));

/**
 * Structured logs (JSON lines on stderr; the CLI may reformat them for a
 * terminal, after redaction). Redaction is the second line of
 * defence: no code path passes a credential to the logger, and if one ever
 * did under a usual name, pino censors it.
 */
export const REDACT_PATHS = [
  "password", "*.password", "privateKey", "*.privateKey", "value", "*.value", "Password", "*.Password",
  "PrivateKey", "*.PrivateKey", "AccessKeySecret", "*.AccessKeySecret", "passphrase", "*.passphrase",
  "initialValue", "*.initialValue", "customValue", "*.customValue",
];

export function createLogger(options: { level?: string; destination?: { write(line: string): unknown } } = {}): Logger {
  return pino().pino(
    { level: options.level ?? process.env.MANAGED_SECRETS_LOG_LEVEL ?? "info", redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: undefined },
    (options.destination ?? process.stderr) as import("pino").DestinationStream,
  );
}
