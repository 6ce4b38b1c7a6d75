import { ManagedSecretsError } from "../core/errors";
import type { ConfigSource } from "../core/config-source";
import { credentialsSdk, openApiCore } from "./sdk-modules";

/**
 * Where Alibaba Cloud calls go and who signs them, from stack config first and
 * the environment second. Credentials follow Alibaba's own conventions through
 * @alicloud/credentials: an explicit AccessKey pair (optionally with an STS
 * token) when one is given, else its default chain (environment, profile
 * files, ECS RAM role, OIDC in Function Compute / ACK).
 *
 * `endpoint` overrides every product's endpoint (the local emulator);
 * without it each client uses the product's regional public endpoint.
 */

export interface CloudSettings {
  readonly regionId: string;
  /** "host:port" for every product (the emulator), or undefined for the real endpoints. */
  readonly endpoint?: string;
  /** Only with an endpoint override: the emulator speaks plain http. */
  readonly protocol: "https" | "http";
  readonly accessKeyId?: string;
  readonly accessKeySecret?: string;
  readonly securityToken?: string;
}

export const CLOUD_CONFIG_KEYS = {
  region: ["managed-secrets:region", "alicloud:region"],
  endpoint: ["managed-secrets:endpoint"],
  accessKeyId: ["managed-secrets:accessKeyId", "alicloud:accessKey"],
  accessKeySecret: ["managed-secrets:accessKeySecret", "alicloud:secretKey"],
  securityToken: ["managed-secrets:securityToken", "alicloud:securityToken"],
} as const;

const ENV = {
  region: ["ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"],
  endpoint: ["MANAGED_SECRETS_ENDPOINT"],
  accessKeyId: ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"],
  accessKeySecret: ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"],
  securityToken: ["ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"],
} as const;

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;
const ENDPOINT = /^([A-Za-z0-9.-]+|\[::1\])(:\d{1,5})?$/;
const IPV4_OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/**
 * Plain http is only safe where the bytes cannot leave the machine, and a name
 * is resolved by DNS: "127.attacker.example" or "localhost.attacker.example"
 * may point anywhere. So only literals qualify: a 127.0.0.0/8 dotted quad
 * (no leading zeros, which some resolvers read as octal), localhost itself, [::1].
 */
const LOOPBACK_HOST = new RegExp(`^(127(\\.${IPV4_OCTET}){3}|localhost|\\[::1\\])$`, "i");

export function isLoopbackEndpoint(endpoint: string): boolean {
  return LOOPBACK_HOST.test(endpoint.replace(/:\d{1,5}$/, ""));
}

export function resolveCloudSettings(sources: { env: NodeJS.ProcessEnv; config?: ConfigSource }): CloudSettings {
  const pick = (key: keyof typeof ENV): { value?: string; from: string } => {
    for (const k of CLOUD_CONFIG_KEYS[key]) {
      const v = sources.config?.get(k);
      if (v) return { value: v, from: `stack config ${k}` };
    }
    for (const k of ENV[key]) {
      const v = sources.env[k];
      if (v) return { value: v, from: k };
    }
    return { from: [...CLOUD_CONFIG_KEYS[key], ...ENV[key]].join(" / ") };
  };
  const region = pick("region");
  if (!region.value) {
    throw new ManagedSecretsError("CloudConfig", `no Alibaba Cloud region is set: set ${region.from}`, { property: "region" });
  }
  if (!REGION.test(region.value)) {
    throw new ManagedSecretsError("InvalidInput", `${region.from} must be a region id like cn-hangzhou`, { property: "region" });
  }
  const endpoint = pick("endpoint");
  if (endpoint.value && !ENDPOINT.test(endpoint.value)) {
    throw new ManagedSecretsError("InvalidInput", `${endpoint.from} must be host or host:port (no scheme), e.g. 127.0.0.1:8090`, { property: "endpoint" });
  }
  const id = pick("accessKeyId");
  const secret = pick("accessKeySecret");
  if (Boolean(id.value) !== Boolean(secret.value)) {
    throw new ManagedSecretsError("CloudConfig", `an AccessKey needs both its id and its secret: set ${id.value ? secret.from : id.from}`, { property: "accessKeySecret" });
  }
  const local = endpoint.value !== undefined && isLoopbackEndpoint(endpoint.value);
  return {
    regionId: region.value,
    ...(endpoint.value ? { endpoint: endpoint.value } : {}),
    protocol: local ? "http" : "https",
    ...(id.value ? { accessKeyId: id.value, accessKeySecret: secret.value } : {}),
    ...(pick("securityToken").value ? { securityToken: pick("securityToken").value } : {}),
  };
}

/**
 * An @alicloud/openapi-core Config for one product. `defaultEndpoint` is used
 * when no override is set (e.g. "ram.aliyuncs.com", "kms.cn-hangzhou.aliyuncs.com").
 */
export function openApiConfig(settings: CloudSettings, defaultEndpoint: string): import("@alicloud/openapi-core").$OpenApiUtil.Config {
  const { $OpenApiUtil } = openApiCore();
  const { default: CredentialClass, Config: CredentialConfig } = credentialsSdk();
  const credential = settings.accessKeyId
    ? new CredentialClass(
        new CredentialConfig(
          settings.securityToken
            ? { type: "sts", accessKeyId: settings.accessKeyId, accessKeySecret: settings.accessKeySecret, securityToken: settings.securityToken }
            : { type: "access_key", accessKeyId: settings.accessKeyId, accessKeySecret: settings.accessKeySecret },
        ),
      )
    : new CredentialClass();
  return new $OpenApiUtil.Config({
    credential,
    regionId: settings.regionId,
    endpoint: settings.endpoint ?? defaultEndpoint,
    protocol: settings.protocol,
    connectTimeout: 5_000,
    readTimeout: 30_000,
  });
}
