/** Client key pairs for tests, made by OpenSSH's ssh-keygen (an independent oracle). */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface ClientKeyPair {
  /** OpenSSH private key (unencrypted). */
  privateKey: string;
  /** authorized_keys line. */
  publicKey: string;
}

export async function generateClientKeyPair(
  type: "ed25519" | "rsa" = "ed25519",
  comment = "test-client",
): Promise<ClientKeyPair> {
  const dir = await mkdtemp(join(tmpdir(), "ssh-client-key-"));
  try {
    const path = join(dir, "id");
    const bits = type === "rsa" ? ["-b", "2048"] : [];
    await execFileAsync("/usr/bin/ssh-keygen", ["-q", "-t", type, ...bits, "-N", "", "-C", comment, "-f", path]);
    return {
      privateKey: await readFile(path, "utf8"),
      publicKey: (await readFile(`${path}.pub`, "utf8")).trim(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
