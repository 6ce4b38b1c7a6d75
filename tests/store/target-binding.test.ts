import { strict as assert } from "node:assert";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalSecretStore } from "../../provider/store/local/local-store";
import { startSshHost, requireRootForHosts, type StartedSshHost } from "../../testkit/sshd/ssh-host";
import { tryLogin } from "../../testkit/ssh-client/ssh-client";
import * as $Ram from "@alicloud/ram20150501";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { runCli } from "../../provider/cli/program";
import { rotateSecret } from "../../provider/rotation/rotate-secret";
import { targetRegistry, targetFromMetadata } from "../../provider/context/runtime-context";
import type { RuntimeContext } from "../../provider/context/runtime-context";
import { kmsCall } from "../support/emulator-helpers";
import { ramClient } from "../../testkit/emulator/sdk-clients";
import { ecsInputs, loginWith } from "../support/ecs-fixtures";
import { expectError } from "../support/expect-error";
import { startKmsEmulatorStore, type KmsEmulatorStore } from "../../testkit/store/kms-emulator-store";
import { createTestClock, type TestClock } from "../../testkit/clock/test-clock";
import { generateKeyPairSync, sign } from "node:crypto";
import { legacyBinding } from "./fixtures/legacy-binding";
import { hostTarget } from "../../testkit/sshd/ssh-host";

/**
 * Tags are a separate permission from reading values (kms:TagResource). The
 * SSH target is read back from tags, so whoever can edit them must not be able
 * to point a probe or a rotation at their own sshd: a second, real sshd plays
 * the attacker's host and must see no connection at all.
 */
