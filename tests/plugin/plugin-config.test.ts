import { strict as assert } from "node:assert";
import { SETTING_NAMES } from "../../provider/context/stack-config-keys";
import { CONFIG_VARIABLES } from "../../provider/plugin/package-schema";
import { configFailures, runtimeConfig, settingsFrom } from "../../provider/plugin/plugin-config";

/** The plugin's settings are the runtime's managed-secrets:<name> stack config keys, in the plugin's namespace. */
describe("plugin configuration", function () {
  it("has a setting for each managed-secrets:<name> stack config key the runtime reads, and no other", function () {
    assert.deepEqual(Object.keys(CONFIG_VARIABLES).sort(), [...SETTING_NAMES].sort());
  });

  it("bindingKeyId is a setting, from the provider's inputs or the engine's variables, handed to the runtime as managed-secrets:bindingKeyId", function () {
    assert.deepEqual(configFailures({ bindingKeyId: "key-gzz63ff0db5hg3qje1234" }), []);
    for (const settings of [
      settingsFrom({ bindingKeyId: "key-gzz63ff0db5hg3qje1234" }, new Map()),
      settingsFrom({}, new Map([["alicloud-managed-secrets:config:bindingKeyId", "key-gzz63ff0db5hg3qje1234"]])),
    ]) {
      assert.equal(runtimeConfig(settings).get("managed-secrets:bindingKeyId"), "key-gzz63ff0db5hg3qje1234");
    }
  });
});
