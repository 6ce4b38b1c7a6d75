import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { ramContext, ramInputs, userWithKey } from "../support/ram-fixtures";
import { useRamCli } from "../support/ram-cli";

/**
 * The CLI as an operator meets it: one exit-code scheme (0 done, 1 a secret
 * failed or drifted, 2 usage), one-line usage errors with a hint, one wording
 * for a missing secret, advice that names a CLI command, and `run` output
 * and scheduling that survive a replay. RAM secrets on the emulator are the
 * cheapest real rotations.
 */
describe("managed-secrets CLI behaviour", function () {
  const h = useRamCli();
  const cli = h.cli;

  async function ramSecret(overrides: Record<string, unknown> = {}): Promise<string> {
    const { userName, key } = userWithKey(h.emu, "cli");
    const { id } = await ram.create(ramInputs(userName, key, overrides), ramContext(h.t, h.emu));
    return id;
  }

  describe("usage errors exit 2 with one line and a hint, never the whole help", () => {
    const cases: Array<[string, string[], RegExp]> = [
      ["an unknown option", ["list", "--bogus"], /unknown option '--bogus'/],
      ["an unknown command", ["rotat", "x"], /unknown command 'rotat'/],
      ["a missing argument", ["describe"], /missing required argument 'name'/],
      ["a bad option value", ["run", "--concurrency", "0"], /--concurrency.*must be an integer 1\.\.64/],
      ["options that exclude each other", ["delete", "x", "--force", "--recovery-window-days", "7"], /--force and --recovery-window-days exclude each other/],
      ["no command", [], /no command given/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await cli(args);
        assert.equal(r.code, 2, r.err);
        const lines = r.err.trimEnd().split("\n");
        assert.equal(lines.length, 2, r.err);
        assert.match(lines[0]!, /^managed-secrets: (UsageError|InvalidInput): /);
        assert.match(lines[0]!, message);
        assert.match(lines[1]!, /^hint: run managed-secrets( [a-z-]+)? --help/);
        assert.doesNotMatch(r.err, /Usage:/);
        assert.equal(r.out, "");
      });
    }
  });

  it("--version prints the package version; help and version exit 0", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    const v = await cli(["--version"]);
    assert.deepEqual([v.code, v.out], [0, `${version}\n`]);
    const h = await cli(["--help"]);
    assert.equal(h.code, 0);
    assert.match(h.out, /Exit codes: 0 done, 1 a secret failed or drifted, 2 usage error/);
  });

  it("help shows each default once", async () => {
    for (const command of ["run", "check"]) {
      const h = await cli([command, "--help"]);
      assert.equal(h.code, 0);
      assert.doesNotMatch(h.out, /default \d+\)? \(default/, h.out);
      assert.match(h.out, /\(default: 8\)/);
    }
  });

  it("a missing secret has one wording in every command, and exits 1", async () => {
    const seen = new Set<string>();
    for (const args of [["describe", "nope"], ["get-value", "nope"], ["rotate", "nope"], ["delete", "nope"], ["restore", "nope"]]) {
      const r = await cli(args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
      seen.add(r.err);
    }
    assert.deepEqual([...seen], ['managed-secrets: SecretNotFound: secret "nope" does not exist\n']);
  });

  it("a secret scheduled for deletion names the command that restores it", async () => {
    const id = await ramSecret();
    assert.equal((await cli(["delete", id, "--recovery-window-days", "7"])).code, 0);
    for (const args of [["get-value", id], ["rotate", id], ["delete", id, "--recovery-window-days", "7"]]) {
      const r = await cli(args);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /^managed-secrets: SecretPendingDeletion: /);
      assert.ok(r.err.includes(`managed-secrets restore ${id}`), r.err);
      assert.doesNotMatch(r.err, /restoreSecret/);
    }
  });

  it("run --dry-run with nothing due says so once, without an empty table", async () => {
    await ramSecret({ rotationPeriod: "7d" });
    await ramSecret();
    const r = await cli(["run", "--dry-run"]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /no secrets/);
    assert.match(r.out, /^dry run: nothing due \(2 secrets checked\)/m);
  });

  it("run --at T replayed is a no-op: the next rotation counts from T", async () => {
    const id = await ramSecret({ rotationPeriod: "7d" });
    const at = new Date(h.t.clock().getTime() + 8 * 86_400_000).toISOString();
    const first = await cli(["run", "--at", at, "--json"]);
    assert.equal(first.code, 0, first.err);
    assert.deepEqual((JSON.parse(first.out) as { outcomes: Array<{ status: string }> }).outcomes.map((o) => o.status), ["rotated"]);
    const second = await cli(["run", "--at", at, "--json"]);
    assert.equal(second.code, 0, second.err);
    assert.deepEqual((JSON.parse(second.out) as { outcomes: Array<{ status: string }> }).outcomes.map((o) => o.status), ["skipped"]);
    const meta = await h.t.store.describeSecret(id);
    assert.equal(meta?.versions.find((v) => v.stages.includes("ACSCurrent"))?.versionId, "v2");
  });

  it("get-value --field prints one field of the KMS JSON, bare, for scripts", async () => {
    const id = await ramSecret();
    const whole = await cli(["get-value", id]);
    const value = JSON.parse(whole.out) as { AccessKeyId: string; AccessKeySecret: string };
    const field = await cli(["get-value", id, "--field", "AccessKeySecret"]);
    assert.deepEqual([field.code, field.out], [0, `${value.AccessKeySecret}\n`]);
    const wrong = await cli(["get-value", id, "--field", "Password"]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /--field Password is not in this ram secret's value: use AccessKeyId or AccessKeySecret/);
    const bogus = await cli(["get-value", id, "--field", "Nope"]);
    assert.equal(bogus.code, 2);
    assert.match(bogus.err, /UsageError: option '--field <field>' argument 'Nope' is invalid/);
  });
});
