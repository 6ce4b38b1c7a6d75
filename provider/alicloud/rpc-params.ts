import type { $OpenApiUtil } from "@alicloud/openapi-core";
import { openApiCore } from "./sdk-modules";

/**
 * How the product calls RPC-style APIs through openapi-core's generic
 * callApi (KMS, CloudMonitor): POST /, form body, JSON answer, signed with
 * the configured credential.
 */
export function rpcPostParams(action: string, version: string): $OpenApiUtil.Params {
  const { $OpenApiUtil: util } = openApiCore();
  return new util.Params({
    action,
    version,
    protocol: "HTTPS",
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  });
}
