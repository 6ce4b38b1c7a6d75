import { ManagedSecretsError, isManagedSecretsError } from "../../core/errors";
import type { RamClient } from "../../alicloud/ram-client";
import { isRamUser, type StsClient } from "../../alicloud/sts-client";
import { probeWhilePropagating, type RamTargetHooks } from "../../targets/ram-access-key/ram-access-key-target";
import type { AccessKeyState } from "../secret-outputs";
import type { RamSecretSpec } from "./ram-secret-schema";

/**
 * What RAM says of the pair a RamSecret starts from and of the key it holds,
 * for both engines: the pair is proven before anything is stored, and each
 * refresh reads the current key's status.
 */

/**
 * Proves the pair to adopt before anything is stored: the user exists, has
 * keys, the id is one of them, and a call signed with the pair authenticates
 * as that user. A pair whose secret does not match is refused (a typo must
 * not cost the real key); a disabled key is adopted and replaced at once.
 */
export async function verifyAdoption(spec: RamSecretSpec, ram: RamClient, sts: StsClient, hooks: RamTargetHooks): Promise<"works" | "inactive"> {
  const { userName, initialAccessKeyId: keyId } = spec;
  try {
    await ram.getUser(userName);
  } catch (e) {
    if (!isManagedSecretsError(e, "TargetNotFound")) throw e;
    throw new ManagedSecretsError("TargetNotFound", `RAM user ${userName} does not exist; create the user and an AccessKey for it first`, { property: "userName" });
  }
  const keys = await ram.listAccessKeys(userName);
  if (keys.length === 0) {
    throw new ManagedSecretsError(
      "TargetNotFound",
      `RAM user ${userName} has no AccessKey; create one and pass it as initialAccessKeyId and initialAccessKeySecret (a RAM secret adopts an existing pair, as KMS does)`,
      { property: "userName" },
    );
  }
  if (!keys.some((k) => k.accessKeyId === keyId)) {
    throw new ManagedSecretsError(
      "InvalidInput",
      `initialAccessKeyId ${keyId} is not an AccessKey of RAM user ${userName} (its keys: ${keys.map((k) => k.accessKeyId).join(", ")})`,
      { property: "initialAccessKeyId" },
    );
  }
  const check = await probeWhilePropagating(sts, { accessKeyId: keyId, accessKeySecret: spec.initialAccessKeySecret }, hooks.sleep);
  if (check.outcome === "accepted") {
    if (isRamUser(check.identity, userName)) return "works";
    throw new ManagedSecretsError("InvalidInput", `AccessKey ${keyId} signs as ${check.identity.arn}, not as RAM user ${userName}`, { property: "initialAccessKeyId" });
  }
  if (check.reason === "Inactive") return "inactive";
  if (check.reason === "SignatureMismatch") {
    throw new ManagedSecretsError(
      "AuthenticationFailed",
      `initialAccessKeySecret does not belong to AccessKey ${keyId} (a call signed with the pair got ${check.apiCode}); nothing was stored and no key was changed`,
      { property: "initialAccessKeySecret" },
    );
  }
  throw new ManagedSecretsError(
    "AuthenticationFailed",
    `STS still does not know AccessKey ${keyId} (${check.apiCode}) after waiting for it to propagate; try again in a minute`,
    { property: "initialAccessKeyId" },
  );
}

/** Does the current key still exist, is it Active, and when did it last sign a call? */
export async function liveState(ram: RamClient, userName: string, accessKeyId: string): Promise<{ status: AccessKeyState; lastUsedAt?: string }> {
  let status: AccessKeyState;
  try {
    status = (await ram.listAccessKeys(userName)).find((k) => k.accessKeyId === accessKeyId)?.status ?? "NotFound";
  } catch (e) {
    // The user itself is gone, and its keys with it.
    if (isManagedSecretsError(e, "TargetNotFound")) return { status: "NotFound" };
    throw e;
  }
  if (status === "NotFound") return { status };
  try {
    return { status, lastUsedAt: await ram.getAccessKeyLastUsed(userName, accessKeyId) };
  } catch (e) {
    if (isManagedSecretsError(e, "TargetNotFound")) return { status: "NotFound" };
    throw e;
  }
}
