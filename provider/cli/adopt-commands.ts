import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { ManagedSecretsError, isManagedSecretsError, restoreAdvice, secretNotFound, secretPendingDeletion } from "../core/errors";
import type { RuntimeContext } from "../context/runtime-context";
import { DEFAULT_RECOVERY_WINDOW_DAYS, MAX_RECOVERY_WINDOW_DAYS, MIN_RECOVERY_WINDOW_DAYS } from "../store/secret-store";
import * as ecsSecret from "../resources/ecs-secret/ecs-secret-handler";
import * as ramSecret from "../resources/ram-secret/ram-secret-handler";
import { adoptEcsWithKms } from "../resources/ecs-secret/ecs-kms-engine";
import { adoptRamWithKms } from "../resources/ram-secret/ram-kms-engine";
import { jsonText, printRecord, type Output } from "./output";

/**
 * `adopt ecs|ram`: put a credential under management without Pulumi, through
 * the resources' own create path (the same schema, the same login or signed
 * call before anything is stored), so the runner and `check` have something
 * to work on in a store no program wrote. Credentials come only from files or
 * stdin: a command line is visible in `ps` and shell history.
 */

export interface AdoptIo {
  readonly out: Output;
  readonly context: () => RuntimeContext;
  /** Everything on stdin, for `--...-file -`; tests inject it. */
  readonly stdin?: () => Promise<string>;
}

/** Outputs that are safe to print: everything but the credentials. */
const PRINTED = ["secretName", "versionId", "automaticRotation", "rotationPeriodSeconds", "lastRotatedAt", "nextRotationAt", "accessKeyId", "accessKeyStatus", "publicKey", "health"];

const ECS_FLAGS: Record<string, string> = {
  instanceId: "--instance-id",
  managedUser: "--user",
  credentialType: "--type",
  secretName: "--secret-name",
  initialValue: "--value-file",
  "connection.host": "--host",
  "connection.port": "--port",
  "connection.hostKeyFingerprint": "--host-key-fingerprint",
  "connection.admin.user": "--admin-user",
  "connection.admin.password": "--admin-password-file",
  "connection.admin.privateKey": "--admin-key-file",
  "connection.admin": "--admin-user",
  rotationPeriod: "--rotation-period",
  keyAlgorithm: "--key-algorithm",
  description: "--description",
  recoveryWindowDays: "--recovery-window-days",
};

const RAM_FLAGS: Record<string, string> = {
  userName: "--user-name",
  secretName: "--secret-name",
  initialAccessKeyId: "--access-key-id",
  initialAccessKeySecret: "--access-key-secret-file",
  rotationPeriod: "--rotation-period",
  previousKeyAction: "--previous-key-action",
  previousKeyGracePeriod: "--previous-key-grace-period",
  description: "--description",
  recoveryWindowDays: "--recovery-window-days",
};

interface Common {
  secretName?: string;
  rotationPeriod?: string;
  description?: string;
  recoveryWindowDays?: number | string;
  json?: boolean;
}

interface EcsFlags extends Common {
  instanceId: string;
  user: string;
  type: string;
  host: string;
  port?: number | string;
  hostKeyFingerprint: string;
  valueFile: string;
  keyAlgorithm?: string;
  adminUser?: string;
  adminPasswordFile?: string;
  adminKeyFile?: string;
}

interface RamFlags extends Common {
  userName: string;
  accessKeyId: string;
  accessKeySecretFile: string;
  previousKeyAction?: string;
  previousKeyGracePeriod?: string;
}

/** Numbers are handed to the schema as typed, so its message (not commander's) says what is allowed. */
const numberOrText = (v: string): number | string => (/^[0-9]+$/.test(v) ? Number(v) : v);

function common(command: Command): Command {
  return command
    .option("--secret-name <name>", "the secret's name in the store (default as the resource's)")
    .option("--rotation-period <period>", "automatic rotation, e.g. 30d, 12h, 604800s (6h..8760h); absent: off")
    .option("--description <text>", "free text, at most 1024 characters")
    .option("--recovery-window-days <days>", `${MIN_RECOVERY_WINDOW_DAYS}..${MAX_RECOVERY_WINDOW_DAYS}, used when the secret is deleted (default ${DEFAULT_RECOVERY_WINDOW_DAYS})`, numberOrText)
    .addOption(new Option("--json", "print the adopted secret as JSON (never a credential)"));
}

