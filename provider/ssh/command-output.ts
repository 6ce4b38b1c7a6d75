import type { ExecResult } from "./ssh-session";

/**
 * What a failed command last said, for an error message: its stderr, or its
 * stdout when stderr is empty (a pty merges both; `nologin` answers on
 * stdout). The commands here get secrets on stdin and do not echo them, but
 * a host's shell or PAM stack is not ours to trust, so every secret the
 * command was given is masked before the text can reach a message.
 */
export function outputTail(result: Pick<ExecResult, "stdout" | "stderr">, secrets: readonly string[] = []): string {
  let text = result.stderr.trim() || result.stdout.trim();
  for (const secret of secrets) if (secret !== "") text = text.split(secret).join("[redacted]");
  return text.split(/\r?\n/).slice(-2).map((line) => line.trim()).join(" ").slice(0, 300);
}
