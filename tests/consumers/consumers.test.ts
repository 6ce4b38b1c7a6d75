import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import Kms, * as $Kms from "@alicloud/kms20160120";
import { Config as RpcConfig } from "@alicloud/rpc-client";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";
import { generatePassword } from "../../provider/credentials/generate-password";
import { encodeEcsValue } from "../../provider/targets/ecs-host/ecs-value";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import type { RotationTarget } from "../../provider/rotation/rotation-target";
import { targetRegistry, targetFromMetadata } from "../../provider/context/runtime-context";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import {
  ConsumerProcess,
  goConsumer,
  pythonConsumer,
  skipUnlessCi,
  tlsFront,
  type ConsumerReport,
  type SecretView,
} from "./consumer-setup";

/**
 * Applications that read our secrets through clients no one on this project
 * wrote: the secrets are written and rotated by the product's kms store and
 * rotation protocol on the emulator, and each client must read every field
 * KMS's own managed ECS and RAM secrets carry, then the new value after a
 * rotation, within the refresh behaviour its code documents.
 *
 * The consumer programs print SHA-256 digests of the fields, never values.
 */

const ECS_PASSWORD = "ecs/i-consumer/root";
const ECS_KEY_PAIR = "ecs/i-consumer/deploy";
const RAM_USER = "consumer-app";
/** Scheduled for deletion: every client must get KMS's own refusal for it. */
const PENDING_DELETION = "ecs/i-consumer/retired";
const IN_DELETE_WINDOW = "Rejected.ResourceInDeleteWindow";

/**
 * The ECS host is not what these tests are about (tests/resources/ecs-secret rotate real sshd):
 * a target that accepts what it is given, generating values with the
 * product's own generators, keeps the suite fast.
 */
function acceptingTarget(generate: () => Promise<string>): RotationTarget {
  return {
    accepts: async () => true,
    apply: async () => undefined,
    test: async () => ({ close: () => undefined }),
    retire: async () => undefined,
    generate,
  };
}

const newPassword = async () => encodeEcsValue({ UserName: "root", Password: generatePassword() });
const newKeyPair = async () => {
  const kp = await generateKeyPair();
  return encodeEcsValue({ UserName: "deploy", PublicKey: kp.publicKey, PrivateKey: kp.privateKey });
};

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

