import type { ProductSpec } from "../../gateway/product";
import { kmsErrors } from "./kms-errors";
import { getKmsInstanceQuotaInfos } from "./kms-instance-quota";
import { purgeExpiredSecrets } from "./kms-lookup";
import { rotateSecret, updateSecretRotationPolicy } from "./kms-rotate";
import { rotateDue } from "./kms-rotation-engine";
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
  beforeAction(ctx) {
    purgeExpiredSecrets(ctx);
    rotateDue(ctx);
  },
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
    RotateSecret: rotateSecret,
    UpdateSecretRotationPolicy: updateSecretRotationPolicy,
    GetKmsInstanceQuotaInfos: getKmsInstanceQuotaInfos,
    CreateKey: createKey,
    DescribeKey: describeKey,
    ListKeyVersions: listKeyVersions,
    GetPublicKey: getPublicKey,
    AsymmetricSign: asymmetricSign,
    AsymmetricVerify: asymmetricVerify,
  },
};
