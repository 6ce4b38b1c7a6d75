import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import Kms, * as $Kms from "@alicloud/kms20160120";
import * as $Ram from "@alicloud/ram20150501";
import { Config as RpcConfig } from "@alicloud/rpc-client";
import RpcUtil from "@alicloud/rpc-util";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { kmsCall } from "../support/emulator-helpers";
import { ramClient, type Credentials } from "../../testkit/emulator/sdk-clients";

/**
 * The legacy RPC signature (HMAC-SHA1, SignatureVersion 1.0) as the real
 * @alicloud/kms20160120 1.x client (rpc-client) sends it. Hand-built requests
 * are signed with rpc-client's own signer (@alicloud/rpc-util getSignatureV1),
 * so every request here is signed by Alibaba's code, not ours.
 */

interface TeaError {
  code?: string;
  message?: string;
  data?: { Code?: string; Message?: string; statusCode?: number };
}

const legacyKms = (emu: EmulatorHandle, creds: Credentials = emu) =>
  new Kms(
    new RpcConfig({
      endpoint: emu.endpoint,
      protocol: "http",
      regionId: emu.regionId,
      accessKeyId: creds.accessKeyId,
      accessKeySecret: creds.accessKeySecret,
    }),
  );

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    const err = e as TeaError;
    return { code: String(err.data?.Code), message: String(err.data?.Message ?? err.message) };
  }
  assert.fail("the call succeeded");
}

