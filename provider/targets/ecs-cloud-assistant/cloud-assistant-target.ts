import { createHash, generateKeyPairSync, privateDecrypt, constants } from "node:crypto";
import { ManagedSecretsError } from "../../core/errors";
import type { PreparedApply, RotationTarget, TestedSession } from "../../rotation/rotation-target";
import type { KeyAlgorithm } from "../../credentials/generate-key-pair";
import { GENERATED_PASSWORD_LENGTH } from "../../credentials/generate-password";
import { shq } from "../../ssh/shell-quote";
import { APPEND_KEY, blobOf, keyMarker, retireOlderKeys } from "../ecs-host/authorized-keys-scripts";
import { decodeEcsValue, generateEcsValue } from "../ecs-host/ecs-value";
import type { CloudAssistantClient, InvocationOutcome } from "../../alicloud/cloud-assistant-client";
import { newSha512Salt, sha512Crypt } from "../ecs-host/sha512-crypt";
import { verifyCryptLocally } from "../ecs-host/local-crypt";
import { authorizedKeysOf, requirePosixUser, suAs } from "../ecs-host/user-shell";

/**
 * An ECS instance user's password or key pair, changed through Cloud
 * Assistant (RunCommand as root), for instances nothing can SSH to.
 *
 * Cloud Assistant keeps every invocation's content, parameters and output
 * and returns them from DescribeInvocations, to anyone with that read
 * permission. So what crosses is chosen to be worthless there:
 * - a key pair: only the new public key line (with this secret's marker);
 * - a password: only its SHA-512 crypt hash (`chpasswd -e`), and only for a
 *   generated 32-character password, whose hash cannot be reversed by
 *   guessing; a human-chosen value is refused (check names customValue);
 * - a check of a password: the instance encrypts the user's shadow hash to a
 *   one-time RSA key whose private half never leaves this process, and the
 *   comparison happens here. The kept output is ciphertext.
 *
 * Nothing is sent before DescribeInstances and DescribeCloudAssistantStatus
 * say the instance is there, Running, and its agent online. Invocations that
 * change something are named after the secret, version and step, so a re-run
 * after a lost answer finds the earlier one (DescribeInvocations) and waits
 * for or accepts its result instead of sending it blindly again.
 */

export interface EcsCloudAssistantTargetOptions {
  readonly secretName: string;
  readonly managedUser: string;
  readonly credentialType: "password" | "keyPair";
  readonly keyAlgorithm: KeyAlgorithm;
  readonly regionId: string;
  readonly instanceId: string;
  readonly client: () => CloudAssistantClient;
  /** Between DescribeInvocationResults polls. */
  readonly pollMs?: number;
  readonly commandTimeoutSeconds?: number;
}

const DEFAULT_POLL_MS = 500;
const DEFAULT_COMMAND_TIMEOUT_S = 60;
/** Beyond the command's own timeout, how long the agent may take to report. */
const REPORT_GRACE_MS = 30_000;

export class EcsCloudAssistantTarget implements RotationTarget {
  private reachable: Promise<void> | undefined;
  private clientInstance: CloudAssistantClient | undefined;

  constructor(private readonly options: EcsCloudAssistantTargetOptions) {
    requirePosixUser(options.managedUser, options.secretName);
  }

  ready(): Promise<void> {
    return (this.reachable ??= this.checkReachable());
  }

  async accepts(value: string): Promise<boolean> {
    await this.ready();
    const v = decodeEcsValue(value);
    if ("Password" in v) return this.passwordInEffect(v.Password);
    return this.keyAuthorized(v.PublicKey);
  }

  async test(value: string): Promise<TestedSession | undefined> {
    // Every check is a fresh invocation: nothing of apply's is reused.
    return (await this.accepts(value)) ? { close: () => undefined } : undefined;
  }

  async generate(): Promise<string> {
    return generateEcsValue(this.options);
  }

