import { strict as assert } from "node:assert";
import * as grpc from "@grpc/grpc-js";
import { startPluginServer } from "../../provider/plugin/plugin-server";
import { ECS_SECRET_TOKEN, packageSchema, PACKAGE_NAME } from "../../provider/plugin/package-schema";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../provider/plugin/property-values";
import { resetStackConfig } from "../../provider/context/runtime-context";
import { createTestStore } from "../../testkit/store/test-store";

/* eslint-disable @typescript-eslint/no-explicit-any -- the generated protobuf classes are untyped JavaScript */
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as any;
const provproto = require("@pulumi/pulumi/proto/provider_pb") as any;
const emptyproto = require("google-protobuf/google/protobuf/empty_pb") as any;
const structproto = require("google-protobuf/google/protobuf/struct_pb") as any;

/**
 * The plugin's gRPC server in this process, called as the engine calls it
 * (the generated clients of @pulumi/pulumi's protos): what it answers before
 * any store or host is involved. Its lifecycle under the real engine is
 * tests/engine-yaml, tests/engine-python and tests/engine-go.
 */

const URN = `urn:pulumi:dev::proj::${ECS_SECRET_TOKEN}::s1`;
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const ecsInputs = (over: Record<string, unknown> = {}) => ({
  instanceId: "i-bp1abcdefghijk",
  managedUser: "root",
  credentialType: "password",
  initialValue: secret("Initial-Passw0rd-1"),
  connection: { host: "10.0.0.5", hostKeyFingerprint: `SHA256:${"A".repeat(43)}` },
  ...over,
});