describe("consumers: Alibaba's own clients read kms-store secrets and follow rotation (emulator)", function () {
  this.timeout(60_000);
  let kms: KmsEmulatorStore;
  let ctx: RuntimeContext;
  let ramSecret: string;
  let names: string[];

  /** What a client must see: the current version and a digest per field of its JSON. */
  async function expected(): Promise<Record<string, SecretView>> {
    const out: Record<string, SecretView> = {};
    for (const name of names) {
      const v = await kms.store.getValue(name);
      const fields = Object.fromEntries(Object.entries(JSON.parse(v.value) as Record<string, string>).map(([k, x]) => [k, sha256(x)]));
      out[name] = { versionId: v.versionId, secretDataType: "text", fields };
    }
    return out;
  }

  async function rotateAll(): Promise<void> {
    const clock = () => new Date();
    await rotateSecret({ store: kms.store, name: ECS_PASSWORD, target: acceptingTarget(newPassword), owner: "consumer-test", clock });
    await rotateSecret({ store: kms.store, name: ECS_KEY_PAIR, target: acceptingTarget(newKeyPair), owner: "consumer-test", clock });
    const meta = await kms.store.describeSecret(ramSecret);
    assert.ok(meta);
    await rotateSecret({ store: kms.store, name: ramSecret, target: targetFromMetadata(meta, ctx), owner: "consumer-test", clock });
  }

  function assertSees(report: ConsumerReport, phase: string, want: Record<string, SecretView>, client: string): void {
    assert.equal(report.phase, phase);
    for (const name of names) {
      assert.deepEqual(report.secrets[name], want[name], `${client} ${phase}: ${name}`);
    }
    const fields = names.map((n) => Object.keys(report.secrets[n]?.fields ?? {}).sort().join(","));
    assert.deepEqual(fields.sort(), [
      "AccessKeyId,AccessKeySecret,ExpireTimestamp,GenerateTimestamp",
      "Password,UserName",
      "PrivateKey,PublicKey,UserName",
    ]);
  }

  before(async function () {
    kms = await startKmsEmulatorStore();
    ctx = { store: kms.store, clock: () => new Date(), targets: targetRegistry(), owner: "consumer-test", cloud: () => kms.cloud };
    await kms.store.createSecret({ name: ECS_PASSWORD, description: "", metadata: {}, versionId: "v1", value: await newPassword() });
    await kms.store.createSecret({ name: ECS_KEY_PAIR, description: "", metadata: {}, versionId: "v1", value: await newKeyPair() });
    kms.emulator.control.createUser({ name: RAM_USER });
    const key = kms.emulator.control.createAccessKey(RAM_USER);
    ramSecret = (
      await ram.create(
        { userName: RAM_USER, initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret, rotationPeriod: "7d", previousKeyAction: "deactivate" },
        ctx,
      )
    ).id;
    names = [ECS_PASSWORD, ECS_KEY_PAIR, ramSecret].sort();
    await kms.store.createSecret({ name: PENDING_DELETION, description: "", metadata: {}, versionId: "v1", value: await newPassword() });
    await kms.store.deleteSecret(PENDING_DELETION, { recoveryWindowDays: 7 });
  });
  after(async () => kms?.dispose());

  it("Node @alicloud/kms20160120 1.x (RPC HMAC-SHA1, http endpoint option): GetSecretValue, new value on the next call after rotation", async () => {
    const client = new Kms(
      new RpcConfig({
        endpoint: kms.emulator.endpoint,
        protocol: "http",
        regionId: kms.emulator.regionId,
        accessKeyId: kms.emulator.accessKeyId,
        accessKeySecret: kms.emulator.accessKeySecret,
      }),
    );
    // No cache in this client: each GetSecretValue is a call, so an app sees a rotation on its next read.
    const read = async (phase: string): Promise<ConsumerReport> => {
      const secrets: Record<string, SecretView> = {};
      for (const name of names) {
        const res = await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: name, versionStage: "ACSCurrent" }));
        const parsed = JSON.parse(res.secretData) as Record<string, string>;
        secrets[name] = {
          versionId: res.versionId,
          secretDataType: res.secretDataType,
          fields: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, sha256(v)])),
        };
      }
      return { phase, secrets };
    };
    const before = await expected();
    assertSees(await read("initial"), "initial", before, "node");
    await rotateAll();
    const after = await expected();
    for (const name of names) assert.notEqual(after[name]?.versionId, before[name]?.versionId, name);
    assertSees(await read("refreshed"), "refreshed", after, "node");
    const refused = await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: PENDING_DELETION })).then(
      () => assert.fail("a secret pending deletion was read"),
      (e: { code?: string; message?: string }) => e,
    );
    // rpc-client puts the service's Code (plus "Error") in code, and the HTTP status in the message.
    assert.equal(refused.code, `${IN_DELETE_WINDOW}Error`);
    assert.match(refused.message ?? "", /code: 409, The secret is planned to be deleted\./);
  });

  it("Python alibabacloud-secretsmanager-client-v2 (ACS3, https only: through a loopback TLS front): cached until refresh_now, then the new value", async function () {
    await cacheClient(this, "python", async () => [await pythonConsumer(), [join(__dirname, "python", "consumer.py")]], (certPath) => ({
      // The client hard-codes https and verifies with certifi unless told otherwise; requests honours this.
      REQUESTS_CA_BUNDLE: certPath,
      SSL_CERT_FILE: certPath,
    }));
  });

  it("Go aliyun-secretsmanager-client-go (legacy SDK, RPC HMAC-SHA1, https only: through a loopback TLS front): cached until RefreshNow, then the new value", async function () {
    // The client skips certificate checks (SetHTTPSInsecure(true)), so it needs no CA.
    await cacheClient(this, "go", async () => [await goConsumer(), []], () => ({}));
  });

  /** Installs (or reuses) a cache client, starts it against a TLS front on the emulator, and follows one rotation. */
  async function cacheClient(
    test: Mocha.Context,
    client: string,
    install: () => Promise<[string, string[]]>,
    tlsEnv: (certPath: string) => Record<string, string>,
  ): Promise<void> {
    test.timeout(15 * 60_000);
    let command: [string, string[]];
    try {
      command = await install();
    } catch (e) {
      skipUnlessCi(test, e);
    }
    const front = await tlsFront(kms.emulator.port);
    const consumer = new ConsumerProcess(command[0], command[1], {
      CONSUMER_ENDPOINT: front.endpoint,
      CONSUMER_REGION: kms.emulator.regionId,
      CONSUMER_AK_ID: kms.emulator.accessKeyId,
      CONSUMER_AK_SECRET: kms.emulator.accessKeySecret,
      CONSUMER_SECRETS: [...names, PENDING_DELETION].join(","),
      ...tlsEnv(front.certPath),
    });
    try {
      await cachedThenRefreshed(consumer, client);
    } finally {
      await consumer.stop();
      await front.close();
    }
  }

  /** Both cache clients keep a value for its TTL (default 1 h) and re-read it on an explicit refresh. */
  async function cachedThenRefreshed(consumer: ConsumerProcess, client: string): Promise<void> {
    const before = await expected();
    assertSees(await consumer.next(), "initial", before, client);
    await rotateAll();
    const after = await expected();
    assertSees(await consumer.send("cached"), "cached", before, client);
    const refreshed = await consumer.send("refresh");
    assertSees(refreshed, "refreshed", after, client);
    assert.match(refreshed.secrets[PENDING_DELETION]?.error ?? "", new RegExp(IN_DELETE_WINDOW.replace(".", "\\.")), `${client}: ${PENDING_DELETION}: ${refreshed.secrets[PENDING_DELETION]?.error}`);
  }
});
