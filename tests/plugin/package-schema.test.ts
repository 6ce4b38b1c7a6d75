import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { validateEcsSecretInputs } from "../../provider/resources/ecs-secret/ecs-secret-schema";
import { validateRamSecretInputs } from "../../provider/resources/ram-secret/ram-secret-schema";
import { credentialInputPaths, ECS_SECRET_TOKEN, packageSchema, RAM_SECRET_TOKEN, secretOutputNames } from "../../provider/plugin/package-schema";
import { SCHEMA_PATH, schemaText } from "../../provider/plugin/schema-file";
import { PLUGIN_VERSION } from "../../provider/plugin/plugin-main";

/**
 * schema.json against the resources' validators: the property tables are
 * typed by the zod-derived input and output types (a renamed or added field
 * fails the type check); here the running validators decide which inputs are
 * required and which enum values pass, and every input the schema lists is
 * one the validator keeps.
 */

interface Spec {
  inputProperties: Record<string, { $ref?: string; default?: unknown; secret?: boolean }>;
  requiredInputs: string[];
  properties: Record<string, { secret?: boolean }>;
}
type Types = Record<string, { enum?: { value: string }[] }>;

const FP = `SHA256:${"A".repeat(43)}`;
const validEcs = () => ({
  instanceId: "i-bp1abcdefghijk",
  managedUser: "root",
  credentialType: "password",
  initialValue: "Initial-Passw0rd!",
  connection: { host: "10.0.0.5", hostKeyFingerprint: FP },
});
const validRam = () => ({ userName: "app", initialAccessKeyId: "LTAI5tAbCdEfGhIjKlMnOpQr", initialAccessKeySecret: "abcdefghijklmnopqrstuvwxyz0123" });
/** A value each optional input accepts, to show the validator keeps it. */
const OPTIONAL_VALUES: Record<string, unknown> = {
  secretName: "team/secret",
  rotationPeriod: "30d",
  rotationTrigger: "t1",
  customValue: "Another-Passw0rd!23456",
  keyAlgorithm: "ed25519",
  description: "d",
  recoveryWindowDays: 7,
  forceDeleteWithoutRecovery: true,
  previousKeyAction: "delete",
  previousKeyGracePeriod: "1h",
  // The schema alone takes either engine (which inputs each engine takes is the resources' check: ecs-engine-rules.ts, ram-engine-rules.ts).
  rotatedBy: "product",
};

const cases = [
  { token: ECS_SECRET_TOKEN, valid: validEcs, validate: validateEcsSecretInputs as (raw: unknown) => { spec?: object; failures: { property: string }[] } },
  { token: RAM_SECRET_TOKEN, valid: validRam, validate: validateRamSecretInputs as (raw: unknown) => { spec?: object; failures: { property: string }[] } },
];

describe("plugin schema.json", () => {
  const schema = packageSchema(PLUGIN_VERSION);
  const types = schema.types as unknown as Types;

  it("is what package-schema.ts writes, at the plugin's version (npx tsx provider/plugin/schema-file.ts rewrites it)", () => {
    assert.equal(readFileSync(SCHEMA_PATH, "utf8"), schemaText(), "schema.json is stale: run scripts/sdkgen/sdkgen.sh");
    assert.equal(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")).version, PLUGIN_VERSION);
  });

  for (const { token, valid, validate } of cases) {
    const spec = (schema.resources as unknown as Record<string, Spec>)[token]!;

    it(`${token}: a valid input passes, and each required input left out is a failure naming it`, () => {
      assert.deepEqual(validate(valid()).failures, []);
      for (const name of spec.requiredInputs) {
        const input: Record<string, unknown> = valid();
        delete input[name];
        const { failures } = validate(input);
        assert.ok(failures.some((f) => f.property === name), `${name} left out: ${JSON.stringify(failures)}`);
      }
      // and nothing else is required
      for (const name of Object.keys(spec.inputProperties).filter((n) => !spec.requiredInputs.includes(n))) {
        assert.ok(!(name in valid()), `${name} is optional but in the valid input`);
      }
    });

    it(`${token}: every optional input is one the validator keeps (unknown fields are dropped)`, () => {
      const optional = Object.keys(spec.inputProperties).filter((n) => !spec.requiredInputs.includes(n));
      for (const name of optional) {
        assert.ok(name in OPTIONAL_VALUES, `no test value for ${name}`);
        const input = { ...valid(), [name]: OPTIONAL_VALUES[name], ...(name === "previousKeyGracePeriod" ? { previousKeyAction: "delete" } : {}) };
        const result = validate(input);
        assert.deepEqual(result.failures, [], name);
        // Kept (perhaps parsed, e.g. rotationPeriod into seconds and text), not dropped.
        assert.notEqual((result.spec as Record<string, unknown>)[name], undefined, `${name} was dropped`);
      }
      // An unknown field is refused or dropped, never kept: so "kept" above means "known".
      const unknown = validate({ ...valid(), notAnInput: "x" });
      assert.ok(unknown.spec === undefined ? unknown.failures.length > 0 : !("notAnInput" in unknown.spec), "the validator keeps unknown fields: the check above proves nothing");
    });

    it(`${token}: each enum's values pass and another value fails naming the property; defaults are the validator's`, () => {
      for (const [name, p] of Object.entries(spec.inputProperties)) {
        const values = p.$ref ? types[p.$ref.replace("#/types/", "")]?.enum : undefined;
        if (!values) continue;
        // (another field may then have to change too, e.g. a key pair's initialValue: only this property's verdict counts)
        for (const { value } of values) assert.deepEqual(validate({ ...valid(), [name]: value }).failures.filter((f) => f.property === name), [], `${name}=${value}`);
        const { failures } = validate({ ...valid(), [name]: "not-a-member" });
        assert.ok(failures.some((f) => f.property === name), `${name}: ${JSON.stringify(failures)}`);
      }
      const parsed = validate(valid()).spec as Record<string, unknown>;
      for (const [name, p] of Object.entries(spec.inputProperties)) if (p.default !== undefined) assert.deepEqual(parsed[name], p.default, `default of ${name}`);
    });
  }

  it("marks every credential secret: inputs (nested ones too), outputs and the provider's settings", () => {
    assert.deepEqual(credentialInputPaths(ECS_SECRET_TOKEN).sort(), [
      "connection.admin.password", "connection.admin.privateKey", "connection.bastion.password", "connection.bastion.privateKey", "customValue", "initialValue",
    ]);
    assert.deepEqual(credentialInputPaths(RAM_SECRET_TOKEN), ["initialAccessKeySecret"]);
    assert.deepEqual(secretOutputNames(ECS_SECRET_TOKEN).sort(), ["customValue", "value"]);
    assert.deepEqual(secretOutputNames(RAM_SECRET_TOKEN), ["accessKeySecret"]);
    const secretConfig = Object.entries(schema.config.variables).filter(([, v]) => "secret" in v && v.secret).map(([k]) => k);
    assert.deepEqual(secretConfig.sort(), ["accessKeySecret", "passphrase", "securityToken"]);
  });

  it("replaces on the fields whose change the provider's diff replaces", () => {
    const replacing = (token: string) => Object.entries((schema.resources as unknown as Record<string, { properties: Record<string, { replaceOnChanges?: boolean }> }>)[token]!.properties).filter(([, p]) => p.replaceOnChanges).map(([k]) => k).sort();
    assert.deepEqual(replacing(ECS_SECRET_TOKEN), ["credentialType", "instanceId", "managedUser", "secretName"]);
    assert.deepEqual(replacing(RAM_SECRET_TOKEN), ["secretName", "userName"]);
  });
});
