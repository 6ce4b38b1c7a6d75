import { isoSeconds } from "../../core/clock";
import type { SecretRecord, SecretVersionRecord } from "../../state/state-types";
import { boolean, optional, pageParams, paginate } from "../../gateway/params";
import type { ActionSpec } from "../../gateway/product";
import { KMS_LIST_VERSIONS_PAGE_SIZE, STAGE_CURRENT, STAGE_PREVIOUS, kmsErrors } from "./kms-errors";
import { findSecret, secretUpdated } from "./kms-lookup";
import { attachStage, changeVersions, findVersion, holderOf, removeStage } from "./kms-stages";
import * as validate from "./kms-validate";
import { isManaged, rotationView } from "./kms-rotation-schedule";

const stagesView = (v: SecretVersionRecord) => ({ VersionStage: [...v.stages] });

function selectVersion(secret: SecretRecord, versionId?: string, stage?: string): SecretVersionRecord {
  const byId = versionId !== undefined ? findVersion(secret, versionId) : undefined;
  if (versionId !== undefined && !byId) throw kmsErrors.notFound();
  if (byId && stage !== undefined && !byId.stages.includes(stage)) {
    throw kmsErrors.invalidParameter("VersionId and VersionStage do not name the same version.");
  }
  if (byId) return byId;
  const byStage = holderOf(secret, stage ?? STAGE_CURRENT);
  if (!byStage) throw kmsErrors.notFound();
  return byStage;
}

/**
 * For the managed types (GetSecretValue reference): only ACSCurrent and
 * ACSPrevious can be read, VersionId is ignored, and FetchExtendedConfig=true
 * adds ExtendedConfig; they also carry their rotation fields.
 */
export const getSecretValue: ActionSpec = {
  required: ["SecretName"],
  handle(ctx) {
    const secret = findSecret(ctx);
    const fetchExtended = boolean(ctx.params, "FetchExtendedConfig", () => kmsErrors.invalidParameter("FetchExtendedConfig"));
    const managed = isManaged(secret);
    const stage = optional(ctx.params, "VersionStage");
    if (managed && stage !== undefined && stage !== STAGE_CURRENT && stage !== STAGE_PREVIOUS) {
      throw kmsErrors.invalidParameter(`${secret.secretType} secrets have only the ${STAGE_CURRENT} and ${STAGE_PREVIOUS} stages.`);
    }
    const version = selectVersion(secret, managed ? undefined : optional(ctx.params, "VersionId"), stage);
    return {
      SecretName: secret.secretName,
      SecretType: secret.secretType,
      SecretData: version.secretData,
      SecretDataType: version.secretDataType,
      VersionId: version.versionId,
      VersionStages: stagesView(version),
      CreateTime: version.createTime,
      ...rotationView(secret, ctx.state.data),
      ...(fetchExtended && secret.extendedConfig ? { ExtendedConfig: JSON.stringify(secret.extendedConfig) } : {}),
    };
  },
};

/** KMS writes the versions of the types it rotates; their owners cannot. */
function refuseManaged(action: string, secret: SecretRecord): void {
  if (isManaged(secret)) throw kmsErrors.unsupportedForType(action, secret.secretType);
}

/**
 * Idempotent per VersionId: the same id with the same data succeeds and
 * changes nothing; the same id with other data is refused.
 */
export const putSecretValue: ActionSpec = {
  required: ["SecretName", "SecretData", "VersionId"],
  handle(ctx) {
    const secret = findSecret(ctx);
    refuseManaged("PutSecretValue", secret);
    const versionId = validate.versionId(ctx.params.VersionId ?? "");
    const { data, type } = validate.secretData(ctx.params);
    const stages = validate.stringArray(ctx.params, "VersionStages") ?? [STAGE_CURRENT];
    const existing = findVersion(secret, versionId);
    if (existing) {
      if (existing.secretData !== data || existing.secretDataType !== type) throw kmsErrors.exists();
      return { SecretName: secret.secretName, VersionId: versionId, VersionStages: stagesView(existing) };
    }
    const version: SecretVersionRecord = {
      versionId,
      secretData: data,
      secretDataType: type,
      stages: [],
      createTime: isoSeconds(ctx.now),
    };
    changeVersions(secret, () => {
      secret.versions.push(version);
      for (const stage of new Set(stages)) attachStage(secret, stage, version);
    });
    secretUpdated(ctx, secret);
    return { SecretName: secret.secretName, VersionId: versionId, VersionStages: stagesView(version) };
  },
};

/**
 * Add (MoveToVersion), remove (RemoveFromVersion) or move (both) one stage.
 * ACSCurrent and ACSPrevious can only be moved, never just removed.
 */
export const updateSecretVersionStage: ActionSpec = {
  required: ["SecretName", "VersionStage"],
  handle(ctx) {
    const secret = findSecret(ctx);
    refuseManaged("UpdateSecretVersionStage", secret);
    const stage = ctx.params.VersionStage ?? "";
    const moveTo = optional(ctx.params, "MoveToVersion");
    const removeFrom = optional(ctx.params, "RemoveFromVersion");
    if (moveTo === undefined && removeFrom === undefined) {
      throw kmsErrors.invalidParameter("Specify RemoveFromVersion, MoveToVersion or both.");
    }
    if ((stage === STAGE_CURRENT || stage === STAGE_PREVIOUS) && moveTo === undefined) {
      throw kmsErrors.invalidParameter(`${stage} can only be moved to another version.`);
    }
    const target = moveTo !== undefined ? findVersion(secret, moveTo) : undefined;
    const source = removeFrom !== undefined ? findVersion(secret, removeFrom) : undefined;
    if ((moveTo !== undefined && !target) || (removeFrom !== undefined && !source)) throw kmsErrors.notFound();
    if (source && !source.stages.includes(stage)) {
      throw kmsErrors.invalidParameter(`Version ${removeFrom} does not carry ${stage}.`);
    }
    changeVersions(secret, () => {
      // attachStage takes the stage off its holder (the source, when given),
      // so moving ACSCurrent also demotes the old version to ACSPrevious.
      if (target) attachStage(secret, stage, target);
      else if (source) removeStage(source, stage);
    });
    secretUpdated(ctx, secret);
    return { SecretName: secret.secretName };
  },
};

export const listSecretVersionIds: ActionSpec = {
  required: ["SecretName"],
  handle(ctx) {
    const secret = findSecret(ctx, { allowPendingDeletion: true });
    const includeDeprecated = boolean(ctx.params, "IncludeDeprecated", () => kmsErrors.invalidParameter());
    const { pageNumber, pageSize } = pageParams(ctx.params, KMS_LIST_VERSIONS_PAGE_SIZE, kmsErrors.invalidParameter);
    const versions = secret.versions.filter((v) => includeDeprecated || v.stages.length > 0);
    return {
      SecretName: secret.secretName,
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: versions.length,
      VersionIds: {
        VersionId: paginate(versions, pageNumber, pageSize).map((v) => ({
          VersionId: v.versionId,
          CreateTime: v.createTime,
          VersionStages: stagesView(v),
        })),
      },
    };
  },
};
