import { strict as assert } from "node:assert";
import type { StartedSshHost } from "../../../testkit/sshd/ssh-host";
import type { TestStore } from "../../../testkit/store/test-store";
import * as ecs from "../../../provider/resources/ecs-secret/ecs-secret-handler";
import { ecsInputs, loginWith } from "../../support/ecs-fixtures";
import { sshHostPerSuite, storePerTest } from "../../support/suite-hooks";

/**
 * A user's own password goes through passwd with its answers on stdin, one
 * exec and no pty (issue 28: the pty costs the host CPU the floor does not
 * spend), and on a pty, prompt by prompt, only where passwd never asked on
 * the pipe. Inside the host's mount namespace (only there) /usr/bin/passwd
 * is a wrapper that logs how it was run ("pipe" or "tty") and, once told,
 * refuses to run without a terminal, as some passwd builds do; it runs the
 * real setuid passwd, bind-mounted aside in the host's own /run.
 */
describe("EcsSecret: a user's own password through passwd, on stdin first (real sshd)", function () {
  let host: StartedSshHost;
  let t: TestStore;
  const users = { bob: "bob-Initial-Pw-1", carol: "carol-Initial-Pw-1", dave: "dave-Initial-Pw-1" };

  sshHostPerSuite((h) => (host = h), { users: Object.entries(users).map(([name, password]) => ({ name, password })) });
  storePerTest((s) => (t = s));

  before(async () => {
    const wrapper = [
      "#!/bin/sh",
      'if [ -t 0 ]; then how=tty; else how=pipe; fi',
      'echo "$how" >> /run/ms-passwd/calls',
      'if [ "$how" = pipe ] && [ -e /run/ms-passwd/tty-only ]; then echo "passwd: you must run this from a terminal" >&2; exit 1; fi',
      // As pam_unix answers a wrong current password, after asking for it.
      'if [ -e /run/ms-passwd/deny ]; then printf "Current password: " >&2; read -r _; echo "passwd: Authentication token manipulation error" >&2; exit 10; fi',
      'exec /run/ms-passwd/real "$@"',
    ].join("\n");
    const setup = await host.exec(
      `set -e; mkdir -p /run/ms-passwd; touch /run/ms-passwd/real /run/ms-passwd/calls; chmod 666 /run/ms-passwd/calls
       mount --bind /usr/bin/passwd /run/ms-passwd/real
       cat > /run/ms-passwd/passwd <<'WRAP'\n${wrapper}\nWRAP
       chmod 755 /run/ms-passwd/passwd; mount --bind /run/ms-passwd/passwd /usr/bin/passwd`,
    );
    assert.equal(setup.code, 0, setup.stderr);
  });
  beforeEach(async () => {
    await host.exec("rm -f /run/ms-passwd/tty-only /run/ms-passwd/deny; : > /run/ms-passwd/calls");
  });
  const calls = async () => (await host.readFile("/run/ms-passwd/calls")).split("\n").filter(Boolean);

  async function declared(user: keyof typeof users) {
    const inputs = ecsInputs(host, { managedUser: user, initialValue: users[user] });
    const { id, outs } = await ecs.create(inputs, t.context());
    return { before: outs.value, rotate: () => ecs.update(id, outs, { ...inputs, rotationTrigger: "now" }, t.context()) };
  }

  it("one passwd, answered on stdin, no pty: the new password logs in, the old one does not", async () => {
    const { before, rotate } = await declared("bob");
    const { value } = (await rotate()).outs;
    assert.deepEqual(await calls(), ["pipe"]);
    assert.equal(await loginWith(host, "bob", { password: value }), true);
    assert.equal(await loginWith(host, "bob", { password: before }), false);
  });

  it("a passwd that insists on a terminal is answered on a pty after it refused the pipe", async () => {
    const { before, rotate } = await declared("carol");
    await host.exec("touch /run/ms-passwd/tty-only");
    const { value } = (await rotate()).outs;
    assert.deepEqual(await calls(), ["pipe", "tty"]);
    assert.equal(await loginWith(host, "carol", { password: value }), true);
    assert.equal(await loginWith(host, "carol", { password: before }), false);
  });

  it("a current password passwd refuses on the pipe is not tried again on a pty (each try counts as a failed login)", async () => {
    const { before, rotate } = await declared("dave");
    await host.exec("touch /run/ms-passwd/deny");
    await assert.rejects(rotate(), /passwd failed/);
    assert.deepEqual(await calls(), ["pipe"]);
    assert.equal(await loginWith(host, "dave", { password: before }), true, "nothing changed");
  });
});
