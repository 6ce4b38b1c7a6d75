/**
 * Fleet-bench floor: the least work that rotates a NON-ROOT user's password
 * with the access the product's runner has (only that user's own current
 * password, no admin connection), with bare ssh2 + node:crypto and no product
 * code (no store, no lease, no retries, no logging).
 *
 *   1. log in as the user with the old password (host key pinned);
 *   2. change the password the cheapest way a non-root user can: `passwd`
 *      (chpasswd/usermod need root). Method "stdin" pipes old/new/new into
 *      passwd on one exec channel without a pty (Debian's passwd reads its
 *      PAM prompts from a pipe line by line), one round trip. Method "pty"
 *      answers each prompt on a pty, as a terminal user (and the product)
 *      does; it costs a pty and one round trip per prompt;
 *   3. prove the new password on a fresh connection.
 *
 * Secrets only travel over the SSH channel's stdin, never in a command line.
 */
import { randomInt } from "node:crypto";
import type { Client } from "ssh2";
import { close, connect } from "../testkit/ssh-client/bare-ssh2-floor";

export interface FleetFloorTarget {
  readonly host: string;
  readonly port: number;
  /** "SHA256:..." as ssh-keygen -lf prints it. */
  readonly hostKeyFingerprint: string;
}

export type PasswdMethod = "stdin" | "pty";

export interface UserPasswordRotation extends FleetFloorTarget {
  readonly user: string;
  readonly oldPassword: string;
  readonly newPassword: string;
}

const COMMAND_TIMEOUT_MS = 60_000;

/** Same policy as a KMS-generated ECS password (32 chars, all four classes), drawn with node:crypto. */
const CLASSES = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!#$%&()*+,-./;<=>?@[]^_{|}~"] as const;

export function floorPassword(length = 32): string {
  const all = CLASSES.join("");
  const chars = CLASSES.map((set) => set[randomInt(set.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

/** Old password -> passwd (old/new/new) -> fresh login with the new password. */
export async function floorUserPasswordRotation(input: UserPasswordRotation, method: PasswdMethod): Promise<void> {
  for (const p of [input.oldPassword, input.newPassword]) if (/[\r\n\0]/.test(p)) throw new Error("passwords must be single-line");
  const session = await connect(input, { username: input.user, password: input.oldPassword }, "old password");
  try {
    const code =
      method === "stdin"
        ? await runWithStdin(session, "LC_ALL=C passwd", `${input.oldPassword}\n${input.newPassword}\n${input.newPassword}\n`)
        : await runOnPty(session, "LC_ALL=C passwd", [
            { expect: /current.*password[^:]*:\s*$/i, send: input.oldPassword },
            { expect: /new password[^:]*:\s*$/i, send: input.newPassword },
            { expect: /new password[^:]*:\s*$/i, send: input.newPassword },
          ]);
    if (code !== 0) throw new Error(`passwd (${method}) failed for ${input.user}@${input.host}:${input.port} (exit ${code})`);
  } finally {
    await close(session);
  }
  await close(await connect(input, { username: input.user, password: input.newPassword }, "new password"));
}


/** One exec channel, stdin written then closed; resolves with the exit code. */
function runWithStdin(client: Client, command: string, stdin: string): Promise<number | null> {
  return channel(client, command, false, (stream) => stream.end(stdin));
}

/** An exec channel on a pty: waits for each prompt, then answers it. */
function runOnPty(client: Client, command: string, script: ReadonlyArray<{ expect: RegExp; send: string }>): Promise<number | null> {
  return channel(client, command, true, (stream) => {
    let output = "";
    let step = 0;
    stream.on("data", (d: Buffer) => {
      output += d.toString("utf8");
      const next = script[step];
      if (next && next.expect.test(output)) {
        output = "";
        step++;
        stream.write(`${next.send}\n`);
      }
    });
  });
}

function channel(
  client: Client,
  command: string,
  pty: boolean,
  feed: (stream: import("ssh2").ClientChannel) => void,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`${command} did not finish within ${COMMAND_TIMEOUT_MS / 1000}s`));
    }, COMMAND_TIMEOUT_MS);
    client.exec(command, { pty }, (err, stream) => {
      if (err) {
        clearTimeout(timer);
        reject(err);
        return;
      }
      let code: number | null = null;
      if (!pty) stream.on("data", () => {});
      stream.stderr.on("data", () => {});
      stream.on("exit", (c: number | null) => (code = c));
      stream.on("close", () => {
        clearTimeout(timer);
        resolve(code);
      });
      feed(stream);
    });
  });
}