describe("kms store: the SSH target in tags is authenticated before any credential is sent (real sshd, fake sshd)", function () {
  let real: StartedSshHost;
  let fake: StartedSshHost;
  let kms: KmsEmulatorStore;
  let clock: TestClock;
  let ctx: RuntimeContext;

  before(async function () {
    requireRootForHosts();
    [real, fake] = await Promise.all([startSshHost(), startSshHost()]);
  });
  after(async () => Promise.all([real?.stop(), fake?.stop()]));
  beforeEach(async () => {
    clock = createTestClock(new Date());
    kms = await startKmsEmulatorStore({ clock });
    ctx = { store: kms.store, clock, targets: targetRegistry(), owner: "test", cloud: () => kms.cloud };
  });
  afterEach(async () => kms.dispose());

  const connectionsTo = (host: StartedSshHost) => host.logs().split("\n").filter((l) => /Connection from/.test(l)).length;
  const tag = (name: string, tags: Record<string, string>) =>
    kmsCall(kms.emulator, "TagResource", { SecretName: name, Tags: JSON.stringify(Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }))) });
  const cli = async (args: string[]) => {
    let out = "";
    let err = "";
    const code = await runCli(args, { out: { write: (s) => void (out += s) }, err: { write: (s) => void (err += s) }, context: () => ctx });
    return { code, out, err };
  };
  const redirect = (name: string) =>
    tag(name, { "managed-secrets/host": fake.host, "managed-secrets/port": String(fake.port), "managed-secrets/hostKeyFingerprint": fake.hostKeyFingerprint });

  it("tags changed to a fake sshd: check and rotate refuse with TargetUnverified, the fake host sees no connection, nothing is stored; pulumi up restores the declared target", async () => {
    const inputs = ecsInputs(real);
    const { id, outs } = await ecs.create(inputs, ctx);
    await redirect(id);
    const meta = (await kms.store.describeSecret(id))!;
    assert.equal(meta.metadata.host, fake.host, "the tags now point at the fake host");
    const seenBefore = connectionsTo(fake);

    const checked = await cli(["check", "--json"]);
    assert.equal(checked.code, 1, checked.err);
    const [finding] = JSON.parse(checked.out) as { problems: string[]; details: string[] }[];
    assert.deepEqual(finding!.problems, ["target-unverified"]);
    assert.match(finding!.details[0]!, /TargetUnverified: .*does not match its authentication: its KMS tags were changed outside managed-secrets\. Nothing was sent/);

    const rotated = await cli(["rotate", id]);
    assert.notEqual(rotated.code, 0);
    assert.match(rotated.err, /^managed-secrets: TargetUnverified: /);
    await expectError(rotateSecret({ store: kms.store, name: id, target: targetFromMetadata(meta, ctx), owner: "runner", clock }), "TargetUnverified");

    assert.equal(connectionsTo(fake), seenBefore, `the fake sshd saw no connection:\n${fake.logs()}`);
    const after = (await kms.store.describeSecret(id))!;
    assert.deepEqual(after.versions.map((v) => [v.versionId, v.stages]), [["v1", ["ACSCurrent"]]], "no pending version was stored");
    assert.equal(await loginWith(real, "root", { password: real.rootPassword }), true, "the real host was not changed");

    // The program still declares the real host: an update writes it back and authenticates it again.
    await ecs.update(id, outs, inputs, ctx);
    const fixed = await cli(["check"]);
    assert.equal(fixed.code, 0, fixed.out + fixed.err);

    // The check above is meaningful: a connection to the fake host does show in its log.
    await tryLogin({ host: fake.host, port: fake.port, hostKeyFingerprint: fake.hostKeyFingerprint, username: "root", password: "not-a-credential" });
    assert.ok(connectionsTo(fake) > seenBefore, fake.logs());
  });

  it("a secret written before targets were authenticated (no binding tag) is refused until its program declares the target again", async () => {
    const inputs = ecsInputs(real, { rotationPeriod: "30d" });
    const { id, outs } = await ecs.create(inputs, ctx);
    await kmsCall(kms.emulator, "UntagResource", { SecretName: id, TagKeys: JSON.stringify(["managed-secrets:binding"]) });
    await redirect(id);
    const seenBefore = connectionsTo(fake);
    const checked = await cli(["check"]);
    assert.equal(checked.code, 1);
    assert.match(checked.out, /target-unverified/);
    assert.match(checked.out, /recorded only in KMS tags/);
    assert.equal(connectionsTo(fake), seenBefore, "nothing was sent to the fake host");

    // Tags alone are never taken as the target: an unrelated metadata write (the runner's, a finish) does not bless them.
    await kms.store.updateSecret(id, { metadata: { note: "x" } });
    assert.equal((await cli(["check"])).code, 1);

    // `pulumi up --refresh`: refresh reports it, so diff sees a change, and the update re-declares the target.
    const refreshed = (await ecs.read(id, outs, ctx)).props!;
    assert.deepEqual(refreshed.health?.problems, ["target-unverified"]);
    assert.equal((await ecs.diff(id, refreshed, inputs)).changes, true);
    await ecs.update(id, refreshed, inputs, ctx);
    const fixed = await cli(["check"]);
    assert.equal(fixed.code, 0, fixed.out);
    assert.equal((await kms.store.describeSecret(id))!.metadata.host, real.host);
    assert.equal(connectionsTo(fake), seenBefore);
  });

  it("an authenticated target keeps working through rotations (the binding follows ACSCurrent), and a tag edited after a rotation is still caught", async () => {
    const inputs = ecsInputs(real, { rotationTrigger: "a" });
    const { id, outs } = await ecs.create(inputs, ctx);
    const rotated = await cli(["rotate", id]);
    assert.equal(rotated.code, 0, rotated.err);
    real = Object.assign(real, { rootPassword: JSON.parse((await kms.store.getValue(id)).value).Password });
    const updated = (await ecs.update(id, outs, { ...inputs, rotationTrigger: "b" }, ctx)).outs;
    real = Object.assign(real, { rootPassword: updated.value });
    assert.equal(updated.versionId, "v3");
    assert.equal((await cli(["check"])).code, 0);

    const seenBefore = connectionsTo(fake);
    await tag(id, { "managed-secrets/port": String(fake.port) });
    const checked = await cli(["check"]);
    assert.equal(checked.code, 1);
    assert.match(checked.out, /target-unverified/);
    assert.equal(connectionsTo(fake), seenBefore);
  });
  it("a RAM secret's user in tags is authenticated too: retagged to another user, rotate refuses and mints no key for that user", async () => {
    kms.emulator.control.createUser({ name: "app-bound" });
    kms.emulator.control.createUser({ name: "admin-other" });
    const key = kms.emulator.control.createAccessKey("app-bound");
    const { id } = await ram.create({ userName: "app-bound", initialAccessKeyId: key.accessKeyId, initialAccessKeySecret: key.accessKeySecret }, ctx);
    await tag(id, { "managed-secrets/userName": "admin-other" });
    const meta = (await kms.store.describeSecret(id))!;
    assert.equal(meta.metadata.userName, "admin-other", "the tags now name another user");
    await expectError(rotateSecret({ store: kms.store, name: id, target: targetFromMetadata(meta, ctx), owner: "runner", clock }), "TargetUnverified");
    const keys = await ramClient(kms.emulator).listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: "admin-other" }));
    assert.deepEqual(keys.body?.accessKeys?.accessKey ?? [], [], "no key was minted for the user the tags name");
    assert.deepEqual((await kms.store.describeSecret(id))!.versions.map((v) => v.versionId), ["v1"]);
  });
});

