import { strict as assert } from "node:assert";
import { utils } from "ssh2";
import { generateKeyPair, PUBLIC_KEY_COMMENT } from "../../provider/credentials/generate-key-pair";
import { generatePassword, GENERATED_PASSWORD_LENGTH } from "../../provider/credentials/generate-password";

describe("Generated credentials", () => {
  it("every generated ed25519 key parses back (ssh2 alone writes about 1 in 170 it cannot read)", async () => {
    for (let i = 0; i < 600; i++) {
      const pair = await generateKeyPair("ed25519");
      const parsed = utils.parseKey(pair.privateKey);
      assert.ok(!(parsed instanceof Error), `key ${i} does not parse`);
      assert.equal(`${parsed.type} ${parsed.getPublicSSH().toString("base64")} ${PUBLIC_KEY_COMMENT}`, pair.publicKey);
    }
  });

  it("passwords are 32 characters with upper, lower, digit and symbol, and never repeat", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const p = generatePassword();
      assert.equal(p.length, GENERATED_PASSWORD_LENGTH);
      assert.match(p, /[A-Z]/);
      assert.match(p, /[a-z]/);
      assert.match(p, /[0-9]/);
      assert.match(p, /[^A-Za-z0-9]/);
      assert.doesNotMatch(p, /[:\s'"\\]/, "nothing that breaks chpasswd's user:password line or a shell");
      seen.add(p);
    }
    assert.equal(seen.size, 500);
  });
});