describe("the plugin's gRPC server, as the engine calls it", () => {
  let server: grpc.Server;
  let client: any;
  const call = <T>(method: string, req: unknown) =>
    new Promise<T>((resolve, reject) => client[method](req, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))));
  const checkRequest = (news: Record<string, unknown>, urn = URN) => {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setNews(structproto.Struct.fromJavaScript(news));
    req.setOlds(structproto.Struct.fromJavaScript({}));
    return req;
  };
  const failuresOf = (res: any) => res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() }));

  before(async () => {
    const started = await startPluginServer("9.8.7");
    server = started.server;
    client = new provrpc.ResourceProviderClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
  });
  after(() => {
    client?.close();
    server?.forceShutdown();
    resetStackConfig();
  });

  it("GetPluginInfo and GetSchema answer the plugin's version and its schema", async () => {
    assert.equal((await call<any>("getPluginInfo", new emptyproto.Empty())).getVersion(), "9.8.7");
    const schema = JSON.parse((await call<any>("getSchema", new provproto.GetSchemaRequest())).getSchema());
    assert.deepEqual(schema, JSON.parse(JSON.stringify(packageSchema("9.8.7"))));
  });

  it("CheckConfig names an unknown setting and a wrong store, and returns credentials as secrets whatever way they came", async () => {
    const res = await call<any>("checkConfig", checkRequest({ store: "s3", passphrase: "plain-passphrase-1", regoin: "cn-hangzhou" }, `urn:pulumi:dev::proj::pulumi:providers:${PACKAGE_NAME}::default`));
    // (a Struct's keys arrive sorted)
    assert.deepEqual(failuresOf(res), [
      { property: "regoin", reason: `is not a setting of ${PACKAGE_NAME}; allowed: ${Object.keys(packageSchema("0").config.variables).join(", ")}` },
      { property: "store", reason: "must be one of local, kms (default local)" },
    ]);
    assert.deepEqual(res.getInputs().toJavaScript().passphrase, secret("plain-passphrase-1"));
  });

  it("Check refuses a credential that arrives as plain text, naming it without printing it; secret ones pass", async () => {
    const admin = { user: "root", password: "Admin-Passw0rd-1" };
    const plain = failuresOf(await call<any>("check", checkRequest(ecsInputs({ connection: { ...ecsInputs().connection, admin } }))));
    assert.equal(plain.length, 1);
    assert.equal(plain[0].property, "", "a property here makes the engine print its value");
    assert.match(plain[0].reason, /^connection\.admin\.password is a credential and arrived as plain text/);
    assert.ok(!JSON.stringify(plain).includes("Admin-Passw0rd-1"));
    const wrapped = await call<any>("check", checkRequest(ecsInputs({ connection: { ...ecsInputs().connection, admin: { user: "root", password: secret("Admin-Passw0rd-1") } } })));
    assert.deepEqual(failuresOf(wrapped), []);
    // The inputs go back as they came: the engine keeps the secret a secret.
    assert.deepEqual(wrapped.getInputs().toJavaScript().initialValue, secret("Initial-Passw0rd-1"));
    const wholeConnection = await call<any>("check", checkRequest(ecsInputs({ connection: secret({ ...ecsInputs().connection, admin }) })));
    assert.deepEqual(failuresOf(wholeConnection), [], "a secret connection covers its members");
  });

  it("Check names a wrong enum value and a missing input; what is not known yet in a preview is not judged", async () => {
    assert.deepEqual(failuresOf(await call<any>("check", checkRequest(ecsInputs({ credentialType: "passwd" })))), [{ property: "credentialType", reason: 'must be "password" or "keyPair"' }]);
    const { instanceId: _omitted, ...rest } = ecsInputs();
    assert.deepEqual(failuresOf(await call<any>("check", checkRequest(rest))).map((f: { property: string }) => f.property), ["instanceId"]);
    assert.deepEqual(failuresOf(await call<any>("check", checkRequest(ecsInputs({ instanceId: UNKNOWN })))), []);
  });

  it("an error from the runtime reaches the engine with its code, naming the plugin's setting rather than the dynamic path's", async () => {
    const configure = new provproto.ConfigureRequest();
    configure.setArgs(structproto.Struct.fromJavaScript({ localPath: "relative/store.enc", passphrase: secret("p") }));
    const configured = await call<any>("configure", configure);
    assert.equal(configured.getAcceptsecrets(), true);
    const create = new provproto.CreateRequest();
    create.setUrn(URN);
    create.setProperties(structproto.Struct.fromJavaScript(ecsInputs()));
    await assert.rejects(call("create", create), (e: grpc.ServiceError) => {
      assert.match(e.details, /^InvalidInput: alicloud-managed-secrets:localPath must be an absolute path or start with ~\//);
      return true;
    });
  });

  it("Read with no recorded outputs (pulumi import) answers the secret's outputs and the inputs a program would declare, credentials as secrets", async () => {
    await using t = await createTestStore();
    const configure = new provproto.ConfigureRequest();
    configure.setArgs(structproto.Struct.fromJavaScript({ localPath: t.path, passphrase: secret(t.passphrase), probe: "false" }));
    await call<any>("configure", configure);
    const metadata = { kind: "ecs", instanceId: "i-bp1abcdefghijk", managedUser: "root", credentialType: "password", keyAlgorithm: "rsa-2048", host: "10.0.0.5", port: "22", hostKeyFingerprint: `SHA256:${"A".repeat(43)}`, recoveryWindowDays: "30" };
    await t.store.createSecret({ name: "ecs/i-bp1abcdefghijk/root", description: "", metadata, versionId: "v1", value: JSON.stringify({ UserName: "root", Password: "Stored-Passw0rd-1" }) });
    const read = new provproto.ReadRequest();
    read.setUrn(URN);
    read.setId("ecs/i-bp1abcdefghijk/root");
    const res = await call<any>("read", read);
    assert.equal(res.getId(), "ecs/i-bp1abcdefghijk/root");
    const inputs = res.getInputs().toJavaScript();
    assert.deepEqual(inputs.initialValue, secret("Stored-Passw0rd-1"), "the credential comes back as a secret");
    assert.deepEqual(inputs.connection, { host: "10.0.0.5", port: 22, hostKeyFingerprint: `SHA256:${"A".repeat(43)}` });
    const properties = res.getProperties().toJavaScript();
    assert.equal(properties.versionId, "v1");
    assert.deepEqual(properties.value, secret("Stored-Passw0rd-1"));
    const missing = new provproto.ReadRequest();
    missing.setUrn(URN);
    missing.setId("ecs/i-none/root");
    const none = await call<any>("read", missing);
    assert.equal(none.getId(), "", "no such secret: no resource to import");
    // The engine says "does not exist" only for a Read with no properties; with an empty object it blames the plugin ("does not support importing").
    assert.equal(none.hasProperties(), false, "a missing secret answers properties");
  });

  it("a preview's Create acts on nothing and answers the inputs", async () => {
    const create = new provproto.CreateRequest();
    create.setUrn(URN);
    create.setPreview(true);
    create.setProperties(structproto.Struct.fromJavaScript(ecsInputs()));
    const res = await call<any>("create", create);
    assert.equal(res.getId(), "");
    assert.deepEqual(res.getProperties().toJavaScript(), ecsInputs());
  });
});
