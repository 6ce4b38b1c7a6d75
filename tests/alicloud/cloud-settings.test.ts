import { strict as assert } from "node:assert";
import { CLOUD_CONFIG_KEYS, openApiConfig, resolveCloudSettings } from "../../provider/alicloud/cloud-settings";
import { createRamClient } from "../../provider/alicloud/ram-client";
import { configureFromStack, resetStackConfig, runtimeContext } from "../../provider/context/runtime-context";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectError } from "../support/expect-error";

const SECRET = "Env-Secret-Value-0123456789abcd";
const config = (values: Record<string, string>) => ({ get: (k: string) => values[k] });

describe("cloud settings: region, endpoint and admin credentials from stack config or the environment", () => {
  it("stack config wins over the environment, key by key; the managed-secrets: keys win over the alicloud: ones", () => {
    const env = { ALIBABA_CLOUD_REGION_ID: "cn-shanghai", ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAIenv", ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET, MANAGED_SECRETS_ENDPOINT: "127.0.0.1:9" };
    const settings = resolveCloudSettings({
      env,
      config: config({ "managed-secrets:region": "cn-beijing", "alicloud:region": "cn-shenzhen", "alicloud:accessKey": "LTAIcfg", "alicloud:secretKey": "cfg-secret" }),
    });
    assert.deepEqual(settings, { regionId: "cn-beijing", endpoint: "127.0.0.1:9", protocol: "http", accessKeyId: "LTAIcfg", accessKeySecret: "cfg-secret" });
  });

  it("the environment alone is enough, with Alibaba's names or the legacy ALICLOUD_ ones", () => {
    assert.deepEqual(resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou", ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAIa", ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET } }), {
      regionId: "cn-hangzhou", protocol: "https", accessKeyId: "LTAIa", accessKeySecret: SECRET,
    });
    assert.deepEqual(resolveCloudSettings({ env: { ALICLOUD_REGION: "ap-southeast-1", ALICLOUD_ACCESS_KEY: "LTAIb", ALICLOUD_SECRET_KEY: SECRET, ALICLOUD_SECURITY_TOKEN: "tok" } }), {
      regionId: "ap-southeast-1", protocol: "https", accessKeyId: "LTAIb", accessKeySecret: SECRET, securityToken: "tok",
    });
  });

  it("without an AccessKey the settings carry none (the @alicloud/credentials default chain applies)", () => {
    assert.deepEqual(resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou" } }), { regionId: "cn-hangzhou", protocol: "https" });
  });

  it("only a loopback endpoint override is spoken to over plain http", () => {
    const protocolFor = (endpoint: string) => resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou", MANAGED_SECRETS_ENDPOINT: endpoint } }).protocol;
    assert.deepEqual(["127.0.0.1:8090", "localhost:8090", "ram.example.internal", "10.0.0.8:80"].map(protocolFor), ["http", "http", "https", "https"]);
  });

  it("public names that merely start like loopback (127.attacker.example, localhost.attacker.example) get https; only loopback literals get http", () => {
    const protocolFor = (endpoint: string) => resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou", MANAGED_SECRETS_ENDPOINT: endpoint } }).protocol;
    const https = ["127.attacker.example", "127.attacker.example:8090", "localhost.attacker.example", "localhost.attacker.example:80", "localhost-x.example", "127.0.0.1.nip.io", "127.0.0.256", "127.1", "0127.0.0.1"];
    assert.deepEqual(https.map(protocolFor), https.map(() => "https"));
    const http = ["127.0.0.1", "127.255.254.3:9", "localhost", "LOCALHOST:8090", "[::1]:8790", "[::1]"];
    assert.deepEqual(http.map(protocolFor), http.map(() => "http"));
  });

  it("a missing region names every place it may come from", async () => {
    const e = await expectError(() => resolveCloudSettings({ env: {} }), "CloudConfig", { property: "region" });
    for (const source of [...CLOUD_CONFIG_KEYS.region, "ALIBABA_CLOUD_REGION_ID", "ALICLOUD_REGION"]) assert.ok(e.message.includes(source), source);
  });

  it("a malformed region or endpoint names the source and the form, not the value", async () => {
    const region = await expectError(() => resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "Hangzhou!" } }), "InvalidInput", { property: "region", message: /ALIBABA_CLOUD_REGION_ID must be a region id like cn-hangzhou/ });
    assert.ok(!region.message.includes("Hangzhou!"));
    await expectError(
      () => resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou" }, config: config({ "managed-secrets:endpoint": "http://127.0.0.1:1" }) }),
      "InvalidInput",
      { property: "endpoint", message: /stack config managed-secrets:endpoint must be host or host:port \(no scheme\)/ },
    );
  });

  it("half an AccessKey is refused, naming the missing half and never echoing the half given", async () => {
    const onlySecret = await expectError(() => resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou", ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET } }), "CloudConfig", {
      property: "accessKeySecret",
      message: /needs both its id and its secret: set managed-secrets:accessKeyId/,
    });
    assert.ok(!onlySecret.message.includes(SECRET));
    await expectError(() => resolveCloudSettings({ env: { ALIBABA_CLOUD_REGION_ID: "cn-hangzhou", ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAIx" } }), "CloudConfig", {
      message: /set managed-secrets:accessKeySecret/,
    });
  });

  it("configure() keeps only our keys from stack config, and ctx.cloud() resolves from them first", () => {
    try {
      configureFromStack(config({ "managed-secrets:region": "cn-qingdao", "managed-secrets:endpoint": "127.0.0.1:7", "other:region": "us-west-1" }));
      const ctx = runtimeContext({ env: { MANAGED_SECRETS_PASSPHRASE: "p", ALIBABA_CLOUD_REGION_ID: "cn-hangzhou" } });
      assert.deepEqual(ctx.cloud(), { regionId: "cn-qingdao", endpoint: "127.0.0.1:7", protocol: "http" });
    } finally {
      resetStackConfig();
    }
  });

  describe("openApiConfig: what the SDK clients are built from", () => {
    let emu: EmulatorHandle;
    before(async () => {
      emu = await startEmulator();
      emu.control.createUser({ name: "probe" });
    });
    after(() => emu?.stop());

    it("points at the override with http, else at the product's public endpoint with https, with the region and timeouts", () => {
      const local = openApiConfig({ regionId: "cn-hangzhou", endpoint: "127.0.0.1:1234", protocol: "http" }, "ram.aliyuncs.com");
      assert.deepEqual([local.endpoint, local.protocol, local.regionId], ["127.0.0.1:1234", "http", "cn-hangzhou"]);
      const real = openApiConfig({ regionId: "cn-beijing", protocol: "https", accessKeyId: "LTAIx", accessKeySecret: SECRET }, "kms.cn-beijing.aliyuncs.com");
      assert.deepEqual([real.endpoint, real.protocol, real.regionId, real.connectTimeout, real.readTimeout], ["kms.cn-beijing.aliyuncs.com", "https", "cn-beijing", 5_000, 30_000]);
      assert.equal(real.accessKeySecret, undefined, "the pair lives in the credential provider, not in the config's own fields");
    });

    it("signs real calls with an explicit pair (a wrong secret is refused with the gateway's code)", async () => {
      const ok = createRamClient(openApiConfig({ regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret }, "ram.aliyuncs.com"));
      assert.equal((await ok.getUser("probe")).userName, "probe");
      const wrong = createRamClient(openApiConfig({ regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: "not-the-secret" }, "ram.aliyuncs.com"));
      await expectError(wrong.getUser("probe"), "CloudConfig", { message: /RAM GetUser failed: SignatureDoesNotMatch \(HTTP 400/ });
    });

    it("an STS token travels with the pair as an sts credential", async () => {
      const withToken = openApiConfig({ regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http", accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, securityToken: "token-1" }, "ram.aliyuncs.com");
      const credential = await withToken.credential!.getCredential();
      assert.deepEqual([credential.accessKeyId, credential.securityToken, credential.type], [emu.accessKeyId, "token-1", "sts"]);
    });

    it("without a pair, the credentials default chain reads ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET", async () => {
      const saved = { id: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID, secret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET };
      process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = emu.accessKeyId;
      process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = emu.accessKeySecret;
      try {
        const client = createRamClient(openApiConfig({ regionId: emu.regionId, endpoint: emu.endpoint, protocol: "http" }, "ram.aliyuncs.com"));
        assert.equal((await client.getUser("probe")).userName, "probe");
      } finally {
        for (const [k, v] of [["ALIBABA_CLOUD_ACCESS_KEY_ID", saved.id], ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", saved.secret]] as const) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });
  });
});