export function registerAdoptCommands(program: Command, io: AdoptIo): void {
  const adopt = program
    .command("adopt")
    .description("put an existing credential under management without Pulumi (validated and checked as the resources do); credentials only from files or stdin (-)");

  common(
    adopt
      .command("ecs")
      .description("adopt an ECS instance user's password or SSH key pair, verified by an SSH login before it is stored")
      .requiredOption("--instance-id <id>", "the instance, i-...")
      .requiredOption("--user <name>", "the POSIX user whose credential is managed")
      .addOption(new Option("--type <type>", "the credential").choices(["password", "keyPair"]).makeOptionMandatory())
      .requiredOption("--host <host>", "the address the CLI and the runner reach over SSH")
      .option("--port <port>", "SSH port (default 22)", numberOrText)
      .requiredOption("--host-key-fingerprint <fingerprint>", "the pinned host key, SHA256:... (ssh-keygen -lf)")
      .requiredOption("--value-file <file>", "the password or unencrypted private key that works today; - reads stdin")
      .addOption(new Option("--key-algorithm <algorithm>", "for generated key pairs").choices(["rsa-2048", "ed25519"]))
      .option("--admin-user <user>", "an admin login used to repair a rejected credential and to set non-root passwords (never stored)")
      .option("--admin-password-file <file>", "the admin's password; - reads stdin")
      .option("--admin-key-file <file>", "the admin's private key; - reads stdin"),
  ).action(async (flags: EcsFlags) => {
    checkOneStdin([flags.valueFile, flags.adminPasswordFile, flags.adminKeyFile]);
    if ((flags.adminPasswordFile !== undefined || flags.adminKeyFile !== undefined) && flags.adminUser === undefined) {
      throw new ManagedSecretsError("InvalidInput", "--admin-password-file and --admin-key-file need --admin-user", { property: "--admin-user" });
    }
    const keyPair = flags.type === "keyPair";
    const value = await readCredential(io, "--value-file", flags.valueFile, !keyPair);
    const admin =
      flags.adminUser === undefined
        ? undefined
        : {
            user: flags.adminUser,
            ...(flags.adminPasswordFile !== undefined ? { password: await readCredential(io, "--admin-password-file", flags.adminPasswordFile, true) } : {}),
            ...(flags.adminKeyFile !== undefined ? { privateKey: await readCredential(io, "--admin-key-file", flags.adminKeyFile, false) } : {}),
          };
    const inputs = {
      instanceId: flags.instanceId,
      managedUser: flags.user,
      credentialType: flags.type,
      initialValue: value,
      connection: { host: flags.host, hostKeyFingerprint: flags.hostKeyFingerprint, ...(flags.port !== undefined ? { port: flags.port } : {}), ...(admin ? { admin } : {}) },
      ...(flags.keyAlgorithm !== undefined ? { keyAlgorithm: flags.keyAlgorithm } : {}),
      ...commonInputs(flags),
    };
    const { id, outs } = await withFlagNames(ECS_FLAGS, () => ecsSecret.create(inputs, io.context(), { adopt: true }));
    report(io, flags, id, `${outs.credentialType} of ${outs.managedUser}@${outs.instanceId} (${outs.connection.host}:${outs.connection.port})`, outs);
  });

  common(
    adopt
      .command("ram")
      .description("adopt a RAM user's AccessKey pair, verified by a signed STS GetCallerIdentity before it is stored")
      .requiredOption("--user-name <name>", "the RAM user")
      .requiredOption("--access-key-id <id>", "the AccessKey id that works today (not a secret)")
      .requiredOption("--access-key-secret-file <file>", "its AccessKeySecret; - reads stdin")
      .option("--previous-key-action <action>", "after a rotation: keep, deactivate or delete the previous key (default: deactivate, one hour after the rotation unless --previous-key-grace-period says otherwise)")
      .option("--previous-key-grace-period <duration>", "with deactivate or delete: how long the previous key keeps working, carried out by a later run (e.g. 1h; 1m..168h; default 0, at once, with a declared --previous-key-action; 1h with neither)"),
  ).action(async (flags: RamFlags) => {
    const secret = await readCredential(io, "--access-key-secret-file", flags.accessKeySecretFile, true);
    const inputs = {
      userName: flags.userName,
      initialAccessKeyId: flags.accessKeyId,
      initialAccessKeySecret: secret,
      ...(flags.previousKeyAction !== undefined ? { previousKeyAction: flags.previousKeyAction } : {}),
      ...(flags.previousKeyGracePeriod !== undefined ? { previousKeyGracePeriod: flags.previousKeyGracePeriod } : {}),
      ...commonInputs(flags),
    };
    const { id, outs } = await withFlagNames(RAM_FLAGS, () => ramSecret.create(inputs, io.context(), { adopt: true }));
    report(io, flags, id, `AccessKey ${outs.accessKeyId} of RAM user ${outs.userName}`, outs);
  });

  registerAdoptKms(adopt, io);
}

/**
 * `adopt kms <name>`: a secret KMS already rotates itself (SecretType ECS or
 * RAMCredentials, made in the console or by Terraform) comes under
 * management: read, checked to be a type this product understands, and
 * tagged from KMS's own record (ExtendedConfig; an ECS secret's user from its
 * value's UserName), never from what the operator types. Nothing is rotated.
 */