  async apply(_current: string, pending: string, versionId: string, _prepared?: PreparedApply): Promise<void> {
    await this.ready();
    const next = decodeEcsValue(pending);
    const { managedUser, secretName } = this.options;
    if ("Password" in next) {
      // Its hash is kept by the service: only a password nobody chose is safe to show that way.
      if (next.Password.length < GENERATED_PASSWORD_LENGTH) {
        throw new ManagedSecretsError(
          "InvalidInput",
          `a ${next.Password.length}-character password cannot be set through Cloud Assistant: its hash would be kept in the invocation record, so only generated ${GENERATED_PASSWORD_LENGTH}-character passwords are; leave customValue unset or use connection.transport "ssh"`,
          { property: "customValue", secretName },
        );
      }
      const hash = sha512Crypt(next.Password, newSha512Salt());
      await this.settled("apply", versionId, pending, "chpasswd", `printf '%s\\n' ${shq(`${managedUser}:${hash}`)} | chpasswd -e`);
      return;
    }
    const line = `${next.PublicKey} ${keyMarker(secretName, versionId)}`;
    await this.settled("apply", versionId, pending, "the authorized_keys update", this.asUser(APPEND_KEY(managedUser, line)));
  }

  async retire(current: string, versionId: string, older: () => Promise<readonly string[]>): Promise<void> {
    const now = decodeEcsValue(current);
    if (!("PrivateKey" in now)) return;
    await this.ready();
    const script = retireOlderKeys(this.options, versionId, now, await older());
    await this.settled("retire", versionId, current, "the authorized_keys cleanup", this.asUser(script));
  }

  private client(): CloudAssistantClient {
    return (this.clientInstance ??= this.options.client());
  }

  private async checkReachable(): Promise<void> {
    const { regionId, instanceId } = this.options;
    const property = { property: "connection.region" };
    const facts = await this.client().describeInstance(regionId, instanceId);
    if (!facts) {
      throw new ManagedSecretsError("TargetNotFound", `ECS instance ${instanceId} does not exist in region ${regionId} (instanceId, connection.region)`, property);
    }
    if (facts.osType && facts.osType.toLowerCase() !== "linux") {
      throw new ManagedSecretsError("InvalidInput", `ECS instance ${instanceId} runs ${facts.osType}; Cloud Assistant rotation supports Linux instances only`, { property: "instanceId" });
    }
    if (facts.status !== "Running") {
      throw new ManagedSecretsError("Unreachable", `ECS instance ${instanceId} is ${facts.status}: Cloud Assistant runs commands only on a Running instance`);
    }
    const online = await this.client().agentOnline(regionId, instanceId);
    if (online !== true) {
      throw new ManagedSecretsError(
        "Unreachable",
        `the Cloud Assistant Agent of ECS instance ${instanceId} is not installed or not online (DescribeCloudAssistantStatus: CloudAssistantStatus is not true); install or restart it, or use connection.transport "ssh"`,
      );
    }
  }

  /** Runs a read-only script and returns its output; nothing to find again after a crash, so never named after a version. */
  private async query(what: string, script: string): Promise<string> {
    const { regionId, instanceId } = this.options;
    const name = `managed-secrets-check-${digest(this.options.secretName)}`;
    const invokeId = await this.client().runShellScript({ regionId, instanceId, script, name, timeoutSeconds: this.timeoutSeconds() });
    const result = await this.awaitResult(invokeId);
    if (result.status !== "Success") throw this.failed(what, invokeId, result);
    return result.output;
  }

  /**
   * Runs a changing script once per (secret, version, step): an earlier
   * invocation of it that is still running is waited for, one that succeeded
   * counts, and only a failed or absent one leads to a new RunCommand.
   */
  private async settled(step: "apply" | "retire", versionId: string, value: string, what: string, script: string): Promise<void> {
    const { regionId, instanceId, secretName } = this.options;
    // The value is in the name's digest because version ids restart when a secret is deleted and created again;
    // a digest of a generated password or a key pair gives nothing away.
    const name = `managed-secrets-${step}-${digest(`${secretName}\n${versionId}\n${value}`)}`;
    const earlier = await this.client().findInvocations(regionId, instanceId, name);
    if (earlier.some((i) => i.status === "Success")) return;
    const running = earlier.find((i) => !i.final);
    if (running) {
      const result = await this.awaitResult(running.invokeId);
      if (result.status === "Success") return;
    }
    // One ClientToken per try of this step: a send whose answer was lost is the same try, which ECS runs once; a try
    // found failed makes the next a new one. Derived, not random, so a process that crashed mid-send sends the same.
    const clientToken = `${name}-${earlier.length}`;
    const invokeId = await this.client().runShellScript({ regionId, instanceId, script, name, clientToken, timeoutSeconds: this.timeoutSeconds() });
    const result = await this.awaitResult(invokeId);
    if (result.status !== "Success") throw this.failed(what, invokeId, result);
  }

