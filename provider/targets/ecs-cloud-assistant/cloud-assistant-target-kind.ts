import { REGION_FORM, isKnownRegion } from "../../alicloud/ecs-regions";
import type { TargetKind } from "../../rotation/target-kind";
import { ECS_FIELD_KEYS, ECS_KIND, ecsCredentialKey, ecsFacts, ecsFieldsMetadata, readEcsFields, type EcsTargetFields } from "../ecs-host/ecs-target-fields";
import { cloudAssistantTargetFor } from "./cloud-assistant-target-for";
import { CLOUD_ASSISTANT_CHOSEN_PASSWORD, chosenEcsValue } from "../ecs-host/ecs-value-rules";
import { ManagedSecretsError } from "../../core/errors";

/** An ECS instance user reached through Cloud Assistant: the instance by its id in its region. */
export interface CloudAssistantTargetSpec extends EcsTargetFields {
  readonly regionId: string;
}

export const CLOUD_ASSISTANT_TRANSPORT = "cloudAssistant";

/** An ECS instance user reached through Cloud Assistant; the ECS SDK loads only when one is rotated. */
export const cloudAssistantTargetKind: TargetKind<CloudAssistantTargetSpec> = {
  name: "ecs over cloud assistant",
  keys: ["kind", ...ECS_FIELD_KEYS, "transport", "regionId"],
  matches: (m) => m.kind === ECS_KIND && m.transport === CLOUD_ASSISTANT_TRANSPORT,
  decode: (r) => ({ ...readEcsFields(r), regionId: r.required("regionId", isKnownRegion, REGION_FORM) }),
  encode: (spec) => ({ ...ecsFieldsMetadata(spec), transport: CLOUD_ASSISTANT_TRANSPORT, regionId: spec.regionId }),
  credentialKey: ecsCredentialKey,
  facts: (spec) => ecsFacts(spec, `Cloud Assistant, ${spec.regionId}`),
  valueFromText(text, spec, property) {
    // Refused before anything is written: a pending version of a chosen password could never be finished.
    if (spec.credentialType === "password") throw new ManagedSecretsError("InvalidInput", `${property} ${CLOUD_ASSISTANT_CHOSEN_PASSWORD}`, { property });
    return chosenEcsValue(text, spec, property);
  },
  build: (spec, secretName, ctx) => cloudAssistantTargetFor({ ...spec, secretName }, ctx),
};
