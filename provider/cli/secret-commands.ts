import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { ManagedSecretsError, secretNotFound } from "../core/errors";
import { wholeNumberIn } from "../core/decimal";
import type { RuntimeContext } from "../context/runtime-context";
import type { TargetRegistry } from "../rotation/target-registry";
import {
  DEFAULT_RECOVERY_WINDOW_DAYS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
  VERSION_STAGES,
  type SecretMeta,
  type VersionStage,
} from "../store/secret-store";
import { rotateSecret } from "../rotation/rotate-secret";
import { restoreSole } from "../resources/secret-resource";
import { freshVersionId, requestKmsRotation } from "../resources/kms-engine";
import { META } from "../schedule/rotation-metadata";
import { jsonText, printRecord, printTable, type Output } from "./output";
import { parseConcurrency, type RunnerIo } from "./runner-commands";
import { blastRadiusOptions } from "./blast-radius-options";
import { observedRotation, refuseFleetFlags, rotateSelected, type RotateSelectedFlags } from "./rotate-selected";
import { eventOptions, eventSinkFrom } from "./event-options";
import { createLogger } from "../core/log";
import type { LogFormat } from "./log-format";

/**
 * The commands on the store's secrets, one at a time: list, describe,
 * get-value, rotate (or, with --select, a blast-radius-gated pass), delete and
 * restore. Registered in this order, which is the order --help lists them.
 */

/** The fields of the KMS value JSON a script may ask get-value for. */
const VALUE_FIELDS = ["UserName", "Password", "PublicKey", "PrivateKey", "AccessKeyId", "AccessKeySecret"] as const;
type ValueField = (typeof VALUE_FIELDS)[number];

const WINDOW_RANGE = `${MIN_RECOVERY_WINDOW_DAYS}..${MAX_RECOVERY_WINDOW_DAYS}`;

export interface SecretCommandsIo {
  readonly out: Output;
  readonly err: Output;
  readonly context: () => RuntimeContext;
  /** Runner-only injections (logger, wait, abort signal) for tests. */
  readonly runner?: Pick<RunnerIo, "logger" | "wait" | "signal">;
}

