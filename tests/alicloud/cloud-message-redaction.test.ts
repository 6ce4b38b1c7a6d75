import { strict as assert } from "node:assert";
import * as ram from "../../provider/resources/ram-secret/ram-secret-handler";
import { stsClientFor } from "../../provider/alicloud/sts-client";
import { CloudApiError } from "../../provider/alicloud/cloud-api-error";
import { NO_RETRY } from "../../provider/core/retry";
import { MAX_JITTER_MS } from "../../provider/schedule/due";
import { expectError } from "../support/expect-error";
import { ramInputs, userWithKey } from "../support/ram-fixtures";
import { useRamCli } from "../support/ram-cli";
import { inProcessCli } from "../support/in-process-cli";
import { ramContext } from "../support/ram-fixtures";

/**
 * A cloud service's message can quote what the call carried. The emulator
 * is made to do exactly that (fault injection: the message is ours), and the
 * product's own clients (the real @alicloud SDKs underneath) must never
 * bring it to a person: not on stderr, not in a log line, not in an error's
 * message, not in a run's report or events.
 */

const PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3rZq0Wk9QvT1d8Jm2Lp4Hq7Ys6Fb5Nc0Xe1Rg2Ua3Vi4Oj5Pk\n-----END RSA PRIVATE KEY-----";
/** Shaped like a generated password: upper, lower, digits and symbols, 24 characters. */
const PASSWORD_SHAPED = "Xy7#kd93!Lm2@pq8$Tz5&Qw4";

describe("cloud messages never bring a credential to a person (emulator echoing it, real SDK clients)", function () {
  const h = useRamCli();

  it("RAM's message echoing the signing AccessKey secret, the secret's own key, a private key and a password: redacted on stderr, in logs, the run report and events", async () => {
    const { userName, key } = userWithKey(h.emu, "echo");
    const { id } = await ram.create(ramInputs(userName, key, { rotationPeriod: "7d" }), ramContext(h.t, h.emu));
    const adminSecret = h.emu.emu.accessKeySecret;
    const credentials = [adminSecret, key.accessKeySecret, PRIVATE_KEY, "MIIEowIBAAKCAQEAx3rZq0Wk9QvT1d8Jm2Lp4Hq7Ys6Fb5Nc0Xe1Rg2Ua3Vi4Oj5Pk", PASSWORD_SHAPED];
    const echo = (times: number) =>
      h.emu.emu.control.injectFault({
        action: "CreateAccessKey",
        times,
        httpStatus: 400,
        code: "InvalidParameter.Echo",
        message: `The request signed with ${adminSecret} for key ${key.accessKeySecret} is not valid; body ${PRIVATE_KEY} password ${PASSWORD_SHAPED}.`,
      });

    echo(1);
    const rotated = await h.cli(["rotate", id]);
    assert.equal(rotated.code, 1, rotated.out + rotated.err);
    assert.match(rotated.err, /InvalidParameter\.Echo/, "the service's code still says what failed");
    assert.match(rotated.err, /is not valid/, "and so do the words around what was redacted");
    assert.match(rotated.err, /\[redacted/);
    for (const c of credentials) assert.ok(!rotated.err.includes(c) && !rotated.out.includes(c), `stderr or stdout holds a credential: ${rotated.err}`);

    h.t.clock.advance(8 * 86_400_000 + MAX_JITTER_MS);
    echo(1);
    const run = await inProcessCli(() => ramContext(h.t, h.emu, "cli"))(["run", "--events", "json"]);
    assert.equal(run.code, 1, run.out + run.err);
    assert.match(run.out, /InvalidParameter\.Echo/, "the report's reason names the code");
    assert.match(run.logs, /InvalidParameter\.Echo/);
    for (const c of credentials) assert.ok(![run.out, run.err, run.logs].some((text) => text.includes(c)), `a credential reached the run's output or logs:\n${run.out}\n${run.logs}`);
  });

  it("a credential the call sent that looks like nothing in particular (STS signed with it) is redacted from the message and the code", async () => {
    const phrase = "correct horse battery staple";
    h.emu.emu.control.injectFault({ action: "GetCallerIdentity", httpStatus: 403, code: `Forbidden.${phrase}`, message: `The signature made with ${phrase} was refused.` });
    const sts = stsClientFor(h.emu.settings, NO_RETRY);
    const failed = await expectError(sts.getCallerIdentity({ accessKeyId: h.emu.emu.accessKeyId, accessKeySecret: phrase }), "CloudRejected");
    assert.ok(failed instanceof CloudApiError);
    assert.match(failed.message, /^STS GetCallerIdentity failed: Forbidden\.\[redacted\] \(HTTP 403, request [0-9A-F-]+\): The signature made with \[redacted\] was refused\.$/);
    assert.ok(!failed.apiCode.includes(phrase) && !JSON.stringify(failed).includes(phrase));
  });
});
