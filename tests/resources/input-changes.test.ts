import { strict as assert } from "node:assert";
import * as ecs from "../../provider/resources/ecs-secret/ecs-secret-handler";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { ECS_SECRET_INPUT_CHANGES } from "../../provider/resources/ecs-secret/ecs-secret-schema";
import { RAM_SECRET_INPUT_CHANGES } from "../../provider/resources/ram-secret/ram-secret-schema";
import type { InputChange } from "../../provider/resources/input-changes";
import { generateKeyPair } from "../../provider/credentials/generate-key-pair";
import type { StartedSshHost } from "../../testkit/sshd/ssh-host";
import { ecsInputs } from "../support/ecs-fixtures";
import { ramContext, ramInputs, startRamEmulator, userWithKey, type RamEmulator } from "../support/ram-fixtures";
import { sshHostPerSuite, storePerTest } from "../support/suite-hooks";
import type { TestStore } from "../../testkit/store/test-store";

/**
 * diff() is derived from each resource's table of what a change of each input
 * does. For every input in the table, change only that input on a real
 * secret and check diff says what the table says: a replace names it, an
 * update or a rotation is a change with no replace, and `none` is no change.
 * The mutations must cover the table, so a new input cannot go untested.
 */
function expectDiff(change: InputChange, key: string, diff: { changes?: boolean; replaces?: string[] }): void {
  if (change === "replace") assert.ok(diff.replaces?.includes(key), `${key}: ${JSON.stringify(diff)}`);
  else if (change === "none") assert.deepEqual([diff.changes, diff.replaces], [false, []], key);
  else assert.deepEqual([diff.changes, diff.replaces], [true, []], key);
}

describe("diff follows each input's declared change", function () {
  let host: StartedSshHost;
  let t: TestStore;
  sshHostPerSuite((h) => (host = h));
  storePerTest((s) => (t = s));

  it("EcsSecret: every input of the table, one at a time", async () => {
    const base = ecsInputs(host, { rotationPeriod: "30d", rotationTrigger: "a", description: "d" });
    const { id, outs } = await ecs.create(base, t.context());
    const key = await generateKeyPair("ed25519");
    const mutations: Record<keyof typeof ECS_SECRET_INPUT_CHANGES, Record<string, unknown>> = {
      instanceId: { instanceId: "i-other1", secretName: id },
      managedUser: { managedUser: "alice", secretName: id },
      credentialType: { credentialType: "keyPair", initialValue: key.privateKey },
      secretName: { secretName: "other/name" },
      initialValue: { initialValue: "Another-Pw-12" },
      connection: { connection: { ...(base.connection as object), port: host.port + 1 } },
      rotationPeriod: { rotationPeriod: "7d" },
      rotationTrigger: { rotationTrigger: "b" },
      customValue: { customValue: "Custom-Pw-1234" },
      keyAlgorithm: { keyAlgorithm: "ed25519" },
      description: { description: "other" },
      recoveryWindowDays: { recoveryWindowDays: 8 },
      forceDeleteWithoutRecovery: { forceDeleteWithoutRecovery: true },
      rotatedBy: { rotatedBy: "kms", connection: { transport: "cloudAssistant", region: "cn-hangzhou" } },
    };
    assert.deepEqual(Object.keys(mutations).sort(), Object.keys(ECS_SECRET_INPUT_CHANGES).sort());
    assert.deepEqual(await ecs.diff(id, outs, base), { changes: false, replaces: [], deleteBeforeReplace: false });
    for (const [input, rule] of Object.entries(ECS_SECRET_INPUT_CHANGES)) {
      const change = typeof rule === "string" ? rule : rule.change;
      expectDiff(change, input, await ecs.diff(id, outs, { ...base, ...mutations[input as keyof typeof mutations] }));
    }
  });

  describe("RamSecret", () => {
    let emu: RamEmulator;
    before(async () => (emu = await startRamEmulator()));
    after(async () => emu?.stop());

    it("every input of the table, one at a time", async () => {
      const { userName, key } = userWithKey(emu, "changes");
      const base = ramInputs(userName, key, { rotationPeriod: "30d", rotationTrigger: "a", previousKeyAction: "delete", previousKeyGracePeriod: "1h" });
      const { id, outs } = await ram.create(base, ramContext(t, emu));
      const mutations: Record<keyof typeof RAM_SECRET_INPUT_CHANGES, Record<string, unknown>> = {
        userName: { userName: "someone-else", secretName: id },
        secretName: { secretName: "renamed/key" },
        initialAccessKeyId: { initialAccessKeyId: "LTAI0000000000000000" },
        initialAccessKeySecret: { initialAccessKeySecret: "s".repeat(30) },
        rotationPeriod: { rotationPeriod: "7d" },
        rotationTrigger: { rotationTrigger: "b" },
        previousKeyAction: { previousKeyAction: "deactivate" },
        previousKeyGracePeriod: { previousKeyGracePeriod: "2h" },
        description: { description: "other" },
        recoveryWindowDays: { recoveryWindowDays: 8 },
        forceDeleteWithoutRecovery: { forceDeleteWithoutRecovery: true },
        rotatedBy: { rotatedBy: "kms", previousKeyAction: undefined, previousKeyGracePeriod: undefined },
      };
      assert.deepEqual(Object.keys(mutations).sort(), Object.keys(RAM_SECRET_INPUT_CHANGES).sort());
      for (const [input, rule] of Object.entries(RAM_SECRET_INPUT_CHANGES)) {
        const change = typeof rule === "string" ? rule : rule.change;
        expectDiff(change, input, await ram.diff(id, outs, { ...base, ...mutations[input as keyof typeof mutations] }));
      }
    });
  });
});
