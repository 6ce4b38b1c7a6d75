/**
 * Registers every target kind this version can rotate from store metadata.
 * Imported once, for its effect, by the runtime context: adding a target is
 * a folder under targets/ and a line here, and nothing below changes.
 */
import { registerTargetKind } from "../rotation/target-registry";
import { ramAccessKeyTargetKind } from "./ram-access-key/ram-access-key-target-kind";
import { cloudAssistantTargetKind } from "./ecs-cloud-assistant/cloud-assistant-target-kind";
import { ecsSshTargetKind } from "./ecs-ssh/ecs-ssh-target-kind";

registerTargetKind(ramAccessKeyTargetKind);
registerTargetKind(cloudAssistantTargetKind);
registerTargetKind(ecsSshTargetKind);

/**
 * The registry's lookup with every kind above registered: what the CLI, the
 * runner, the resources and tests call, so none depends on some other module
 * having loaded this one first.
 */
export { decodeTarget, targetFromMetadata } from "../rotation/target-registry";
