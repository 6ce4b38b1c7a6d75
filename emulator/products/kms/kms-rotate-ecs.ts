import { newPassword } from "../../core/ids";
import type { InvocationRecord, SecretRecord } from "../../state/state-types";
import { invokeForService, invokeForServiceOnWindows, type ServiceCommand } from "../ecs/service-invocations";
import { invocationOutcomes } from "../ecs/ecs-errors";
import { STAGE_CURRENT } from "./kms-errors";
import { ECS_ROTATE_COMMAND } from "./kms-managed-create";
import { ecsKeyPairValue, ecsPasswordValue, valueFields } from "./kms-managed-values";
import { newRsaKeyPair, sha512Crypt } from "./kms-ecs-credentials";
import { rotatingSecret, rotationFailed, rotationSucceeded, storeRotatedValue, type RotationEnv } from "./kms-rotation-outcome";
import { holderOf } from "./kms-stages";

/**
 * An ECS secret's rotation, as KMS carries it out through its service-linked
 * role: one Cloud Assistant command on the instance (InvokeCommand of its
 * public command cmd-ACS-KMS-RotateECSSecret-For-Linux.sh), kept in the
 * account's Cloud Assistant history like any other. Linux instances run it on
 * their real test host: a password is set from a SHA-512 crypt hash (never the
 * password), a key pair by adding the new public key to the user's
 * authorized_keys and removing the old one. Windows instances are SIMULATED:
 * the invocation is recorded and the instance's account table changes.
 * The new value is stored only once the instance took it.
 */

const TIMEOUT_SECONDS = 60;
const LINUX_USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const KEY_BLOB = /^[A-Za-z0-9+/]{16,}={0,2}$/;

// Every value reaches the script single-quoted; each is checked first to hold no quote (user names, $6$ hashes, base64 keys).
const PASSWORD_SCRIPT = [
  "set -eu",
  "u='{{username}}'",
  "h='{{passwordhash}}'",
  'id -u "$u" >/dev/null 2>&1 || { echo "no such user: $u" >&2; exit 3; }',
  `printf '%s:%s\\n' "$u" "$h" | chpasswd -e`,
].join("\n");

const KEY_SCRIPT = [
  "set -eu",
  "u='{{username}}'",
  "new='{{publickey}}'",
  "old='{{oldpublickey}}'",
  'home=$(getent passwd "$u" | cut -d: -f6)',
  '[ -n "$home" ] || { echo "no such user: $u" >&2; exit 3; }',
  'g=$(id -g "$u")',
  'd="$home/.ssh"; f="$d/authorized_keys"',
  '[ -d "$d" ] || { mkdir -p "$d"; chown "$u:$g" "$d"; chmod 700 "$d"; }',
  '[ -f "$f" ] || { : >"$f"; chown "$u:$g" "$f"; chmod 600 "$f"; }',
  't=$(mktemp "$d/.authorized_keys.XXXXXX")',
  'if [ -n "$old" ]; then grep -vF -- "$old" "$f" >"$t" || true; else cat "$f" >"$t"; fi',
  'grep -qxF -- "$new" "$t" || printf \'%s\\n\' "$new" >>"$t"',
  'chown "$u:$g" "$t"; chmod 600 "$t"; mv -f "$t" "$f"',
].join("\n");

const WINDOWS_SCRIPT = [
  "# SIMULATED by the emulator: no Windows host runs this.",
  "# KMS sets the password of {{username}}; the emulator changes the instance's account table instead.",
].join("\n");

function command(partial: Pick<ServiceCommand, "instance" | "type" | "content" | "parameters">): ServiceCommand {
  const commandId = ECS_ROTATE_COMMAND[partial.instance.osType];
  return { ...partial, commandId, commandName: commandId.replace(/^cmd-/, ""), username: "root", timeoutSeconds: TIMEOUT_SECONDS };
}

function settleFrom(env: RotationEnv, secret: SecretRecord, run: InvocationRecord, value: string): void {
  if (run.invocationStatus === "Success") {
    storeRotatedValue(env, secret, value);
    rotationSucceeded(env, secret);
  } else {
    rotationFailed(env, secret, run.errorCode || "CommandFailed", run.errorInfo || `the rotation command exited with ${run.exitCode ?? "no code"}`);
  }
}

export async function rotateEcs(env: RotationEnv, secretName: string, versionId: string): Promise<void> {
  const secret = rotatingSecret(env, secretName, versionId);
  if (!secret) return;
  const config = secret.extendedConfig ?? {};
  const instance = env.state.data.instances[String(config.InstanceId)];
  if (!instance || instance.regionId !== config.RegionId) {
    return rotationFailed(env, secret, "InvalidInstance.NotFound", `The specified instance ${String(config.InstanceId)} does not exist.`);
  }
  const current = valueFields(holderOf(secret, STAGE_CURRENT)?.secretData ?? "");
  const user = typeof current.UserName === "string" ? current.UserName : "";
  if (config.SecretSubType === "Password" && instance.osType === "windows") {
    const accounts = (instance.windowsAccounts ??= {});
    if (!Object.hasOwn(accounts, user)) return rotationFailed(env, secret, invocationOutcomes.accountMissing.errorCode, invocationOutcomes.accountMissing.errorInfo);
    const password = newPassword();
    const run = invokeForServiceOnWindows(env, command({ instance, type: "RunPowerShellScript", content: Buffer.from(WINDOWS_SCRIPT), parameters: { username: user } }), () => {
      accounts[user] = password;
    });
    return settleFrom(env, secret, run, ecsPasswordValue(user, password));
  }
  if (!LINUX_USER.test(user)) return rotationFailed(env, secret, "InvalidSecretData", "The secret's UserName is not a valid Linux account name.");
  if (config.SecretSubType === "Password") {
    const password = newPassword();
    const hash = await sha512Crypt(password);
    const run = await invokeForService(env, command({ instance, type: "RunShellScript", content: Buffer.from(PASSWORD_SCRIPT), parameters: { username: user, passwordhash: hash } }));
    const still = rotatingSecret(env, secretName, versionId);
    if (still) settleFrom(env, still, run, ecsPasswordValue(user, password));
    return;
  }
  const pair = await newRsaKeyPair();
  const oldBlob = typeof current.PublicKey === "string" ? (current.PublicKey.split(/\s+/)[1] ?? "") : "";
  const parameters = { username: user, publickey: pair.publicKey, oldpublickey: KEY_BLOB.test(oldBlob) ? oldBlob : "" };
  const run = await invokeForService(env, command({ instance, type: "RunShellScript", content: Buffer.from(KEY_SCRIPT), parameters }));
  const still = rotatingSecret(env, secretName, versionId);
  if (still) settleFrom(env, still, run, ecsKeyPairValue(user, pair.publicKey, pair.privateKey));
}
