import type { ProductSpec } from "../../gateway/product";
import { kmsErrors } from "./kms-errors";
import { purgeExpiredSecrets } from "./kms-lookup";
import {
  createSecret,
  deleteSecret,
  describeSecret,
  listSecrets,
  restoreSecret,
  tagResource,
  untagResource,
  updateSecret,
} from "./kms-secrets";
import { getSecretValue, listSecretVersionIds, putSecretValue, updateSecretVersionStage } from "./kms-versions";
import { asymmetricSign, asymmetricVerify, createKey, describeKey, getPublicKey, listKeyVersions } from "./kms-keys";

export const kmsProduct: ProductSpec = {
  code: "Kms",
  ramNamespace: "kms",
  version: "2016-01-20",
  hostId: (regionId) => `kms.${regionId}.aliyuncs.com`,
  noPermission: kmsErrors.noPermission,
  throttling: kmsErrors.throttling,
  beforeAction: purgeExpiredSecrets,
  actions: {
    CreateSecret: createSecret,
    GetSecretValue: getSecretValue,
    PutSecretValue: putSecretValue,
    UpdateSecretVersionStage: updateSecretVersionStage,
    DescribeSecret: describeSecret,
    ListSecrets: listSecrets,
    ListSecretVersionIds: listSecretVersionIds,
    UpdateSecret: updateSecret,
    DeleteSecret: deleteSecret,
    RestoreSecret: restoreSecret,
    TagResource: tagResource,
    UntagResource: untagResource,
    CreateKey: createKey,
    DescribeKey: describeKey,
    ListKeyVersions: listKeyVersions,
    GetPublicKey: getPublicKey,
    AsymmetricSign: asymmetricSign,
    AsymmetricVerify: asymmetricVerify,
  },
};
