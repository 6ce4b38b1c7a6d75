import { spawn } from "node:child_process";
import { ManagedSecretsError } from "../../core/errors";

/**
 * Checks a password against a crypt(3) hash of a scheme this package does
 * not compute itself (yescrypt `$y$`, the default of current Debian and
 * Ubuntu, or SHA-256 `$5$`), with this machine's libcrypt through perl's
 * crypt(). Only needed to adopt a password a person set; what this package
 * sets is always `$6$`. Both values go over stdin, never argv.
 */
export async function verifyCryptLocally(password: string, hash: string, user: string): Promise<boolean> {
  const script = 'my $h = <STDIN>; chomp $h; local $/; my $p = <STDIN>; my $c = crypt($p, $h); print(defined $c && $c eq $h ? "yes" : (defined $c && length $c > 13 ? "no" : "unsupported"))';
  const answer = await new Promise<string>((resolve) => {
    let out = "";
    const child = spawn("perl", ["-e", script], { stdio: ["pipe", "pipe", "ignore"] });
    child.on("error", () => resolve("unsupported"));
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.on("close", () => resolve(out.trim()));
    child.stdin.end(`${hash}\n${password}`);
  });
  if (answer === "yes") return true;
  if (answer === "no") return false;
  const scheme = /^\$[^$]+\$/.exec(hash)?.[0] ?? "(unknown)";
  throw new ManagedSecretsError(
    "TargetCommandFailed",
    `cannot check the password of ${user}: its shadow hash uses the ${scheme} scheme, which this machine's crypt (perl) cannot compute; ` +
      `run from a machine whose libcrypt supports it, or set the password once over connection.transport "ssh"`,
  );
}