export function registerSecretCommands(program: Command, io: SecretCommandsIo): void {
  const ctx = io.context;
  const json = new Option("--json", "print machine-readable JSON");

  program
    .command("list")
    .description("list secrets (no values)")
    .option("--prefix <prefix>", "only names starting with this")
    .option("--all", "include secrets scheduled for deletion")
    .option("--versions", "also show each secret's current version (reads every secret: two KMS calls each on the kms store)")
    .addOption(json)
    .action(async (opts: { prefix?: string; all?: boolean; versions?: boolean; json?: boolean }) => {
      // The schedule detail is what a listing shows, and the kms store answers it from ListSecrets alone (ceil(N/100) calls);
      // version ids are not in a listing, so only --versions reads each secret.
      const detail = opts.versions ? "full" : "schedule";
      const secrets = await ctx().store.listSecrets({ prefix: opts.prefix, includePendingDeletion: opts.all, detail });
      const { targets } = ctx();
      const rows = secrets.map((meta) => summary(targets, meta, opts.versions === true));
      if (opts.json) io.out.write(jsonText(rows));
      else printTable(io.out, rows, ["name", "kind", "target", ...(opts.versions ? ["currentVersion"] : []), "nextRotationAt", "plannedDeleteAt"]);
    });

  program
    .command("describe <name>")
    .description("show a secret's target, schedule, versions and stages (no values)")
    .addOption(json)
    .action(async (name: string, opts: { json?: boolean }) => {
      const { store, targets } = ctx();
      const meta = await store.describeSecret(name);
      if (!meta) throw secretNotFound(name);
      const record = { ...summary(targets, meta, true), description: meta.description, createdAt: meta.createdAt, metadata: meta.metadata, versions: meta.versions };
      if (opts.json) io.out.write(jsonText(record));
      else printRecord(io.out, record);
    });

  program
    .command("get-value <name>")
    .description(
      "print a secret's value (ACSCurrent unless --stage or --version-id) as KMS stores it: the JSON of KMS's managed secrets, " +
        '{"UserName","Password"}, {"UserName","PublicKey","PrivateKey"} or {"AccessKeyId","AccessKeySecret",...}; --field prints one of them bare',
    )
    .addOption(new Option("--stage <stage>", "version stage").choices([...VERSION_STAGES]))
    .option("--version-id <id>", "a specific version")
    .addOption(new Option("--field <field>", "print only this field of the value, bare, for scripts").choices([...VALUE_FIELDS]))
    .addOption(json)
    .action(async (name: string, opts: { stage?: VersionStage; versionId?: string; field?: ValueField; json?: boolean }) => {
      if (opts.field && opts.json) throw new ManagedSecretsError("InvalidInput", "--field and --json exclude each other", { property: "--field" });
      const version = await ctx().store.getValue(name, { stage: opts.versionId ? opts.stage : (opts.stage ?? "ACSCurrent"), versionId: opts.versionId });
      if (opts.json) io.out.write(jsonText({ name, versionId: version.versionId, stages: version.stages, value: version.value }));
      else io.out.write(`${opts.field ? valueField(version.value, opts.field) : version.value}\n`);
    });

  const rotate = program
    .command("rotate [name]")
    .description("rotate now: a generated value, or the one in --value-file; or, with --select instead of a name, every selected secret under the blast-radius flags")
    .option(
      "--value-file <file>",
      "rotate to the bare password or private key in this file, not the JSON get-value prints (never pass a secret on the command line)",
    )
    .addOption(json)
    .option("--concurrency <n>", "with --select: rotations in flight (1..64, default 8)", parseConcurrency);
  for (const option of [...blastRadiusOptions(), ...eventOptions()]) rotate.addOption(option);
  rotate.action(async (name: string | undefined, opts: RotateSelectedFlags & { valueFile?: string; json?: boolean }) => {
      if (opts.select !== undefined) {
        if (name !== undefined) throw new ManagedSecretsError("InvalidInput", "give a secret <name> or --select, not both", { property: "--select" });
        if (opts.valueFile !== undefined) throw new ManagedSecretsError("InvalidInput", "--value-file sets one secret's value: it does not go with --select", { property: "--value-file" });
        return rotateSelected({ out: io.out, err: io.err, context: ctx, ...io.runner }, { ...opts, logFormat: program.opts<{ logFormat?: LogFormat }>().logFormat });
      }
      if (name === undefined) throw new ManagedSecretsError("InvalidInput", "rotate needs a secret <name>, or --select to rotate several", { property: "name" });
      refuseFleetFlags(opts);
      const c = ctx();
      const meta = await c.store.describeSecret(name);
      if (!meta) throw secretNotFound(name);
      if (meta.managed) return askKms(c, io, name, opts);
      const value = opts.valueFile === undefined ? undefined : valueFromFile(c.targets, meta, opts.valueFile);
      const events = eventSinkFrom(opts, io, ctx, io.runner?.logger ?? createLogger());
      const rotate = () =>
        observedRotation(meta, c.targets.factsOf(meta), events, c.clock, () => rotateSecret({ store: c.store, name, target: c.targets.targetFor(meta, c), owner: `cli:${c.owner}`, clock: c.clock, value }));
      let outcome = await rotate();
      // A pending version is always finished first (it may already be on the target);
      // the value asked for still has to go in after it, or success would be claimed for a value never set.
      const completed = outcome.resumed && value !== undefined && (await c.store.getValue(name)).value !== value ? outcome : undefined;
      if (completed) outcome = await rotate();
      if (value !== undefined && (await c.store.getValue(name)).value !== value) {
        throw new ManagedSecretsError("LeaseHeld", `another rotation of ${name} got in between: the value from --value-file is not ACSCurrent; run the command again`, { secretName: name });
      }
      const record = {
        name,
        versionId: outcome.versionId,
        previousVersionId: outcome.previousVersionId,
        resumed: outcome.resumed,
        ...(completed ? { completedInterruptedVersionId: completed.versionId } : {}),
      };
      if (opts.json) io.out.write(jsonText(record));
      else {
        if (completed) io.out.write(`completed an interrupted rotation to ${completed.versionId} first\n`);
        io.out.write(`rotated ${name}: ${outcome.previousVersionId} -> ${outcome.versionId}${outcome.resumed ? " (completed an interrupted rotation)" : ""}\n`);
      }
    });

  program
    .command("delete <name>")
    .description(
      `schedule deletion with a recovery window (default ${DEFAULT_RECOVERY_WINDOW_DAYS} days), or delete at once with --force; the instance or RAM user is never changed`,
    )
    .option("--recovery-window-days <days>", WINDOW_RANGE, parseDays)
    .option("--force", "delete now, without recovery")
    .addOption(json)
    .action(async (name: string, opts: { recoveryWindowDays?: number; force?: boolean; json?: boolean }) => {
      if (opts.force && opts.recoveryWindowDays !== undefined) {
        throw new ManagedSecretsError("InvalidInput", "--force and --recovery-window-days exclude each other", { property: "--force" });
      }
      const store = ctx().store;
      if (!(await store.describeSecret(name))) throw secretNotFound(name);
      const result = await store.deleteSecret(name, opts.force ? { force: true } : { recoveryWindowDays: opts.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS });
      const record = { name, deleted: opts.force === true, plannedDeleteAt: result.plannedDeleteAt ?? null };
      if (opts.json) io.out.write(jsonText(record));
      else io.out.write(opts.force ? `deleted ${name}\n` : `${name} will be deleted at ${result.plannedDeleteAt}; restore it before then with: managed-secrets restore ${name}\n`);
    });

  program
    .command("restore <name>")
    .description("cancel a scheduled deletion")
    .addOption(json)
    .action(async (name: string, opts: { json?: boolean }) => {
      const c = ctx();
      const meta = await restoreSole(c, name);
      if (opts.json) io.out.write(jsonText(summary(c.targets, meta, true)));
      else io.out.write(`restored ${name}\n`);
    });
}

