import { readFileSync } from "node:fs";
import { ManagedSecretsError } from "../core/errors";
import type { BastionEndpoint } from "./bastion";

/**
 * Where a process without the Pulumi program (the runner, the CLI, a refresh,
 * which only sees old outputs) gets a bastion's credential. The store keeps
 * only where the bastion is (host, port, pinned key, user), never how to log
 * in to it: a store reader must not gain a foothold in the network behind it.
 *
 * MANAGED_SECRETS_BASTIONS is a JSON object keyed "user@host:port", each entry
 * { "password": ... } or { "privateKey": ... } or { "privateKeyFile": path }:
 * one entry serves every secret behind that bastion, and it lives wherever
 * the runner keeps its other secrets (a Function Compute environment
 * variable, a CI secret).
 */
export const BASTIONS_ENV = "MANAGED_SECRETS_BASTIONS";

export interface BastionLocation {
  readonly host: string;
  readonly port: number;
  readonly hostKeyFingerprint: string;
  readonly user: string;
}

export function bastionKey(b: Pick<BastionLocation, "host" | "port" | "user">): string {
  return `${b.user}@${b.host}:${b.port}`;
}

export function bastionWithCredential(location: BastionLocation, secretName: string, env: NodeJS.ProcessEnv = process.env): BastionEndpoint {
  const key = bastionKey(location);
  const missing = (why: string) =>
    new ManagedSecretsError(
      "InvalidInput",
      `secret ${secretName} reaches its instance through bastion ${key}, whose credential is never stored; ${why}: ` +
        `set ${BASTIONS_ENV} to a JSON object with an entry "${key}": {"password": ...} or {"privateKey": ...} or {"privateKeyFile": "<path>"}`,
      { property: BASTIONS_ENV, secretName },
    );
  const raw = env[BASTIONS_ENV];
  if (raw === undefined || raw === "") throw missing(`${BASTIONS_ENV} is not set`);
  let all: unknown;
  try {
    all = JSON.parse(raw);
  } catch {
    // Never echo the text: it holds credentials.
    throw missing(`${BASTIONS_ENV} is not valid JSON`);
  }
  const entry = all !== null && typeof all === "object" ? (all as Record<string, unknown>)[key] : undefined;
  if (entry === null || typeof entry !== "object") throw missing(`${BASTIONS_ENV} has no entry for it`);
  const { password, privateKey, privateKeyFile } = entry as Record<string, unknown>;
  const given = [password, privateKey, privateKeyFile].filter((v) => typeof v === "string" && v !== "");
  if (given.length !== 1) throw missing(`its ${BASTIONS_ENV} entry needs exactly one non-empty string of password, privateKey or privateKeyFile`);
  let credential: BastionEndpoint["credential"];
  if (typeof password === "string" && password !== "") credential = { password };
  else if (typeof privateKey === "string" && privateKey !== "") credential = { privateKey };
  else {
    try {
      credential = { privateKey: readFileSync(privateKeyFile as string, "utf8") };
    } catch (e) {
      throw missing(`its privateKeyFile cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  return { ...location, credential };
}
