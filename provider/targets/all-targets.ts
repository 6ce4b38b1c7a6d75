import type { TargetKind } from "../rotation/target-kind";
import { ramAccessKeyTargetKind } from "./ram-access-key/ram-access-key-target-kind";
import { cloudAssistantTargetKind } from "./ecs-cloud-assistant/cloud-assistant-target-kind";
import { ecsSshTargetKind } from "./ecs-ssh/ecs-ssh-target-kind";
import { ecsKmsTargetKind } from "./ecs-kms/ecs-kms-target-kind";
import { ramKmsTargetKind } from "./ram-kms/ram-kms-target-kind";

/**
 * Every target kind this version can rotate from store metadata: adding a
 * target is a folder under targets/ and a line here. The runtime context
 * builds its registry from this list (context/runtime-context.ts); nothing
 * registers itself on import.
 */
export const ALL_TARGET_KINDS: readonly TargetKind[] = [ramAccessKeyTargetKind, cloudAssistantTargetKind, ecsSshTargetKind, ecsKmsTargetKind, ramKmsTargetKind];
