import { isoSeconds } from "../../core/clock";
import type { SecretRecord, SecretType } from "../../state/state-types";
import { boolean, integer, json, optional, pageParams, paginate } from "../../gateway/params";
import { ledgerClosed, ledgerOpened } from "./kms-billing";
import { checkSecretQuota } from "./kms-instance-quota";
import { managedCreation, rotationSettings, type ManagedCreation } from "./kms-managed-create";
import { rotationView } from "./kms-rotation-schedule";
import type { ActionContext, ActionSpec } from "../../gateway/product";
import { KMS_LIST_SECRETS_PAGE_SIZE, KMS_LIST_SECRETS_TAG_FILTER_MAX, KMS_MAX_TAGS, KMS_RECOVERY_WINDOW_DAYS, STAGE_CURRENT, kmsErrors, kmsPlannedDeleteTime } from "./kms-errors";
import { findSecret, secretArn, secretNameFrom, secretSetChanged, secretSetGeneration, secretUpdated } from "./kms-lookup";
import * as validate from "./kms-validate";

const DAY_MS = 24 * 60 * 60 * 1000;

const tagsView = (s: SecretRecord) => ({
  Tag: Object.entries(s.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
});

const SECRET_TYPES: readonly SecretType[] = ["Generic", "ECS", "RAMCredentials"];

interface GenericCreation {
  secretName: string;
  secretType: "Generic";
  initialData: string;
  dataType: "text" | "binary";
}

/** The secret a CreateSecret describes, checked in full before anything is stored. */
function creation(ctx: ActionContext): ManagedCreation | GenericCreation {
  const secretType = (optional(ctx.params, "SecretType") ?? "Generic") as SecretType;
  if (!SECRET_TYPES.includes(secretType)) throw kmsErrors.invalidParameter(`SecretType must be ${SECRET_TYPES.join(", ")} (the emulator has no Rds, Redis or PolarDB secrets).`);
  if (secretType !== "Generic") {
    if ((optional(ctx.params, "SecretDataType") ?? "text") !== "text") throw kmsErrors.invalidParameter(`SecretDataType must be text for ${secretType} secrets.`);
    validate.secretData(ctx.params);
    return managedCreation(ctx, secretType, secretNameFrom(ctx));
  }
  if (optional(ctx.params, "ExtendedConfig") !== undefined) throw kmsErrors.invalidParameter("ExtendedConfig is for ECS and RAMCredentials secrets.");
  if (rotationSettings(ctx).automatic) throw kmsErrors.invalidParameter("Generic secrets do not rotate automatically (EnableAutomaticRotation).");
  const { data, type } = validate.secretData(ctx.params);
  return { secretName: validate.secretName(secretNameFrom(ctx)), secretType, initialData: data, dataType: type };
}

export const createSecret: ActionSpec = {
  required: ["SecretName", "SecretData", "VersionId"],
  handle(ctx) {
    const made = creation(ctx);
    const name = made.secretName;
    const versionId = validate.versionId(ctx.params.VersionId ?? "");
    const description = validate.description(ctx.params);
    const tags = validate.tags(ctx.params);
    const placement = validate.placement(ctx.params, ctx.state.data.kmsInstances);
    const existing = ctx.state.data.secrets[name];
    if (existing?.plannedDeleteTime) throw kmsErrors.inDeleteWindow();
    if (existing) throw kmsErrors.exists();
    checkSecretQuota(ctx, placement.dkmsInstanceId);
    const now = isoSeconds(ctx.now);
    ctx.state.data.secrets[name] = {
      secretName: name,
      description,
      secretType: made.secretType,
      ...(made.secretType === "Generic" ? {} : { extendedConfig: made.extendedConfig, rotation: made.rotation }),
      tags,
      creator: creatorOf(ctx),
      ...placement,
      createTime: now,
      updateTime: now,
      versions: [{ versionId, secretData: made.initialData, secretDataType: made.secretType === "Generic" ? made.dataType : "text", stages: [STAGE_CURRENT], createTime: now }],
    };
    ledgerOpened(ctx.state, name, ctx.now);
    secretSetChanged(ctx);
    ctx.state.changed();
    return { Arn: secretArn(ctx, name), SecretName: name, VersionId: versionId, SecretType: made.secretType };
  },
};

/** Who made a secret, as the Creator filter matches it: the account id for the account itself, else the RAM user's id. */
function creatorOf(ctx: ActionContext): string {
  return ctx.principal.kind === "root" ? ctx.principal.accountId : ctx.principal.userId;
}

export const describeSecret: ActionSpec = {
  required: ["SecretName"],
  handle(ctx) {
    const secret = findSecret(ctx, { allowPendingDeletion: true });
    const fetchTags = boolean(ctx.params, "FetchTags", () => kmsErrors.invalidParameter("FetchTags"));
    return {
      Arn: secretArn(ctx, secret.secretName),
      SecretName: secret.secretName,
      SecretType: secret.secretType,
      Description: secret.description ?? "",
      CreateTime: secret.createTime,
      UpdateTime: secret.updateTime,
      ...(secret.plannedDeleteTime ? { PlannedDeleteTime: secret.plannedDeleteTime } : {}),
      ...(secret.dkmsInstanceId ? { DKMSInstanceId: secret.dkmsInstanceId } : {}),
      ...(secret.encryptionKeyId ? { EncryptionKeyId: secret.encryptionKeyId } : {}),
      ...(fetchTags ? { Tags: tagsView(secret) } : {}),
      ...rotationView(secret, ctx.state.data),
      ...(secret.extendedConfig ? { ExtendedConfig: JSON.stringify(secret.extendedConfig) } : {}),
    };
  },
};

type Filter = { Key: string; Values: string[] };

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every secret in listing order (created first, then by name), sorted once per
 * change of the state rather than once per page: a fleet of 10,000 is listed
 * in 100 pages, and the real service does not sort its table per request.
 * Records are the live ones, so tags and deletion times are always current;
 * only which secrets exist is cached (kms-lookup.ts secretSetChanged).
 */
const listingOrders = new WeakMap<object, { generation: number; order: SecretRecord[] }>();

function listingOrder(ctx: ActionContext): SecretRecord[] {
  const cached = listingOrders.get(ctx.state);
  if (cached !== undefined && cached.generation === secretSetGeneration(ctx)) return cached.order;
  const order = Object.values(ctx.state.data.secrets).sort((a, b) => compare(a.createTime, b.createTime) || compare(a.secretName, b.secretName));
  listingOrders.set(ctx.state, { generation: secretSetGeneration(ctx), order });
  return order;
}
/** ListSecrets' filter keys (API reference); DKMSInstanceId and Creator arrived with KMS 3.0. */
const FILTER_KEYS = ["SecretName", "Description", "TagKey", "TagValue", "SecretType", "DKMSInstanceId", "Creator"];

function parseFilters(ctx: ActionContext): Filter[] {
  const parsed = json(ctx.params, "Filters", () => kmsErrors.invalidParameter("Filters")) ?? [];
  if (!Array.isArray(parsed) || parsed.length > 10) throw kmsErrors.invalidParameter("Filters");
  return parsed.map((f: unknown) => {
    const filter = f as Partial<Filter>;
    const valid =
      typeof filter.Key === "string" &&
      FILTER_KEYS.includes(filter.Key) &&
      Array.isArray(filter.Values) &&
      filter.Values.length <= 10 &&
      filter.Values.every((v) => typeof v === "string");
    if (!valid) throw kmsErrors.invalidParameter("Filters");
    return filter as Filter;
  });
}

/** Keys combine with AND, values of one key with OR; names and descriptions match as substrings. */
function matches(secret: SecretRecord, filter: Filter): boolean {
  return filter.Values.some((value) => {
    switch (filter.Key) {
      case "SecretName":
        return secret.secretName.includes(value);
      case "Description":
        return (secret.description ?? "").includes(value);
      case "TagKey":
        return value in secret.tags;
      case "TagValue":
        return Object.values(secret.tags).includes(value);
      case "DKMSInstanceId":
        return secret.dkmsInstanceId === value;
      case "Creator":
        return secret.creator === value;
      default:
        return secret.secretType === value;
    }
  });
}

export const listSecrets: ActionSpec = {
  handle(ctx) {
    const fetchTags = boolean(ctx.params, "FetchTags", () => kmsErrors.invalidParameter("FetchTags"));
    const filters = parseFilters(ctx);
    const { pageNumber, pageSize } = pageParams(ctx.params, KMS_LIST_SECRETS_PAGE_SIZE, kmsErrors.invalidParameter);
    const matching = listingOrder(ctx).filter((s) => filters.every((f) => matches(s, f)));
    // "When you filter by tag, the query returns a maximum of 4,000 resources" (ListSecrets reference), and
    // it does not say the total shows the rest: the stricter reading, a listing that ends at 4,000.
    const byTag = filters.some((f) => f.Key === "TagKey" || f.Key === "TagValue");
    const all = byTag ? matching.slice(0, KMS_LIST_SECRETS_TAG_FILTER_MAX) : matching;
    return {
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: all.length,
      SecretList: {
        Secret: paginate(all, pageNumber, pageSize).map((s) => ({
          SecretName: s.secretName,
          SecretType: s.secretType,
          CreateTime: s.createTime,
          UpdateTime: s.updateTime,
          ...(s.plannedDeleteTime ? { PlannedDeleteTime: s.plannedDeleteTime } : {}),
          ...(fetchTags ? { Tags: tagsView(s) } : {}),
        })),
      },
    };
  },
};

/**
 * Description, for every type; for the managed types also
 * ExtendedConfig.CustomData (a JSON object), the only part of ExtendedConfig
 * that can change (UpdateSecret reference).
 */
export const updateSecret: ActionSpec = {
  required: ["SecretName"],
  handle(ctx) {
    const secret = findSecret(ctx);
    const extended = Object.keys(ctx.params).filter((k) => k.startsWith("ExtendedConfig"));
    if (extended.some((k) => k !== "ExtendedConfig.CustomData")) throw kmsErrors.invalidParameter("Of ExtendedConfig only ExtendedConfig.CustomData can change.");
    const custom = json(ctx.params, "ExtendedConfig.CustomData", () => kmsErrors.invalidParameter("ExtendedConfig.CustomData must be a JSON object."));
    if (custom !== undefined) {
      if (!secret.extendedConfig) throw kmsErrors.invalidParameter("ExtendedConfig is for ECS and RAMCredentials secrets.");
      if (custom === null || typeof custom !== "object" || Array.isArray(custom)) throw kmsErrors.invalidParameter("ExtendedConfig.CustomData must be a JSON object.");
    }
    secret.description = validate.description(ctx.params);
    if (custom !== undefined && secret.extendedConfig) secret.extendedConfig.CustomData = custom;
    secretUpdated(ctx, secret);
    return { SecretName: secret.secretName };
  },
};

/**
 * Schedules deletion after a 7-30 day window (default 30), or deletes at once
 * with ForceDeleteWithoutRecovery=true, in which case KMS ignores
 * RecoveryWindowInDays (DeleteSecret reference), even one out of range.
 */
export const deleteSecret: ActionSpec = {
  required: ["SecretName"],
  handle(ctx) {
    const secret = findSecret(ctx, { allowPendingDeletion: true });
    const force = boolean(ctx.params, "ForceDeleteWithoutRecovery", () =>
      kmsErrors.invalidParameter("ForceDeleteWithoutRecovery"),
    );
    if (force) {
      delete ctx.state.data.secrets[secret.secretName];
      ledgerClosed(ctx.state, secret.secretName, ctx.now);
      secretSetChanged(ctx);
      ctx.state.changed();
      return { SecretName: secret.secretName, PlannedDeleteTime: kmsPlannedDeleteTime(ctx.now) };
    }
    const days = integer(ctx.params, "RecoveryWindowInDays", KMS_RECOVERY_WINDOW_DAYS, () =>
      kmsErrors.invalidParameter("RecoveryWindowInDays"),
    );
    if (secret.plannedDeleteTime) throw kmsErrors.inDeleteWindow();
    secret.plannedDeleteTime = kmsPlannedDeleteTime(new Date(ctx.now.getTime() + days * DAY_MS));
    secretSetChanged(ctx);
    ctx.state.changed();
    return { SecretName: secret.secretName, PlannedDeleteTime: secret.plannedDeleteTime };
  },
};

export const restoreSecret: ActionSpec = {
  required: ["SecretName"],
  handle(ctx) {
    const secret = findSecret(ctx, { allowPendingDeletion: true });
    delete secret.plannedDeleteTime;
    secretSetChanged(ctx);
    secretUpdated(ctx, secret);
    return { SecretName: secret.secretName };
  },
};

export const tagResource: ActionSpec = {
  required: ["SecretName", "Tags"],
  handle(ctx) {
    const secret = findSecret(ctx);
    const merged = { ...secret.tags, ...validate.tags(ctx.params) };
    if (Object.keys(merged).length > KMS_MAX_TAGS) throw kmsErrors.invalidParameter("Tags");
    secret.tags = merged;
    ctx.state.changed();
    return {};
  },
};

export const untagResource: ActionSpec = {
  required: ["SecretName", "TagKeys"],
  handle(ctx) {
    const secret = findSecret(ctx);
    for (const key of validate.stringArray(ctx.params, "TagKeys") ?? []) delete secret.tags[key];
    ctx.state.changed();
    return {};
  },
};
