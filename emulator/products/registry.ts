import { cmsProduct } from "./cms/cms";
import { ecsProduct } from "./ecs/ecs";
import { kmsProduct } from "./kms/kms";
import type { ProductSpec } from "../gateway/product";
import { ramProduct } from "./ram/ram";
import { stsProduct } from "./sts/sts";

/**
 * One endpoint serves every product, so the API version is what tells them
 * apart (the real service also routes by host name).
 */
const PRODUCTS: readonly ProductSpec[] = [ramProduct, stsProduct, ecsProduct, kmsProduct, cmsProduct];

export function productForVersion(version: string): ProductSpec | undefined {
  return PRODUCTS.find((p) => p.version === version);
}