function registerAdoptKms(adopt: Command, io: AdoptIo): void {
  adopt
    .command("kms <name>")
    .description("adopt a secret KMS rotates itself (type ECS or RAMCredentials), tagged from KMS's own record; nothing is rotated")
    .option("--recovery-window-days <days>", `${MIN_RECOVERY_WINDOW_DAYS}..${MAX_RECOVERY_WINDOW_DAYS}, used when the secret is deleted (default ${DEFAULT_RECOVERY_WINDOW_DAYS})`, numberOrText)
    .addOption(new Option("--json", "print the adopted secret as JSON (never a credential)"))
    .action(async (name: string, flags: { recoveryWindowDays?: number | string; json?: boolean }) => {
      const window = flags.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
      if (typeof window !== "number" || window < MIN_RECOVERY_WINDOW_DAYS || window > MAX_RECOVERY_WINDOW_DAYS) {
        throw new ManagedSecretsError("InvalidInput", `--recovery-window-days must be an integer ${MIN_RECOVERY_WINDOW_DAYS}..${MAX_RECOVERY_WINDOW_DAYS}`, { property: "--recovery-window-days" });
      }
      const ctx = io.context();
      const meta = await ctx.store.describeSecret(name);
      if (!meta) throw secretNotFound(name);
      if (meta.plannedDeleteAt) throw secretPendingDeletion(name, meta.plannedDeleteAt, `${restoreAdvice(name)}, then adopt it`);
      if (!meta.managed) {
        throw new ManagedSecretsError("InvalidInput", `secret ${name} is not one KMS rotates itself (its type is not ECS or RAMCredentials): adopt a credential with managed-secrets adopt ecs or adopt ram`, { property: "name" });
      }
      const adopted = meta.managed.secretType === "ECS" ? await adoptEcsWithKms(ctx, meta, window) : await adoptRamWithKms(ctx, meta, window);
      const target = ctx.targets.factsOf(adopted)?.description ?? meta.managed.secretType;
      const record = { name, target, secretType: meta.managed.secretType, automaticRotation: meta.managed.automaticRotation, nextRotationAt: meta.managed.nextRotationAt ?? "" };
      if (flags.json) io.out.write(jsonText(record));
      else io.out.write(`adopted ${name}: ${target}\n`);
    });
}

function commonInputs(flags: Common): Record<string, unknown> {
  return {
    ...(flags.secretName !== undefined ? { secretName: flags.secretName } : {}),
    ...(flags.rotationPeriod !== undefined ? { rotationPeriod: flags.rotationPeriod } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    ...(flags.recoveryWindowDays !== undefined ? { recoveryWindowDays: flags.recoveryWindowDays } : {}),
  };
}

function checkOneStdin(files: ReadonlyArray<string | undefined>): void {
  if (files.filter((f) => f === "-").length > 1) {
    throw new ManagedSecretsError("InvalidInput", "only one credential can come from stdin (-); give the others as files", { property: "--value-file" });
  }
}

/**
 * A file's trailing newline is not part of a password or AccessKeySecret
 * (editors and `echo` add one); a private key keeps its bytes.
 */
async function readCredential(io: AdoptIo, flag: string, file: string, oneLine: boolean): Promise<string> {
  let text: string;
  try {
    text = file === "-" ? await (io.stdin ?? readStdin)() : await readFile(file, "utf8");
  } catch (e) {
    throw new ManagedSecretsError("InvalidInput", `cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, { property: flag });
  }
  return oneLine ? text.replace(/\r?\n$/, "") : text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The schema names properties (connection.hostKeyFingerprint); a CLI user typed flags. */
async function withFlagNames<T>(flags: Record<string, string>, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (e) {
    if (!isManagedSecretsError(e, "InvalidInput")) throw e;
    const named = e.message
      .split("; ")
      .map((part) => {
        const property = Object.keys(flags)
          .sort((a, b) => b.length - a.length)
          .find((p) => part.startsWith(`${p} `));
        return property ? `${flags[property]} (${property})${part.slice(property.length)}` : part;
      })
      .join("; ");
    const property = e.details.property !== undefined ? (flags[e.details.property] ?? e.details.property) : undefined;
    throw new ManagedSecretsError("InvalidInput", named, { property });
  }
}

function report(io: AdoptIo, flags: Common, id: string, target: string, outs: object): void {
  const safe = Object.fromEntries(Object.entries(outs).filter(([k]) => PRINTED.includes(k)));
  if (flags.json) {
    io.out.write(jsonText({ name: id, target, ...safe }));
    return;
  }
  io.out.write(`adopted ${id}: ${target}\n`);
  printRecord(io.out, safe);
}
