import type { Command } from "commander";
import type { RuntimeContext } from "../context/runtime-context";
import { ManagedSecretsError } from "../core/errors";
import type { KmsSecretStore } from "../store/kms/kms-store";
import { jsonText, printTable, type Output } from "./output";

/**
 * `managed-secrets clean-leases [--apply]`: after upgrading from a release
 * that kept each secret's rotation lease in a companion secret
 * (managed-secrets-lease/<sha256>), finds those companions and, with
 * --apply, deletes them at once (no recovery window: they hold no
 * credential). A dry run by default: it lists what it would remove and why.
 * It removes nothing but companions that are only a lease record, and none
 * that an earlier release's rotator holds right now.
 */
export function registerCleanLeasesCommand(program: Command, io: { out: Output; context: () => RuntimeContext }): void {
  program
    .command("clean-leases")
    .description(
      "kms store: list the rotation-lease companions earlier releases left (managed-secrets-lease/<sha256>, a billed KMS secret each); with --apply, delete them (dry run by default)",
    )
    .option("--apply", "delete the companions listed as orphaned or legacy (otherwise only list them)")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: { apply?: boolean; json?: boolean }) => {
      const { store } = io.context();
      if (store.kind !== "kms") {
        throw new ManagedSecretsError("StoreConfig", "clean-leases applies to the kms store only (managed-secrets:store is local)", { property: "store" });
      }
      const rows = await (store as KmsSecretStore).cleanLeaseCompanions({ remove: opts.apply === true });
      const removable = rows.filter((r) => r.status === "orphaned" || r.status === "legacy");
      if (opts.json) {
        io.out.write(jsonText({ dryRun: opts.apply !== true, companions: rows }));
        return;
      }
      if (rows.length === 0) {
        io.out.write("no lease companions: nothing to remove\n");
        return;
      }
      printTable(
        io.out,
        rows.map((r) => ({ companion: r.name, status: r.status, secret: r.secretName ?? "", action: r.removed ? "removed" : opts.apply || !removable.includes(r) ? "kept" : "would remove", why: r.why ?? "" })),
        ["companion", "status", "secret", "action", "why"],
      );
      io.out.write(
        opts.apply
          ? `removed ${rows.filter((r) => r.removed).length} lease companion(s)\n`
          : `would remove ${removable.length} lease companion(s); nothing was changed (dry run): run managed-secrets clean-leases --apply to remove them\n`,
      );
    });
}