/**
 * A binding is a signature by a KMS key only the product may use, bound to
 * the value version it is for. Bindings are readable by anyone who can list
 * tags, and values by every application that consumes the secret: neither a
 * copy of an earlier binding nor one computed from the value may choose where
 * the credential goes. The instance "moved": its old address is now an
 * attacker's sshd holding the old host key, which must see no connection.
 */
describe("kms store: a copied or forged binding never chooses where a credential goes (real sshd at the old address, old host key)", function () {
  const PASSWORD = "Moved-Instance-Root-Pw-7!";
  let oldHost: StartedSshHost;
  let newHost: StartedSshHost;
  let kms: KmsEmulatorStore;
  let clock: TestClock;
  let ctx: RuntimeContext;

  before(async function () {
    requireRootForHosts();
    [oldHost, newHost] = await Promise.all([startSshHost({ rootPassword: PASSWORD }), startSshHost({ rootPassword: PASSWORD })]);
  });
  after(async () => Promise.all([oldHost?.stop(), newHost?.stop()]));
  beforeEach(async () => {
    // A rotation in an earlier test changed the new address's password: every test starts from the same credential.
    await newHost.exec("chpasswd", { stdin: `root:${PASSWORD}\n` });
    clock = createTestClock(new Date());
    kms = await startKmsEmulatorStore({ clock });
    ctx = { store: kms.store, clock, targets: targetRegistry(), owner: "test", cloud: () => kms.cloud };
  });
  afterEach(async () => kms.dispose());

  const connectionsTo = (host: StartedSshHost) => host.logs().split("\n").filter((l) => /Connection from/.test(l)).length;
  const cli = async (args: string[], context: RuntimeContext = ctx) => {
    let out = "";
    let err = "";
    const code = await runCli(args, { out: { write: (t) => void (out += t) }, err: { write: (t) => void (err += t) }, context: () => context });
    return { code, out, err };
  };
  /** What anyone allowed to list or describe the secret can copy: every tag, the binding's included. */
  const copyTags = async (name: string) =>
    ((await kmsCall(kms.emulator, "DescribeSecret", { SecretName: name, FetchTags: true })).Tags as { Tag: { TagKey: string; TagValue: string }[] }).Tag.filter((t) =>
      t.TagKey.startsWith("managed-secrets"),
    );
  const putBack = (name: string, tags: { TagKey: string; TagValue: string }[]) => kmsCall(kms.emulator, "TagResource", { SecretName: name, Tags: JSON.stringify(tags) });
  const declaredAt = (host: StartedSshHost) => ecsInputs(oldHost, { connection: hostTarget(host) });
  /** What every check below must see after an attack: refused before anything was sent, the old address untouched. */
  async function expectRefused(id: string, seenBefore: number, message: RegExp): Promise<void> {
    const meta = (await kms.store.describeSecret(id))!;
    assert.equal(meta.metadata.host, oldHost.host, "the tags name the old address again");
    await expectError(kms.store.authenticateTarget(id, meta.metadata), "TargetUnverified", { message });
    const checked = await cli(["check", "--json"]);
    assert.equal(checked.code, 1, checked.err);
    const [finding] = JSON.parse(checked.out) as { problems: string[]; details: string[] }[];
    assert.deepEqual(finding!.problems, ["target-unverified"]);
    const rotated = await cli(["rotate", id]);
    assert.match(rotated.err, /^managed-secrets: TargetUnverified: /);
    await expectError(rotateSecret({ store: kms.store, name: id, target: targetFromMetadata(meta, ctx), owner: "runner", clock }), "TargetUnverified");
    assert.equal(connectionsTo(oldHost), seenBefore, `the old address saw no connection:\n${oldHost.logs()}`);
  }

  it("re-declared to a new address and rotated, then the old tags and the old binding put back: check, rotate and the runner refuse; pulumi up repairs it", async () => {
    const { id, outs } = await ecs.create(declaredAt(oldHost), ctx);
    const copied = await copyTags(id);
    const moved = (await ecs.update(id, outs, declaredAt(newHost), ctx)).outs;
    const rotated = await cli(["rotate", id]);
    assert.equal(rotated.code, 0, rotated.err);
    const current = JSON.parse((await kms.store.getValue(id)).value).Password as string;
    assert.notEqual(current, PASSWORD);
    const seenBefore = connectionsTo(oldHost);

    await putBack(id, copied);
    await expectRefused(id, seenBefore, /is authenticated for version "v1", which is neither its current version "v3" nor a later one/);
    assert.equal(await loginWith(newHost, "root", { password: current }), true, "the credential still works where it was declared");

    // The program still declares the new address: `pulumi up --refresh` binds it again, and everything works there.
    await ecs.update(id, moved, declaredAt(newHost), ctx);
    const fixed = await cli(["check"]);
    assert.equal(fixed.code, 0, fixed.out + fixed.err);
    assert.equal((await kms.store.describeSecret(id))!.metadata.host, newHost.host);
    assert.equal(connectionsTo(oldHost), seenBefore);
  });

  it("re-declared to a new address without a rotation, then the old tags and binding put back: refused, since re-declaring moved the value to a new version", async () => {
    const { id, outs } = await ecs.create(declaredAt(oldHost), ctx);
    const copied = await copyTags(id);
    await ecs.update(id, outs, declaredAt(newHost), ctx);
    assert.equal((await cli(["check"])).code, 0);
    const seenBefore = connectionsTo(oldHost);

    await putBack(id, copied);
    await expectRefused(id, seenBefore, /is authenticated for version "v1", which is neither its current version "v2" nor a later one/);
    const versions = (await kms.store.describeSecret(id))!.versions;
    assert.deepEqual(versions.map((v) => [v.versionId, v.stages]), [["v1", ["ACSPrevious"]], ["v2", ["ACSCurrent"]]]);
    assert.equal((await kms.store.getValue(id, { versionId: "v2" })).value, (await kms.store.getValue(id, { versionId: "v1" })).value, "the same value: consumers see no change");
  });

  it("a reader of the value who may tag the secret forges a binding to the old address, as the earlier release computed it or signed with a key of its own: refused", async () => {
    const { id } = await ecs.create(declaredAt(newHost), ctx);
    // Every application that consumes the secret can do this much (kms:GetSecretValue).
    const value = (await kms.store.getValue(id)).value;
    const stored = (await kms.store.describeSecret(id))!.metadata;
    const forged: Record<string, string> = { ...stored, host: oldHost.host, port: String(oldHost.port), hostKeyFingerprint: oldHost.hostKeyFingerprint };
    const targetTags = [
      { TagKey: "managed-secrets/host", TagValue: oldHost.host },
      { TagKey: "managed-secrets/port", TagValue: String(oldHost.port) },
      { TagKey: "managed-secrets/hostKeyFingerprint", TagValue: oldHost.hostKeyFingerprint },
    ];
    const seenBefore = connectionsTo(oldHost);

    // The earlier release's binding: an HMAC keyed by scrypt over the value, which the value's readers can compute.
    await putBack(id, [...targetTags, { TagKey: "managed-secrets:binding", TagValue: legacyBinding(id, "v1", value, forged) }]);
    await expectRefused(id, seenBefore, /is bound by an earlier release of managed-secrets, with a MAC every reader of the secret's value can compute, which is no longer accepted/);

    // A signature in the new format, made with the forger's own EC_P256 key: no version of the binding key verifies it.
    const own = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    const entries = targetRegistry().boundKeys.filter((k) => Object.hasOwn(forged, k)).map((k) => [k, forged[k]]);
    const message = Buffer.from(JSON.stringify(["managed-secrets target binding v2", id, "v1", entries]));
    await putBack(id, [{ TagKey: "managed-secrets:binding", TagValue: `${sign("sha256", message, own).toString("base64url")}:v1` }]);
    await expectRefused(id, seenBefore, /does not match its authentication: its KMS tags were changed outside managed-secrets/);
  });

  it("without a binding key, every stored target is refused, and the error names the setting and who needs it", async () => {
    const { id } = await ecs.create(declaredAt(newHost), ctx);
    const keyless: RuntimeContext = { ...ctx, store: kms.another({ bindingKeyId: null }) };
    const checked = await cli(["check", "--json"], keyless);
    assert.equal(checked.code, 1);
    const [finding] = JSON.parse(checked.out) as { problems: string[]; details: string[] }[];
    assert.deepEqual(finding!.problems, ["target-unverified"]);
    assert.match(
      finding!.details[0]!,
      /cannot be authenticated: no binding key is configured\. Nothing was sent\. Set managed-secrets:bindingKeyId \(or MANAGED_SECRETS_BINDING_KEY_ID\) to the id of the EC_P256 SIGN\/VERIFY key .*A Pulumi program's own refresh and update do not need it; the rotation runner and the managed-secrets CLI do/,
    );
    const rotated = await cli(["rotate", id], keyless);
    assert.match(rotated.err, /^managed-secrets: TargetUnverified: .*no binding key is configured/);
    assert.equal((await cli(["check"])).code, 0, "with the key, the same secret checks out");
  });
});

describe("local store: a target can only be changed by whoever can read the values (real sshd, fake sshd)", function () {
  let real: StartedSshHost;
  let fake: StartedSshHost;
  let dir: string;

  before(async function () {
    requireRootForHosts();
    [real, fake] = await Promise.all([startSshHost(), startSshHost()]);
  });
  after(async () => Promise.all([real?.stop(), fake?.stop()]));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ms-binding-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("a store file swapped for one that points the same secret at a fake sshd is refused; the fake host sees no connection", async () => {
    const clock = createTestClock(new Date());
    const context = (store: LocalSecretStore): RuntimeContext => ({ store, clock, targets: targetRegistry(), owner: "t", cloud: () => { throw new Error("no cloud here"); } });
    const victim = new LocalSecretStore({ path: join(dir, "store.enc"), passphrase: "the operator's passphrase", clock });
    const { id } = await ecs.create(ecsInputs(real), context(victim));
    // Metadata and values share one AES-GCM document: without the passphrase, the only way to change
    // the target is to replace the whole file, here with the attacker's own store naming the same secret.
    const attacker = new LocalSecretStore({ path: join(dir, "attacker.enc"), passphrase: "the attacker's passphrase", clock });
    await ecs.create({ ...ecsInputs(fake), instanceId: `i-test${real.port}`, initialValue: fake.rootPassword }, context(attacker));
    const seenBefore = fake.logs().split("\n").filter((l) => /Connection from/.test(l)).length;
    await copyFile(join(dir, "attacker.enc"), join(dir, "store.enc"));

    let out = "";
    let err = "";
    const io = { out: { write: (s: string) => void (out += s) }, err: { write: (s: string) => void (err += s) }, context: () => context(victim) };
    assert.equal(await runCli(["check"], io), 1);
    assert.equal(await runCli(["rotate", id], io), 1);
    assert.match(err, /StoreUnreadable: the passphrase does not open the store file/);
    assert.equal(fake.logs().split("\n").filter((l) => /Connection from/.test(l)).length, seenBefore, "nothing reached the fake host");
  });
});
