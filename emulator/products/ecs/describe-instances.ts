import { gatewayErrors } from "../../gateway/gateway-errors";
import type { InstanceRecord } from "../../state/state-types";
import { optional, pageParams, paginate } from "../../gateway/params";
import type { ActionSpec } from "../../gateway/product";
import { DESCRIBE_INSTANCES_MAX_IDS, DESCRIBE_PAGE_SIZE_MAX, ecsErrors } from "./ecs-errors";

/** InstanceIds is a JSON array *string*, e.g. ["i-1","i-2"]; anything else is malformed. */
function parseInstanceIds(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw ecsErrors.instanceIdsMalformed();
  }
  if (!Array.isArray(parsed) || parsed.length > DESCRIBE_INSTANCES_MAX_IDS || !parsed.every((v) => typeof v === "string")) {
    throw ecsErrors.instanceIdsMalformed();
  }
  return parsed;
}

function instanceView(i: InstanceRecord) {
  return {
    InstanceId: i.instanceId,
    InstanceName: i.instanceName,
    HostName: i.hostName,
    RegionId: i.regionId,
    ZoneId: i.zoneId,
    Status: i.status,
    OSType: i.osType,
    OSName: i.osType === "linux" ? "Debian 12 64 bit" : "Windows Server 2022",
    InstanceType: "ecs.g7.large",
    InstanceNetworkType: "vpc",
    Cpu: 2,
    Memory: 8192,
    CreationTime: i.creationTime.replace(/:\d{2}Z$/, "Z"),
    KeyPairName: i.keyPairName ?? "",
    PublicIpAddress: { IpAddress: i.publicIp ? [i.publicIp] : [] },
    InnerIpAddress: { IpAddress: [] },
    EipAddress: { IpAddress: "", AllocationId: "", InternetChargeType: "" },
    VpcAttributes: {
      VpcId: "vpc-emulator",
      VSwitchId: "vsw-emulator",
      NatIpAddress: "",
      PrivateIpAddress: { IpAddress: [i.privateIp] },
    },
  };
}

export const describeInstances: ActionSpec = {
  required: ["RegionId"],
  handle(ctx) {
    const ids = parseInstanceIds(optional(ctx.params, "InstanceIds"));
    const status = optional(ctx.params, "Status");
    const { pageNumber, pageSize } = pageParams(ctx.params, { min: 1, max: DESCRIBE_PAGE_SIZE_MAX, default: 10 }, gatewayErrors.invalidParameter);
    const matches = Object.values(ctx.state.data.instances)
      .filter((i) => i.regionId === ctx.params.RegionId)
      .filter((i) => !ids || ids.includes(i.instanceId))
      .filter((i) => !status || i.status === status)
      .sort((a, b) => a.creationTime.localeCompare(b.creationTime));
    return {
      TotalCount: matches.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Instances: { Instance: paginate(matches, pageNumber, pageSize).map(instanceView) },
    };
  },
};
