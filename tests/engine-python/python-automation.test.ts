import { strict as assert } from "node:assert";
import { join } from "node:path";
import { PACKAGE_NAME } from "../../provider/plugin/package-schema";
import { createPluginWorkspace, installPlugin, pluginTarball } from "../../testkit/pulumi/plugin-project";
import { pythonWithSdk } from "../../testkit/pulumi/language-sdks";
import type { PulumiWorkspace } from "../../testkit/pulumi/pulumi-workspace";
import { automationDriver, automationRunner } from "../support/automation-driver";
import { pluginLifecycle } from "../support/plugin-lifecycle";

/**
 * Python through the Automation API's inline program (PyPI pulumi 3.272.0)
 * with the generated SDK pip-installed into a virtualenv, the plugin from its
 * tarball: the program's language server runs inside the driver and the real
 * CLI is called with --client, so no language host of anyone's is involved.
 */

const DRIVER = join(__dirname, "driver.py");

describe("Python under the real engine: the Automation API, the generated SDK, the plugin", function () {
  this.timeout(900_000);
  pluginLifecycle(async () => {
    const [python, ws] = await Promise.all([pythonWithSdk(), createPluginWorkspace()]);
    return automationDriver([python, DRIVER], ws, "managed-secrets-python");
  }, { full: false });
});

describe("Python: bad input, a missing plugin and a plugin of another version get errors that name the property or what to install", function () {
  this.timeout(600_000);
  let ws: PulumiWorkspace;
  let python: string;
  const config = { [`${PACKAGE_NAME}:localPath`]: { value: "/nonexistent/store.enc", secret: false } };
  const preview = async (program: string) => {
    const r = await automationRunner([python, DRIVER], ws, "bad-input-python", () => config).run("preview", program);
    assert.notEqual(r.code, 0, `${program} passed:\n${r.text}`);
    return r.text;
  };

  before(async () => {
    [python, ws] = await Promise.all([pythonWithSdk(), createPluginWorkspace({ withoutPlugin: true })]);
  });
  after(() => ws?.stop());

  it("without the plugin, or with only another version of it, the error names the plugin and the version to install", async () => {
    const t = await pluginTarball();
    try {
      // Pulumi's words: the SDK's pulumi-plugin.json asks for v0.1.0, and the README says how to install it.
      assert.match(await preview("wrong-enum"), /no resource plugin 'pulumi-resource-alicloud-managed-secrets' found in the workspace at version v0\.1\.0/);
      await ws.pulumiOk(["plugin", "install", "resource", PACKAGE_NAME, "0.0.9", "--file", t.path]);
      assert.match(await preview("wrong-enum"), /no resource plugin 'pulumi-resource-alicloud-managed-secrets' found in the workspace at version v0\.1\.0/);
    } finally {
      await installPlugin(ws, t);
    }
  });

  it("a missing required input, a wrong enum value and a plain-text credential each name the property", async () => {
    assert.match(await preview("missing-required"), /Missing required property 'instance_id'/);
    assert.match(await preview("wrong-enum"), /property credentialType value \{?passwd\}? has a problem: must be "password" or "keyPair"/);
    const plain = await preview("plain-secret");
    assert.match(plain, /connection\.admin\.password is a credential and arrived as plain text/);
    assert.ok(!plain.includes("Admin-Passw0rd-1"), "the plain-text credential is printed");
  });
});
