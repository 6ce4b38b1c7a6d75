import { strict as assert } from "node:assert";
import { EcsSecret, RamSecret } from "../..";
import { mockResources, type RegisteredResource } from "../support/pulumi-mocks";

/**
 * The SDK's resources register with stack capture off (sdk/registration-stacks.ts):
 * the process's limit must be back as it was afterwards, whether the
 * registration went through or threw.
 */
describe("registering a resource leaves Error.stackTraceLimit as it found it", () => {
  const registered: RegisteredResource[] = [];
  const ecsArgs = {
    instanceId: "i-bp1stacks",
    managedUser: "root",
    credentialType: "password" as const,
    initialValue: "Stacks-Root-Password-1",
    connection: { host: "10.0.0.6", hostKeyFingerprint: `SHA256:${"C".repeat(43)}` },
    rotationPeriod: "30d",
  };

  before(() => mockResources(registered, (args) => ({ id: `${args.name}-id`, state: { ...args.inputs } })));

  it("after an EcsSecret and a RamSecret register", async () => {
    const before = Error.stackTraceLimit;
    const ecs = new EcsSecret("stacks-ecs", ecsArgs);
    assert.equal(Error.stackTraceLimit, before);
    const ram = new RamSecret("stacks-ram", { userName: "stacks-user", initialAccessKeyId: "LTAIstacks0000000001", initialAccessKeySecret: "Stacks-Secret-000000000000000001", rotationPeriod: "30d" });
    assert.equal(Error.stackTraceLimit, before);
    assert.deepEqual(await Promise.all([ecs.id, ram.id].map((id) => new Promise((resolve) => id.apply(resolve)))), ["stacks-ecs-id", "stacks-ram-id"]);
  });

  it("after a registration that throws (a parent that is not a resource)", () => {
    const before = Error.stackTraceLimit;
    assert.throws(() => new EcsSecret("stacks-bad-parent", ecsArgs, { parent: {} as never }), /parent/);
    assert.equal(Error.stackTraceLimit, before);
  });
});
