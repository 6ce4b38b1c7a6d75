import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as $Ram from "@alicloud/ram20150501";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { expectApiError, kmsCall } from "../support/emulator-helpers";
import { ramClient, stsClient } from "../../testkit/emulator/sdk-clients";

describe("emulator: lifecycle (dispose, state file, CLI)", () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "emulator-test-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("listens on 127.0.0.1 with a free port and is async-disposable", async () => {
    let endpoint: string;
    {
      await using emu = await startEmulator({ regionId: "cn-shanghai" });
      assert.match(emu.endpoint, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(emu.port, 0);
      assert.equal(emu.regionId, "cn-shanghai");
      endpoint = emu.endpoint;
      assert.equal((await stsClient(emu).getCallerIdentity()).statusCode, 200);
    }
    await assert.rejects(fetch(`http://${endpoint}/__emulator/health`));
  });

  it("setTime and advanceClock move the business clock seen in responses", async () => {
    await using emu = await startEmulator({ clock: () => new Date("2030-01-01T00:00:00Z") });
    emu.control.setTime("2031-06-01T12:00:00Z");
    emu.control.advanceClock(60_000);
    const user = await ramClient(emu).createUser(new $Ram.CreateUserRequest({ userName: "timed" }));
    assert.equal(user.body?.user?.createDate, "2031-06-01T12:01:00Z");
    assert.throws(() => emu.control.advanceClock(-1), RangeError);
  });

  it("keeps the sandbox across restarts with a state file", async () => {
    const stateFile = join(dir, "state.json");
    const first = await startEmulator({ stateFile });
    first.control.createUser({ name: "kept" });
    const key = first.control.createAccessKey("kept");
    await kmsCall(first, "CreateSecret", { SecretName: "kept", SecretData: "v", VersionId: "v1" });
    await kmsCall(first, "DeleteSecret", { SecretName: "kept", RecoveryWindowInDays: 7 });
    first.control.advanceClock(3 * 24 * 60 * 60 * 1000);
    const movedTo = first.control.now().getTime();
    await first.stop();
    assert.equal(statSync(stateFile).mode & 0o777, 0o600, "the state file holds secrets");

    const second: EmulatorHandle = await startEmulator({ stateFile });
    try {
      assert.equal(second.accountId, first.accountId);
      assert.equal(second.accessKeyId, first.accessKeyId);
      assert.equal(second.accessKeySecret, first.accessKeySecret);
      assert.ok(Math.abs(second.control.now().getTime() - movedTo) < 60_000, "the moved clock survived");
      assert.equal((await stsClient(second, key).getCallerIdentity()).body?.arn, `acs:ram::${second.accountId}:user/kept`);
      const described = await kmsCall(second, "DescribeSecret", { SecretName: "kept" });
      assert.ok(described.PlannedDeleteTime);
      second.control.advanceClock(4 * 24 * 60 * 60 * 1000);
      await expectApiError(kmsCall(second, "DescribeSecret", { SecretName: "kept" }), {
        code: "Forbidden.ResourceNotFound",
        statusCode: 404,
      });
    } finally {
      await second.stop();
    }
  });

  it("runs from the command line, prints endpoint and admin credentials, and stops on SIGTERM", async () => {
    const stateFile = join(dir, "cli-state.json");
    const cli = spawn(process.execPath, ["--import", "tsx", "emulator/cli.ts", "--state-file", stateFile, "--region", "cn-beijing"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = "";
        cli.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (/state file:.*\n/.test(out)) resolve(out);
        });
        cli.once("exit", (code) => reject(new Error(`CLI exited (${code}) before it was ready: ${out}`)));
      });
      const field = (name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(banner)?.[1] ?? "";
      const emu = {
        endpoint: field("endpoint"),
        regionId: field("region"),
        accessKeyId: field("AccessKeyId"),
        accessKeySecret: field("AccessKeySecret"),
      } as EmulatorHandle;
      assert.equal(emu.regionId, "cn-beijing");
      const user = await ramClient(emu).createUser(new $Ram.CreateUserRequest({ userName: "from-cli" }));
      assert.equal(user.body?.user?.userName, "from-cli");
    } finally {
      const exited = new Promise((resolve) => cli.once("exit", resolve));
      if (cli.pid !== undefined) process.kill(cli.pid, "SIGTERM");
      assert.equal(await exited, 0);
    }
  });
});
