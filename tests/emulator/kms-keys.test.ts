import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClientError } from "@alicloud/openapi-core";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

/**
 * KMS keys through the real SDK (openapi-core's generic callApi, ACS3
 * signing), as the kms store calls them: a signature the emulator makes over
 * a digest verifies with Node's own crypto over the whole message, and only
 * a principal allowed kms:AsymmetricSign on the key's ARN gets one.
 */
describe("emulator: KMS keys (CreateKey, DescribeKey, ListKeyVersions, GetPublicKey, AsymmetricSign, AsymmetricVerify)", () => {
  let emu: EmulatorHandle;
  let signer: { keyId: string; keyVersionId: string };

  before(async () => {
    emu = await startEmulator();
    const created = (await kmsCall(emu, "CreateKey", { KeySpec: "EC_P256", KeyUsage: "SIGN/VERIFY", Description: "bindings" })).KeyMetadata as Record<string, string>;
    const versions = (await kmsCall(emu, "ListKeyVersions", { KeyId: created.KeyId! })).KeyVersions as { KeyVersion: { KeyVersionId: string }[] };
    signer = { keyId: created.KeyId!, keyVersionId: versions.KeyVersion[0]!.KeyVersionId };
  });
  after(() => emu.stop());

  it("CreateKey makes an EC_P256 SIGN/VERIFY key and DescribeKey reads it back; ListKeyVersions lists its one version", async () => {
    const meta = (await kmsCall(emu, "DescribeKey", { KeyId: signer.keyId })).KeyMetadata as Record<string, string>;
    assert.match(meta.KeyId!, /^key-[a-z0-9]{24}$/);
    assert.equal(meta.Arn, `acs:kms:${emu.regionId}:${emu.accountId}:key/${signer.keyId}`);
    assert.deepEqual([meta.KeySpec, meta.KeyUsage, meta.KeyState, meta.Description, meta.Creator], ["EC_P256", "SIGN/VERIFY", "Enabled", "bindings", emu.accountId]);
    assert.equal(meta.PrimaryKeyVersion, undefined, "documented for symmetric keys only");
    assert.equal((await kmsCall(emu, "DescribeKey", { KeyId: meta.Arn! })).KeyMetadata && true, true, "a key is named by its ARN too");
    const listed = await kmsCall(emu, "ListKeyVersions", { KeyId: signer.keyId, PageNumber: 1, PageSize: 10 });
    assert.equal(listed.TotalCount, 1);
    const [version] = (listed.KeyVersions as { KeyVersion: Record<string, string>[] }).KeyVersion;
    assert.equal(version!.KeyId, signer.keyId);
    assert.match(version!.KeyVersionId!, /^[0-9a-f-]{36}$/);
    assert.match(version!.CreationDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("AsymmetricSign signs the SHA-256 digest (DER ECDSA) so that GetPublicKey's PEM verifies the whole message; AsymmetricVerify agrees", async () => {
    const message = JSON.stringify(["a message", 1]);
    const signed = await kmsCall(emu, "AsymmetricSign", { KeyId: signer.keyId, KeyVersionId: signer.keyVersionId, Algorithm: "ECDSA_SHA_256", Digest: sha256(message) });
    assert.deepEqual([signed.KeyId, signed.KeyVersionId], [signer.keyId, signer.keyVersionId]);
    const signature = Buffer.from(String(signed.Value), "base64");
    assert.equal(signature[0], 0x30, "DER SEQUENCE");
    const pem = String((await kmsCall(emu, "GetPublicKey", { KeyId: signer.keyId, KeyVersionId: signer.keyVersionId })).PublicKey);
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    assert.equal(createPublicKey(pem).asymmetricKeyDetails?.namedCurve, "prime256v1");
    assert.equal(verify("sha256", Buffer.from(message), pem, signature), true);
    assert.equal(verify("sha256", Buffer.from(`${message} `), pem, signature), false);

    const check = (digest: string) => kmsCall(emu, "AsymmetricVerify", { KeyId: signer.keyId, KeyVersionId: signer.keyVersionId, Algorithm: "ECDSA_SHA_256", Digest: digest, Value: String(signed.Value) });
    assert.equal((await check(sha256(message))).Value, true);
    assert.equal((await check(sha256("another message"))).Value, false);
  });

  it("refuses what KMS refuses: an unknown spec or a usage the spec lacks, an unknown key, version or instance, a symmetric key asked to sign, a wrong algorithm or digest", async () => {
    const invalid = (name: string) => ({ code: "InvalidParameter", statusCode: 400, message: `The specified parameter "${name}" is not valid.` });
    await expectApiError(kmsCall(emu, "CreateKey", { KeySpec: "EC_P999" }), invalid("KeySpec"));
    await expectApiError(kmsCall(emu, "CreateKey", { KeySpec: "EC_P256", KeyUsage: "ENCRYPT/DECRYPT" }), invalid("KeyUsage"));
    await expectApiError(kmsCall(emu, "CreateKey", { KeySpec: "Aliyun_AES_256", KeyUsage: "SIGN/VERIFY" }), invalid("KeyUsage"));
    await expectApiError(kmsCall(emu, "CreateKey", { KeySpec: "EC_P256", DKMSInstanceId: "kst-nowhere" }), { code: "Forbidden.DKMSInstanceNotFound", statusCode: 403 });
    const aes = (await kmsCall(emu, "CreateKey", {})).KeyMetadata as Record<string, string>;
    assert.deepEqual([aes.KeySpec, aes.KeyUsage], ["Aliyun_AES_256", "ENCRYPT/DECRYPT"], "the defaults");
    assert.match(aes.PrimaryKeyVersion!, /^[0-9a-f-]{36}$/);
    const aesVersion = aes.PrimaryKeyVersion!;

    const sign = (params: Record<string, string>) => kmsCall(emu, "AsymmetricSign", { KeyId: signer.keyId, KeyVersionId: signer.keyVersionId, Algorithm: "ECDSA_SHA_256", Digest: sha256("x"), ...params });
    await expectApiError(sign({ KeyId: "key-doesnotexist000000000000" }), { code: "Forbidden.KeyNotFound", statusCode: 404, message: "The specified Key is not found." });
    await expectApiError(sign({ KeyId: "alias/bindings" }), { code: "Forbidden.AliasNotFound", statusCode: 404 });
    await expectApiError(sign({ KeyVersionId: aesVersion }), { code: "Forbidden.KeyVersionNotFound", statusCode: 404, message: "The specified Key version is not found." });
    await expectApiError(sign({ KeyId: aes.KeyId!, KeyVersionId: aesVersion }), { code: "Rejected.UnsupportedOperation", statusCode: 400 });
    await expectApiError(kmsCall(emu, "GetPublicKey", { KeyId: aes.KeyId!, KeyVersionId: aesVersion }), { code: "Rejected.UnsupportedOperation", statusCode: 400 });
    await expectApiError(sign({ Algorithm: "RSA_PSS_SHA_256" }), invalid("Algorithm"));
    await expectApiError(sign({ Digest: Buffer.alloc(20).toString("base64") }), invalid("Digest"));
    await expectApiError(sign({ Digest: "not base64!" }), invalid("Digest"));
  });

  it("AsymmetricSign needs kms:AsymmetricSign on the key's ARN: a principal that may read a secret's value and tag it, and read the public key, is refused", async () => {
    const other = (await kmsCall(emu, "CreateKey", { KeySpec: "EC_P256" })).KeyMetadata as Record<string, string>;
    const arn = (keyId: string) => `acs:kms:${emu.regionId}:${emu.accountId}:key/${keyId}`;
    emu.control.createUser({ name: "consumer" });
    const consumer = emu.control.createAccessKey("consumer");
    emu.control.createPolicy({
      name: "consumer-and-tagger",
      document: {
        Version: "1",
        Statement: [
          { Effect: "Allow", Action: ["kms:GetSecretValue", "kms:TagResource", "kms:DescribeSecret"], Resource: `acs:kms:${emu.regionId}:${emu.accountId}:secret/*` },
          { Effect: "Allow", Action: ["kms:GetPublicKey", "kms:ListKeyVersions", "kms:AsymmetricVerify"], Resource: arn(signer.keyId) },
          { Effect: "Allow", Action: ["kms:AsymmetricSign"], Resource: arn(other.KeyId!) },
        ],
      },
    });
    emu.control.attachPolicyToUser("consumer", "consumer-and-tagger");
    const params = { KeyId: signer.keyId, KeyVersionId: signer.keyVersionId, Algorithm: "ECDSA_SHA_256", Digest: sha256("the consumer's target") };
    const refused = await expectApiError(kmsCall(emu, "AsymmetricSign", params, { creds: consumer }), {
      code: "Forbidden.NoPermission",
      statusCode: 403,
      message: "You are not authorized to perform the operation.",
    });
    const detail = (refused as ClientError).accessDeniedDetail as Record<string, string>;
    assert.equal(detail.AuthAction, "kms:AsymmetricSign");
    assert.equal(JSON.parse(Buffer.from(detail.EncodedDiagnosticMessage!, "base64").toString("utf8")).AuthResource, arn(signer.keyId));
    // What it may do with the key still works: read the public key, verify.
    await kmsCall(emu, "GetPublicKey", { KeyId: signer.keyId, KeyVersionId: signer.keyVersionId }, { creds: consumer });
    await expectApiError(kmsCall(emu, "DescribeKey", { KeyId: signer.keyId }, { creds: consumer }), { code: "Forbidden.NoPermission", statusCode: 403 });
    await expectApiError(kmsCall(emu, "CreateKey", { KeySpec: "EC_P256" }, { creds: consumer }), { code: "Forbidden.NoPermission", statusCode: 403 });
  });

  it("a key survives a restart with its state file, and signs with the same key material", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ms-kms-keys-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startEmulator({ stateFile });
      const key = first.control.createKmsKey({ keySpec: "EC_P256" });
      const pem = String((await kmsCall(first, "GetPublicKey", { KeyId: key.keyId, KeyVersionId: key.keyVersionId })).PublicKey);
      await first.stop();
      const second = await startEmulator({ stateFile });
      try {
        const signed = await kmsCall(second, "AsymmetricSign", { KeyId: key.keyId, KeyVersionId: key.keyVersionId, Algorithm: "ECDSA_SHA_256", Digest: sha256("after restart") });
        assert.equal(verify("sha256", Buffer.from("after restart"), pem, Buffer.from(String(signed.Value), "base64")), true);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
