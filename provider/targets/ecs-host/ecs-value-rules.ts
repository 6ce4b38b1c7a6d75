import { MAX_PASSWORD_LENGTH, SET_PASSWORD_FORM, isSettablePassword } from "../../validation/password";
import type { CredentialType } from "../../validation/ecs-fields";
import { ManagedSecretsError } from "../../core/errors";
import { ecsValueFrom } from "./ecs-value";
import { lazy } from "../../core/lazy";

/** Loaded on first use: core/lazy.ts says what that buys. */
const ssh2 = lazy(() => require("ssh2") as typeof import("ssh2"));

/**
 * Which values an ECS target takes, wherever they come from (a program's
 * initialValue or customValue, `rotate --value-file`, `adopt`), so every
 * front door refuses the same values with the same words, before anything is
 * stored. Messages say what is allowed and never echo the value.
 */

export const LOGIN_PASSWORD_FORM = `1..${MAX_PASSWORD_LENGTH} characters with no line break or NUL`;

/** A password that is only sent to log in (initialValue): whatever works today, within what SSH carries. */
export function isLoginPassword(value: string): boolean {
  return value.length > 0 && value.length <= MAX_PASSWORD_LENGTH && !/[\n\r\0]/.test(value);
}

/**
 * Why a secret value cannot be used (what is allowed), or undefined. A
 * password where a key is expected (or the reverse) would only fail later, on
 * the host. initialValue is whatever works today and is only sent to log in;
 * a chosen value is set on the host, so it must survive the way it is set.
 */
export function ecsValueProblem(use: "login" | "set", credentialType: CredentialType, value: string): string | undefined {
  if (credentialType === "keyPair") {
    return isPrivateKey(value) ? undefined : "must be an unencrypted OpenSSH or PEM private key (RSA or ed25519) for credentialType keyPair";
  }
  if (use === "set") return isSettablePassword(value) ? undefined : `must be ${SET_PASSWORD_FORM}`;
  return isLoginPassword(value) ? undefined : `must be ${LOGIN_PASSWORD_FORM}`;
}

/**
 * Cloud Assistant keeps what it runs: a chosen password's hash would sit in
 * the invocation records where a guess could be tested against it, so only
 * the hash of a generated 32-character password is ever sent.
 */
export const CLOUD_ASSISTANT_CHOSEN_PASSWORD =
  'cannot be set for a password with connection.transport "cloudAssistant": Cloud Assistant keeps what it runs, so only the hash of a generated 32-character password is ever sent; leave it out (a value is generated), or use transport "ssh"';

export function isPrivateKey(text: string): boolean {
  const { utils } = ssh2();
  const parsed = utils.parseKey(text);
  return !(parsed instanceof Error) && !Array.isArray(parsed) && parsed.isPrivateKey() && ["ssh-rsa", "ssh-ed25519"].includes(parsed.type);
}

/**
 * The stored value for a credential a person gives as text (`rotate
 * --value-file`): a password file's final line break is not part of the
 * password; the value must be settable, or InvalidInput names `property`.
 */
export function chosenEcsValue(text: string, target: { readonly managedUser: string; readonly credentialType: CredentialType }, property: string): string {
  const secret = target.credentialType === "password" ? text.replace(/\r?\n$/, "") : text;
  const problem = ecsValueProblem("set", target.credentialType, secret);
  if (problem) throw new ManagedSecretsError("InvalidInput", `${property} ${problem}`, { property });
  return ecsValueFrom(target.managedUser, target.credentialType, secret);
}
