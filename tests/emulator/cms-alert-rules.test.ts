import assert from "node:assert/strict";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";

/**
 * CloudMonitor's alert rules as a caller sets them up through the API
 * (openapi-core, RPC, signed): a custom event rule (PutCustomEventRule) and
 * event rules with targets (PutEventRule, PutEventRuleTargets), and what
 * reaches a contact group (control.notifications()).
 */
describe("Emulator: CloudMonitor alert rules and their notifications", function () {
  let emu: EmulatorHandle;
  beforeEach(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => emu?.stop());

  const cms = (action: string, query: Record<string, string | number>) => kmsCall(emu, action, query, { version: "2019-01-01" });
  const event = (name: string, content: string, groupId?: string) =>
    cms("PutCustomEvent", { "EventInfo.1.EventName": name, "EventInfo.1.Content": content, ...(groupId ? { "EventInfo.1.GroupId": groupId } : {}) });
  const failureRule = (extra: Record<string, string | number> = {}) =>
    cms("PutCustomEventRule", {
      GroupId: "0",
      RuleId: "rotation-failed",
      RuleName: "managed secrets rotation failed",
      EventName: "ManagedSecretsRotationFailed",
      ContactGroups: "ops-oncall,security",
      Level: "CRITICAL",
      Threshold: 1,
      Period: 60,
      ...extra,
    });

  it("PutCustomEventRule: a ManagedSecretsRotationFailed event reaches the rule's contact groups; a success does not", async () => {
    const body = await failureRule();
    assert.equal(body.Code, "200");
    assert.equal(body.Success, true);
    await event("ManagedSecretsRotationSucceeded", '{"secretName":"ecs/i-1/root","outcome":"succeeded"}');
    assert.deepEqual(emu.control.notifications(), [], "a success reaches nobody");
    await event("ManagedSecretsRotationFailed", '{"secretName":"ecs/i-1/root","outcome":"failed"}');
    const sent = emu.control.notifications();
    assert.deepEqual(sent.map((n) => [n.via, n.ruleName, n.contactGroup, n.level, n.eventName, n.content]), [
      ["customEventRule", "managed secrets rotation failed", "ops-oncall", "CRITICAL", "ManagedSecretsRotationFailed", '{"secretName":"ecs/i-1/root","outcome":"failed"}'],
      ["customEventRule", "managed secrets rotation failed", "security", "CRITICAL", "ManagedSecretsRotationFailed", '{"secretName":"ecs/i-1/root","outcome":"failed"}'],
    ]);
  });

  it("a custom event rule matches its GroupId, counts events over Period against Threshold, and an existing RuleId is updated", async () => {
    await failureRule({ GroupId: "7378", Threshold: 2, ContactGroups: "ops-oncall" });
    await event("ManagedSecretsRotationFailed", "{}");
    await event("ManagedSecretsRotationFailed", "{}", "9999");
    await event("ManagedSecretsRotationFailed", "{}", "7378");
    assert.equal(emu.control.notifications().length, 0, "one event of the group is under the threshold of 2");
    await event("ManagedSecretsRotationFailed", "{}", "7378");
    assert.equal(emu.control.notifications().length, 1);
    emu.control.advanceClock(61_000);
    await event("ManagedSecretsRotationFailed", "{}", "7378");
    assert.equal(emu.control.notifications().length, 1, "the earlier events fell out of the 60 s period");
    await failureRule({ GroupId: "7378", Threshold: 1, ContactGroups: "ops-oncall" });
    await event("ManagedSecretsRotationFailed", "{}", "7378");
    assert.equal(emu.control.notifications().length, 2, "the same RuleId was updated, not doubled");
  });

  it("EffectiveInterval (China Standard Time) bounds when a custom event rule notifies", async () => {
    emu.control.setTime("2026-12-07T02:00:00Z"); // 10:00 CST
    await failureRule({ EffectiveInterval: "22:00-06:00", ContactGroups: "ops-oncall" });
    await event("ManagedSecretsRotationFailed", "{}");
    assert.equal(emu.control.notifications().length, 0);
    emu.control.setTime("2026-12-07T15:00:00Z"); // 23:00 CST
    await event("ManagedSecretsRotationFailed", "{}");
    assert.equal(emu.control.notifications().length, 1);
  });

  it("refuses a custom event rule without what the reference requires, or with values it does not allow, storing nothing", async () => {
    for (const missing of ["GroupId", "RuleId", "RuleName", "EventName", "ContactGroups", "Level", "Threshold"]) {
      const query: Record<string, string | number> = { GroupId: "0", RuleId: "r", RuleName: "n", EventName: "e", ContactGroups: "g", Level: "INFO", Threshold: 1 };
      delete query[missing];
      await expectApiError(cms("PutCustomEventRule", query), { code: "InvalidParameter", statusCode: 400, message: new RegExp(missing) });
    }
    await expectApiError(failureRule({ Level: "SEVERE" }), { code: "InvalidParameter", statusCode: 400, message: /Level must be one of CRITICAL, WARN, INFO/ });
    await expectApiError(failureRule({ Period: 90 }), { code: "InvalidParameter", statusCode: 400, message: /Period/ });
    await expectApiError(failureRule({ Threshold: 0 }), { code: "InvalidParameter", statusCode: 400, message: /Threshold/ });
    await expectApiError(failureRule({ EffectiveInterval: "9:00-18:00" }), { code: "InvalidParameter", statusCode: 400, message: /EffectiveInterval/ });
    await event("ManagedSecretsRotationFailed", "{}");
    assert.deepEqual(emu.control.notifications(), []);
  });

  it("PutEventRule (CUSTOM) with PutEventRuleTargets: matching custom events reach the targets' contact groups; a disabled rule reaches nobody", async () => {
    await cms("PutEventRule", { RuleName: "failed-rotations", EventType: "CUSTOM", "EventPattern.1.Product": "CustomEvent", "EventPattern.1.NameList.1": "ManagedSecretsRotationFailed" });
    await event("ManagedSecretsRotationFailed", "{}");
    assert.equal(emu.control.notifications().length, 0, "no targets yet");
    const targets = await cms("PutEventRuleTargets", { RuleName: "failed-rotations", "ContactParameters.1.Id": "1", "ContactParameters.1.ContactGroupName": "ops-oncall", "ContactParameters.1.Level": "3" });
    assert.equal(targets.Success, true);
    await event("ManagedSecretsRotationSucceeded", "{}");
    await event("ManagedSecretsRotationFailed", '{"n":1}');
    assert.deepEqual(emu.control.notifications().map((n) => [n.via, n.ruleName, n.contactGroup, n.level, n.content]), [["eventRule", "failed-rotations", "ops-oncall", "3", '{"n":1}']]);
    await cms("PutEventRule", { RuleName: "failed-rotations", EventType: "CUSTOM", State: "DISABLED", "EventPattern.1.Product": "CustomEvent", "EventPattern.1.NameList.1": "ManagedSecretsRotationFailed" });
    await event("ManagedSecretsRotationFailed", "{}");
    assert.equal(emu.control.notifications().length, 1);
  });

  it("DeleteMetricRules removes a custom event rule by its RuleId: its events reach nobody after; an unknown id is passed over", async () => {
    await failureRule();
    await failureRule({ RuleId: "other", RuleName: "other", ContactGroups: "security" });
    const body = await cms("DeleteMetricRules", { "Id.1": "rotation-failed", "Id.2": "no-such-rule" });
    assert.deepEqual([body.Code, body.Success], ["200", true]);
    await event("ManagedSecretsRotationFailed", "{}");
    assert.deepEqual(emu.control.notifications().map((n) => [n.ruleName, n.contactGroup]), [["other", "security"]], "only the rule left");
    await expectApiError(cms("DeleteMetricRules", {}), { code: "InvalidParameter", statusCode: 400, message: /Id is mandatory/ });
  });

  it("refuses targets of an unknown rule, channels it does not model, a SQLFilter and bad EventType / levels", async () => {
    await expectApiError(cms("PutEventRuleTargets", { RuleName: "nope", "ContactParameters.1.ContactGroupName": "g" }), { code: "ResourceNotFound", statusCode: 404 });
    await cms("PutEventRule", { RuleName: "r", "EventPattern.1.Product": "kms" });
    await expectApiError(cms("PutEventRuleTargets", { RuleName: "r", "WebhookParameters.1.Url": "https://example.invalid" }), { code: "InvalidParameter", statusCode: 400, message: /WebhookParameters is not emulated/ });
    await expectApiError(cms("PutEventRuleTargets", { RuleName: "r", "ContactParameters.1.ContactGroupName": "g", "ContactParameters.1.Level": "1" }), { code: "InvalidParameter", statusCode: 400, message: /Level must be one of 2, 3, 4/ });
    await expectApiError(cms("PutEventRule", { RuleName: "r", "EventPattern.1.Product": "kms", "EventPattern.1.SQLFilter": "x" }), { code: "InvalidParameter", statusCode: 400, message: /SQLFilter is not emulated/ });
    await expectApiError(cms("PutEventRule", { RuleName: "r", EventType: "OTHER", "EventPattern.1.Product": "kms" }), { code: "InvalidParameter", statusCode: 400, message: /EventType must be SYSTEM or CUSTOM/ });
    await expectApiError(cms("PutEventRule", { RuleName: "r" }), { code: "InvalidParameter", statusCode: 400, message: /EventPattern is mandatory/ });
    await expectApiError(cms("PutEventRule", { RuleName: "r", "EventPattern.1.Product": "kms", "EventPattern.1.LevelList.1": "LOW" }), { code: "InvalidParameter", statusCode: 400, message: /LevelList/ });
  });
});