  private async awaitResult(invokeId: string): Promise<InvocationOutcome> {
    const { regionId, instanceId } = this.options;
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    const deadline = Date.now() + this.timeoutSeconds() * 1000 + REPORT_GRACE_MS;
    for (;;) {
      await new Promise((r) => setTimeout(r, pollMs));
      const result = await this.client().invocationResult(regionId, invokeId, instanceId);
      if (result?.final) return result;
      if (Date.now() > deadline) {
        throw new ManagedSecretsError(
          "Unreachable",
          `Cloud Assistant invocation ${invokeId} on ${instanceId} has not finished (${result?.status ?? "no result yet"}); re-running finds it again and settles it`,
        );
      }
    }
  }

  private failed(what: string, invokeId: string, r: InvocationOutcome): ManagedSecretsError {
    const { instanceId, managedUser } = this.options;
    const agentGone = r.errorCode === "ClientNotRunning" || r.errorCode === "InstanceNotRunning" || r.errorCode.startsWith("ClientNeedUpgrade");
    // Scripts here never print a credential, so their output is safe to show.
    const tail = r.output.trim().split("\n").slice(-3).join(" | ").slice(0, 300);
    return new ManagedSecretsError(
      agentGone ? "Unreachable" : "TargetCommandFailed",
      `${what} failed on ${instanceId} for ${managedUser} through Cloud Assistant (invocation ${invokeId}: ${r.status}` +
        `${r.errorCode ? ` ${r.errorCode}` : ""}${r.exitCode === undefined ? "" : `, exit ${r.exitCode}`})${tail ? `: ${tail}` : ""}`,
    );
  }

  private timeoutSeconds(): number {
    return this.options.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_S;
  }

  /** Cloud Assistant runs as root; files in the user's home are edited as the user, as over SSH. */
  private asUser(script: string): string {
    const { managedUser } = this.options;
    return managedUser === "root" ? script : suAs(managedUser, script);
  }

  private async keyAuthorized(publicKey: string): Promise<boolean> {
    const { managedUser } = this.options;
    const script = this.asUser(`${authorizedKeysOf(managedUser)}
[ -f "$f" ] || { echo absent; exit 0; }
awk -v b=${shq(blobOf(publicKey))} '/^[[:space:]]*#/ { next } { sub(/\\r$/, ""); for (i = 1; i < NF; i++) if ($(i + 1) == b && $i ~ /^(ssh-|ecdsa-|sk-)/) f = 1 } END { print (f ? "present" : "absent") }' "$f"`);
    const out = (await this.query("the authorized_keys check", script)).trim();
    return out === "present";
  }

  private async passwordInEffect(password: string): Promise<boolean> {
    const { managedUser } = this.options;
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    // The shadow hash leaves the instance only as ciphertext for this one-time key.
    const script = `umask 077
h=$(getent shadow ${shq(managedUser)} | cut -d: -f2)
[ -n "$h" ] || { echo "no shadow entry for "${shq(managedUser)} >&2; exit 3; }
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
printf '%s' ${shq(pem)} > "$d/k"
printf '%s' "$h" | openssl pkeyutl -encrypt -pubin -inkey "$d/k" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -out "$d/c" || exit 4
base64 "$d/c" | tr -d '\\n'`;
    const sealed = (await this.query("the password check", script)).trim();
    const hash = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(sealed, "base64")).toString("utf8");
    // A locked or empty hash accepts no password.
    if (!hash.startsWith("$")) return false;
    if (hash.startsWith("$6$")) return sha512Crypt(password, hash) === hash;
    return verifyCryptLocally(password, hash, managedUser);
  }
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}
