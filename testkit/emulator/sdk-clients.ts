import Ecs from "@alicloud/ecs20140526";
import Kms from "@alicloud/kms20160120";
import { Config as RpcConfig } from "@alicloud/rpc-client";
import { RuntimeOptions } from "@alicloud/tea-util";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import Ram from "@alicloud/ram20150501";
import Sts from "@alicloud/sts20150401";
import type { EmulatorHandle } from "../../emulator";

/**
 * Tests reach the emulator only the way the product will: through the real
 * SDK clients over HTTP, with ACS3 signing. These helpers build them.
 */

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export function sdkConfig(emu: EmulatorHandle, creds: Credentials = emu, extra: Record<string, unknown> = {}) {
  return new $OpenApiUtil.Config({
    endpoint: emu.endpoint,
    protocol: "http",
    regionId: emu.regionId,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    ...extra,
  });
}

export const ramClient = (emu: EmulatorHandle, creds?: Credentials) => new Ram(sdkConfig(emu, creds));
export const stsClient = (emu: EmulatorHandle, creds?: Credentials) => new Sts(sdkConfig(emu, creds));
export const ecsClient = (emu: EmulatorHandle, creds?: Credentials) => new Ecs(sdkConfig(emu, creds));

/** The real legacy @alicloud/kms20160120 1.x client (rpc-client, HMAC-SHA1 signatures), the only KMS client on npm here. */
export const kmsClient = (emu: EmulatorHandle, creds: Credentials = emu) =>
  new Kms(new RpcConfig({ endpoint: emu.endpoint, protocol: "http", regionId: emu.regionId, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret }));

/**
 * Any KMS action through that client's own request path (doRequest: its
 * signing, its error handling). Its typed models predate the managed secret
 * types (RotateSecret, UpdateSecretRotationPolicy, SecretType, ExtendedConfig),
 * so the parameters are sent as the API names them and the raw body returned.
 */
export async function kmsRequest(
  emu: EmulatorHandle,
  action: string,
  query: Readonly<Record<string, string | number | boolean>>,
  creds?: Credentials,
): Promise<Record<string, unknown>> {
  const params = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return (await kmsClient(emu, creds).doRequest(action, "HTTPS", "POST", "2016-01-20", "AK", params, {}, new RuntimeOptions({}))) as Record<string, unknown>;
}
