import { ManagedSecretsError } from "../core/errors";

/**
 * How the CLI's log lines look: short lines for a person at a terminal, JSON
 * lines for anything that stores or parses them. The terminal decides unless
 * the user does (--log-format, then MANAGED_SECRETS_LOG_FORMAT), because a
 * person piping stderr into a file still wants JSON there.
 */
export const LOG_FORMATS = ["json", "human"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_FORMAT_ENV = "MANAGED_SECRETS_LOG_FORMAT";

export function chooseLogFormat(flag: LogFormat | undefined, env: NodeJS.ProcessEnv, stderrIsTTY: boolean | undefined): LogFormat {
  if (flag) return flag;
  const fromEnv = env[LOG_FORMAT_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    if ((LOG_FORMATS as readonly string[]).includes(fromEnv)) return fromEnv as LogFormat;
    throw new ManagedSecretsError("InvalidInput", `${LOG_FORMAT_ENV} must be ${LOG_FORMATS.join(" or ")}, not "${fromEnv.slice(0, 20)}"`, { property: LOG_FORMAT_ENV });
  }
  return stderrIsTTY === true ? "human" : "json";
}

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
/** Said by the level, the secret and the message already, or noise on a terminal. */
const UNSHOWN = new Set(["level", "time", "msg", "secret", "event", "pid", "hostname"]);

/**
 * One pino JSON line as one short line: local time, level, secret, message
 * and the remaining fields as key=value. Works on what pino has already
 * serialized, so its redaction holds here too.
 */
export function humanLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof entry.time === "number" ? new Date(entry.time).toTimeString().slice(0, 8) : "";
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const who = typeof entry.secret === "string" ? `${entry.secret}: ` : "";
  const extras = Object.entries(entry)
    .filter(([k, v]) => !UNSHOWN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${who}${String(entry.msg ?? "")}${extras.length ? ` (${extras.join(" ")})` : ""}`;
}
