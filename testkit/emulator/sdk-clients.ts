import Ecs from "@alicloud/ecs20140526";
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
