import { strict as assert } from "node:assert";
import { PACKAGE_NAME } from "../../provider/plugin/package-schema";
import { createPluginWorkspace } from "../../testkit/pulumi/plugin-project";
import { goDriverBinary } from "../../testkit/pulumi/language-sdks";
import type { PulumiWorkspace } from "../../testkit/pulumi/pulumi-workspace";
import { automationDriver, automationRunner } from "../support/automation-driver";
import { pluginLifecycle } from "../support/plugin-lifecycle";

/**
 * Go through the Automation API's inline program (github.com/pulumi/pulumi/
 * sdk/v3/go/auto) with the generated Go SDK reached by a replace directive
 * (tests/engine-go/driver), the plugin from its tarball: the program runs
 * inside the driver and the real CLI is called with --client.
 */

describe("Go under the real engine: the Automation API, the generated SDK, the plugin", function () {
  this.timeout(900_000);
  pluginLifecycle(async () => {
    const [driver, ws] = await Promise.all([goDriverBinary(), createPluginWorkspace()]);
    return automationDriver([driver], ws, "managed-secrets-go");
  }, { full: false });
});

describe("Go: bad input gets errors that name the property", function () {
  this.timeout(600_000);
  let ws: PulumiWorkspace;
  let driver: string;
  const config = { [`${PACKAGE_NAME}:localPath`]: { value: "/nonexistent/store.enc", secret: false } };
  const preview = async (program: string) => {
    const r = await automationRunner([driver], ws, "bad-input-go", () => config).run("preview", program);
    assert.notEqual(r.code, 0, `${program} passed:\n${r.text}`);
    return r.text;
  };

  before(async () => {
    [driver, ws] = await Promise.all([goDriverBinary(), createPluginWorkspace()]);
  });
  after(() => ws?.stop());

  it("a missing required input, a wrong enum value and a plain-text credential each name the property", async () => {
    assert.match(await preview("missing-required"), /invalid value for required argument 'InstanceId'/);
    assert.match(await preview("wrong-enum"), /property credentialType value \{?passwd\}? has a problem: must be "password" or "keyPair"/);
    const plain = await preview("plain-secret");
    assert.match(plain, /connection\.admin\.password is a credential and arrived as plain text/);
    assert.ok(!plain.includes("Admin-Passw0rd-1"), "the plain-text credential is printed");
  });
});