/**
 * `rotate <name>` of a secret KMS rotates itself: RotateSecret with a fresh
 * VersionId; KMS answers before it rotates (there is no status API), so the
 * command says so, and `check` says when it is done (or how it failed).
 */
async function askKms(c: RuntimeContext, io: SecretCommandsIo, name: string, opts: { valueFile?: string; json?: boolean }): Promise<void> {
  if (opts.valueFile !== undefined) {
    throw new ManagedSecretsError("InvalidInput", `--value-file is not taken for ${name}: KMS rotates it itself and generates every new value (RotateSecret takes none)`, { property: "--value-file" });
  }
  const versionId = freshVersionId("cli");
  await requestKmsRotation(c, name, versionId, "name");
  const record = { name, versionId, rotatedBy: "kms", started: true };
  if (opts.json) io.out.write(jsonText(record));
  else io.out.write(`asked KMS to rotate ${name} (RotateSecret, version ${versionId}); KMS rotates it on its own: managed-secrets check --select name:${name} says when it is done, or why it failed\n`);
}

function valueField(value: string, field: ValueField): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(value) as Record<string, unknown>;
  } catch {
    throw new ManagedSecretsError("InvalidInput", "--field needs a value in KMS's JSON shape; this version holds something else", { property: "--field" });
  }
  const text = parsed[field];
  if (typeof text === "string") return text;
  const kind = typeof parsed.AccessKeyId === "string" ? "ram" : "ecs";
  const present = VALUE_FIELDS.filter((f) => typeof parsed[f] === "string");
  throw new ManagedSecretsError("InvalidInput", `--field ${field} is not in this ${kind} secret's value: use ${present.join(" or ")}`, { property: "--field" });
}

function summary(targets: TargetRegistry, meta: SecretMeta, versions: boolean) {
  const m = meta.metadata;
  const facts = targets.factsOf(meta);
  return {
    name: meta.name,
    kind: facts?.family ?? "",
    target: facts?.description ?? "(its target cannot be read: run managed-secrets check)",
    ...(versions ? { currentVersion: meta.versions.find((v) => v.stages.includes("ACSCurrent"))?.versionId ?? "" } : {}),
    // KMS keeps the schedule of a secret it rotates itself.
    lastRotatedAt: meta.managed?.lastRotatedAt ?? m[META.lastRotatedAt] ?? "",
    nextRotationAt: meta.managed ? (meta.managed.nextRotationAt ?? "") : (m[META.nextRotationAt] ?? ""),
    plannedDeleteAt: meta.plannedDeleteAt ?? "",
  };
}

function parseDays(text: string): number {
  const n = wholeNumberIn(text, MIN_RECOVERY_WINDOW_DAYS, MAX_RECOVERY_WINDOW_DAYS);
  if (n === undefined) throw new InvalidArgumentError(`must be an integer ${WINDOW_RANGE}, in decimal digits`);
  return n;
}

function valueFromFile(targets: TargetRegistry, meta: SecretMeta, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ManagedSecretsError("InvalidInput", `cannot read --value-file ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, { property: "--value-file" });
  }
  // Decoded and checked by the secret's kind, with the rules a declared customValue meets, before anything is written.
  const { kind, spec } = targets.decode(meta);
  if (!kind.valueFromText) throw new ManagedSecretsError("InvalidInput", `--value-file is not supported for ${kind.name} secrets`, { property: "--value-file" });
  return kind.valueFromText(text, spec, "--value-file");
}
