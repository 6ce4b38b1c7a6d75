import type { TargetKind } from "../../rotation/target-kind";
import type { BastionLocation } from "../../ssh/bastion-credentials";
import { bastionWithCredential } from "../../ssh/bastion-credentials";
import { HOST_FORM, isValidHost } from "../../validation/host";
import { HOST_KEY_FINGERPRINT_FORM, POSIX_USER_FORM, isHostKeyFingerprint, isPosixUser } from "../../validation/ecs-fields";
import { ECS_FIELD_KEYS, ECS_KIND, ecsCredentialKey, ecsFacts, ecsFieldsMetadata, readEcsFields, type EcsTargetFields } from "../ecs-host/ecs-target-fields";
import { EcsSshTarget } from "./ecs-ssh-target";
import { chosenEcsValue } from "../ecs-host/ecs-value-rules";

/** An ECS instance user reached over SSH: where sshd listens and its pinned host key, perhaps through a bastion. */
export interface EcsSshTargetSpec extends EcsTargetFields {
  readonly host: string;
  readonly port: number;
  readonly hostKeyFingerprint: string;
  /** Where the bastion is; its credential is never stored (the runner takes it from MANAGED_SECRETS_BASTIONS). */
  readonly bastion?: BastionLocation;
}

const BASTION_KEYS = ["bastionHost", "bastionPort", "bastionHostKeyFingerprint", "bastionUser"] as const;

/** An ECS instance user reached over SSH (directly or through a bastion), with the current credential: no admin connection is stored. */
export const ecsSshTargetKind: TargetKind<EcsSshTargetSpec> = {
  name: "ecs over ssh",
  keys: ["kind", ...ECS_FIELD_KEYS, "transport", "host", "port", "hostKeyFingerprint", ...BASTION_KEYS],
  // Stores written before Cloud Assistant existed have no transport key: SSH.
  matches: (m) => m.kind === ECS_KIND && (m.transport === undefined || m.transport === "ssh"),
  decode(r) {
    const bastion: BastionLocation | undefined = r.group(BASTION_KEYS)
      ? {
          host: r.required("bastionHost", isValidHost, HOST_FORM),
          port: r.integer("bastionPort", 1, 65535),
          hostKeyFingerprint: r.required("bastionHostKeyFingerprint", isHostKeyFingerprint, HOST_KEY_FINGERPRINT_FORM),
          user: r.required("bastionUser", isPosixUser, POSIX_USER_FORM),
        }
      : undefined;
    return {
      ...readEcsFields(r),
      host: r.required("host", isValidHost, HOST_FORM),
      port: r.integer("port", 1, 65535),
      hostKeyFingerprint: r.required("hostKeyFingerprint", isHostKeyFingerprint, HOST_KEY_FINGERPRINT_FORM),
      ...(bastion ? { bastion } : {}),
    };
  },
  encode: (spec) => ({
    ...ecsFieldsMetadata(spec),
    host: spec.host,
    port: String(spec.port),
    hostKeyFingerprint: spec.hostKeyFingerprint,
    ...(spec.bastion
      ? { bastionHost: spec.bastion.host, bastionPort: String(spec.bastion.port), bastionHostKeyFingerprint: spec.bastion.hostKeyFingerprint, bastionUser: spec.bastion.user }
      : {}),
  }),
  credentialKey: ecsCredentialKey,
  facts: (spec) => ecsFacts(spec, `${spec.host}:${spec.port}${spec.bastion ? ` through ${spec.bastion.user}@${spec.bastion.host}:${spec.bastion.port}` : ""}`),
  valueFromText: (text, spec, property) => chosenEcsValue(text, spec, property),
  build: (spec, secretName) =>
    new EcsSshTarget({
      secretName,
      managedUser: spec.managedUser,
      credentialType: spec.credentialType,
      keyAlgorithm: spec.keyAlgorithm,
      endpoint: {
        host: spec.host,
        port: spec.port,
        hostKeyFingerprint: spec.hostKeyFingerprint,
        ...(spec.bastion ? { bastion: bastionWithCredential(spec.bastion, secretName) } : {}),
      },
    }),
};
