import type { Command } from "commander";
import type { RuntimeContext } from "../context/runtime-context";
import { ManagedSecretsError } from "../core/errors";
import type { LocalSecretStore } from "../store/local/local-store";
import { jsonText, type Output } from "./output";

/**
 * `managed-secrets accept-rollback <state>`: the one way to take a local
 * store file that was refused with StoreRolledBack (a backup restored on
 * purpose, a store deleted on purpose). It takes only the exact state the
 * error named, so it cannot accept a file nobody looked at, and it says on
 * stdout what it gave up; the high-water mark keeps when and from what.
 */
export function registerAcceptRollbackCommand(program: Command, io: { out: Output; context: () => RuntimeContext }): void {
  program
    .command("accept-rollback <state>")
    .description(
      "after a StoreRolledBack error: take the local store file as it is now (the <state> that error names) as its newest state on this machine; what was committed after it is given up",
    )
    .option("--json", "print machine-readable JSON")
    .action(async (state: string, opts: { json?: boolean }) => {
      const { store } = io.context();
      if (store.kind !== "local") {
        throw new ManagedSecretsError("StoreConfig", "accept-rollback applies to the local store only (managed-secrets:store is kms)", { property: "store" });
      }
      const local = store as LocalSecretStore;
      const accepted = await local.acceptRollback(state);
      const before = accepted.previous === undefined ? "no commit of it seen before" : `commit ${accepted.previous} seen before`;
      if (opts.json) {
        io.out.write(jsonText({ store: local.path, accepted: accepted.state, previousCommit: accepted.previous?.toString() ?? null, markFile: accepted.markFile }));
      } else {
        const now = accepted.state.startsWith("commit-") ? `commit ${accepted.state.split("-")[1]}` : accepted.state === "none" ? "no file (an empty store)" : "a format-1 file";
        io.out.write(`accepted the store file ${local.path} at ${now} as its newest state (${before}; high-water mark ${accepted.markFile})\n`);
      }
    });
}
