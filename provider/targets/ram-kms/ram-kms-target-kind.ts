import { stsClientFor, isRamUser } from "../../alicloud/sts-client";
import { ManagedSecretsError } from "../../core/errors";
import { kmsRotatedTarget } from "../../rotation/kms-rotated-target";
import type { TargetKind } from "../../rotation/target-kind";
import { RAM_USER_NAME_FORM, isRamUserName } from "../../validation/ram-fields";
import { RAM_KIND } from "../ram-access-key/ram-access-key-target-kind";
import { decodeRamValue, keyPairOf } from "../ram-access-key/ram-value";

/**
 * A RAM user's AccessKey in a KMS secret of type RAMCredentials, which KMS
 * rotates itself: RAM makes the new key, KMS stores it as ACSCurrent at once
 * and deletes the old key when its rotation window ends. The user comes from
 * KMS's own record (ExtendedConfig.UserName), never from tags; the probe is a
 * signed STS GetCallerIdentity that must answer as that user.
 */
export interface RamKmsTargetSpec {
  readonly userName: string;
}

const ROTATED_BY_KEY = "rotatedBy";

export const ramKmsTargetKind: TargetKind<RamKmsTargetSpec> = {
  name: "ram rotated by kms",
  kmsSecretType: "RAMCredentials",
  keys: ["kind", ROTATED_BY_KEY, "userName"],
  matches: (m) => m.kind === RAM_KIND && m[ROTATED_BY_KEY] === "kms",
  decode: (r) => ({ userName: r.kms("UserName", isRamUserName, RAM_USER_NAME_FORM) }),
  encode: (spec) => ({ kind: RAM_KIND, [ROTATED_BY_KEY]: "kms", userName: spec.userName }),
  // The same credential as the product's RAM kind: one live secret per RAM user, whichever engine rotates it.
  credentialKey: (spec) => `ram:${spec.userName}`,
  facts: (spec) => ({
    family: RAM_KIND,
    subject: `ram-user/${spec.userName}`,
    description: `AccessKey of RAM user ${spec.userName} (rotated by KMS)`,
    failureDomain: `ram:${spec.userName}`,
    rotatedBy: "kms",
  }),
  valueFromText(_text, _spec, property) {
    throw new ManagedSecretsError("InvalidInput", `${property} is not taken for a secret KMS rotates: RAM makes every new key`, { property });
  },
  build: (spec, secretName, ctx) =>
    kmsRotatedTarget(secretName, {
      accepts: async (value) => {
        const check = await stsClientFor(ctx.cloud()).getCallerIdentity(keyPairOf(decodeRamValue(value)));
        return check.outcome === "accepted" && isRamUser(check.identity, spec.userName);
      },
    }),
};