/** A raw RPC request, signed by rpc-util, so timestamp and nonce can be chosen. */
async function rawRpc(
  emu: EmulatorHandle,
  params: Record<string, string>,
  opts: { creds?: Credentials; method?: "GET" | "POST"; timestamp?: string; nonce?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const creds = opts.creds ?? emu;
  const method = opts.method ?? "POST";
  const query: Record<string, string> = {
    Format: "json",
    Version: "2016-01-20",
    Timestamp: opts.timestamp ?? RpcUtil.getTimestamp(),
    SignatureNonce: opts.nonce ?? randomUUID(),
    SignatureMethod: "HMAC-SHA1",
    SignatureVersion: "1.0",
    AccessKeyId: creds.accessKeyId,
    ...params,
  };
  query.Signature = RpcUtil.getSignatureV1(query, method, creds.accessKeySecret);
  const res = await fetch(`http://${emu.endpoint}/?${new URLSearchParams(query).toString()}`, { method });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("emulator: RPC HMAC-SHA1 signatures (legacy @alicloud/kms20160120)", () => {
  let emu: EmulatorHandle;
  let alice: Credentials;
  const secretName = "rpc-sig-test";
  const secretValue = "s3cr3t value with spaces & symbols ~*'()!";

  before(async () => {
    emu = await startEmulator();
    emu.control.createUser({ name: "alice" });
    alice = emu.control.createAccessKey("alice");
    await kmsCall(emu, "CreateSecret", { SecretName: secretName, SecretData: secretValue, VersionId: "v1" });
  });
  after(() => emu.stop());

  it("serves GetSecretValue to the real client, signed with HMAC-SHA1 over the query and form body", async () => {
    const res = await legacyKms(emu).getSecretValue(new $Kms.GetSecretValueRequest({ secretName }));
    assert.equal(res.secretData, secretValue);
    assert.equal(res.versionId, "v1");
    assert.deepEqual(res.versionStages.versionStage, ["ACSCurrent"]);
  });

  it("writes through the real client too (PutSecretValue, every value in the signed query)", async () => {
    await legacyKms(emu).putSecretValue(
      new $Kms.PutSecretValueRequest({ secretName, secretData: `${secretValue}+2`, versionId: "v2", versionStages: '["ACSCurrent"]' }),
    );
    const res = await legacyKms(emu).getSecretValue(new $Kms.GetSecretValueRequest({ secretName }));
    assert.equal(res.secretData, `${secretValue}+2`);
  });

  it("accepts GET with the signature over the query, as the legacy Go and Python SDKs send it", async () => {
    const res = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { method: "GET" });
    assert.equal(res.status, 200, JSON.stringify(res.body.Code));
    assert.equal(res.body.SecretName, secretName);
  });

  it("refuses a wrong secret with SignatureDoesNotMatch and echoes no parameter value", async () => {
    const err = await refusal(
      legacyKms(emu, { accessKeyId: emu.accessKeyId, accessKeySecret: "not-the-secret" }).putSecretValue(
        new $Kms.PutSecretValueRequest({ secretName, secretData: "leak-me-not", versionId: "v3" }),
      ),
    );
    assert.equal(err.code, "SignatureDoesNotMatch");
    assert.match(err.message, /^Specified signature is not matched with our calculation\./);
    assert.ok(!err.message.includes("leak-me-not") && !err.message.includes(emu.accessKeySecret));
  });

  it("refuses a request whose signed parameters were altered in transit", async () => {
    const query = { Action: "GetSecretValue", SecretName: secretName };
    const signedFor = { ...query, SecretName: "other" };
    const base = {
      Format: "json", Version: "2016-01-20", Timestamp: RpcUtil.getTimestamp(), SignatureNonce: randomUUID(),
      SignatureMethod: "HMAC-SHA1", SignatureVersion: "1.0", AccessKeyId: emu.accessKeyId,
    };
    const Signature = RpcUtil.getSignatureV1({ ...base, ...signedFor }, "POST", emu.accessKeySecret);
    const res = await fetch(`http://${emu.endpoint}/?${new URLSearchParams({ ...base, ...query, Signature })}`, { method: "POST" });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { Code: string }).Code, "SignatureDoesNotMatch");
  });

  it("refuses an unknown key (404) and an Inactive key, and accepts the key again once Active", async () => {
    const unknown = await refusal(
      legacyKms(emu, { accessKeyId: "LTAI5tNoSuchKeyAnywhere1", accessKeySecret: "x" }).getSecretValue(
        new $Kms.GetSecretValueRequest({ secretName }),
      ),
    );
    assert.deepEqual(unknown, { code: "InvalidAccessKeyId.NotFound", message: "Specified access key is not found." });

    const ram = ramClient(emu);
    await ram.updateAccessKey(
      new $Ram.UpdateAccessKeyRequest({ userName: "alice", userAccessKeyId: alice.accessKeyId, status: "Inactive" }),
    );
    const inactive = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { creds: alice });
    assert.deepEqual([inactive.status, inactive.body.Code], [400, "InvalidAccessKeyId.Inactive"]);
    await ram.updateAccessKey(
      new $Ram.UpdateAccessKeyRequest({ userName: "alice", userAccessKeyId: alice.accessKeyId, status: "Active" }),
    );
    // Active again: now only authorization stands between alice and the secret.
    const active = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { creds: alice });
    assert.notEqual(active.body.Code, "InvalidAccessKeyId.Inactive");
  });

  it("refuses a Timestamp more than 15 minutes off, or not in ISO 8601 UTC", async () => {
    const old = new Date(Date.now() - 16 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const future = new Date(Date.now() + 16 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const timestamp of [old, future]) {
      const res = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { timestamp });
      assert.deepEqual([res.status, res.body.Code], [400, "InvalidTimeStamp.Expired"]);
    }
    const bad = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { timestamp: "yesterday" });
    assert.deepEqual([bad.status, bad.body.Code], [400, "InvalidTimeStamp.Format"]);
  });

  it("refuses a replayed SignatureNonce", async () => {
    const nonce = randomUUID();
    const first = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { nonce });
    assert.equal(first.status, 200);
    const again = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName }, { nonce });
    assert.deepEqual([again.status, again.body.Code], [400, "SignatureNonceUsed"]);
  });

  it("refuses other signature methods and versions, and missing signature parameters", async () => {
    const sha256 = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName, SignatureMethod: "HMAC-SHA256" });
    assert.equal(sha256.body.Code, "InvalidSignatureMethod");
    const v2 = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName, SignatureVersion: "2.0" });
    assert.equal(v2.body.Code, "InvalidSignatureVersion");
    const noNonce = await rawRpc(emu, { Action: "GetSecretValue", SecretName: secretName, SignatureNonce: "" });
    assert.equal(noNonce.body.Code, "MissingSignatureNonce");
  });

  it("refuses an x-acs-action header that differs from the signed Action", async () => {
    const base = {
      Action: "GetSecretValue", SecretName: secretName, Format: "json", Version: "2016-01-20",
      Timestamp: RpcUtil.getTimestamp(), SignatureNonce: randomUUID(), SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0", AccessKeyId: emu.accessKeyId,
    };
    const Signature = RpcUtil.getSignatureV1(base, "POST", emu.accessKeySecret);
    const res = await fetch(`http://${emu.endpoint}/?${new URLSearchParams({ ...base, Signature })}`, {
      method: "POST",
      headers: { "x-acs-action": "DeleteSecret" },
    });
    assert.equal(((await res.json()) as { Code: string }).Code, "IncompleteSignature");
  });
});
