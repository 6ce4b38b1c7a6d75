/**
 * `npm run demo`: the product's main job on the embedded default store, with
 * nothing to set up but root.
 *
 *  1. starts a sandbox: the Alibaba Cloud API emulator, two real sshd "ECS
 *     instances" and a RAM user with an AccessKey (testkit/sandbox/sandbox.ts);
 *  2. declares the instances' root passwords, a root key pair and the RAM
 *     user's AccessKey as managed secrets through the real provider objects in
 *     @pulumi/pulumi's dynamic-provider host, as `pulumi up` would;
 *  3. runs one pass of the rotation runner as of 31 days from now, and shows
 *     what rotated;
 *  4. refreshes, proves each new credential works (SSH login; a signed STS
 *     GetCallerIdentity) and each old one is refused, and that the refreshed
 *     state shows no drift;
 *  5. schedules a deletion, restores it, and tears everything down.
 *
 * It prints no credential. MANAGED_SECRETS_DEMO_CREDENTIALS_FILE (used by the
 * smoke test) names a file, created 0600, to receive every credential the
 * demo made, so a test can prove none of them reached the output.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { describeError } from "../provider/core/errors";
import { targetRegistry, type RuntimeContext } from "../provider/context/runtime-context";
import type { RunReport } from "../provider/runner/run-once";
import type { SecretStore } from "../provider/store/secret-store";
import { printTable } from "../provider/cli/output";
import { sandboxPrerequisiteProblem, sandboxProviderConfig, startSandbox, stopOnSignals, type Sandbox, type SandboxInstance } from "../testkit/sandbox/sandbox";
import { startSourceProviderHost, type Props, type ResourceKind, type SourceProviderHost } from "../testkit/provider-host/source-provider-host";

const DAY_MS = 86_400_000;
const STACK = "demo";
const RUNNER_DAYS_AHEAD = 31;
const NETWORK_ERRORS = new Set(["ECONNRESET", "EPIPE", "ECONNREFUSED"]);

const out = { write: (text: string) => void process.stdout.write(text.replace(/^(?=.)/gm, "   ")) };
const step = (text: string) => console.log(`\n== ${text}`);
const say = (text: string) => console.log(`   ${text}`);
const yesNo = (ok: boolean) => (ok ? "yes" : "no");

/** One declared secret: what the program would say, and what the provider answered. */
interface Declared {
  readonly label: string;
  readonly kind: ResourceKind;
  readonly urn: string;
  readonly inputs: Props;
  readonly id: string;
  readonly created: Props;
  /** The credential it was created with (the old one, once rotated). */
  readonly initial: Credential;
  readonly instance?: SandboxInstance;
}

type Credential = { password: string } | { privateKey: string } | { accessKeyId: string; accessKeySecret: string };

const problems: string[] = [];
function expect(ok: boolean, what: string): boolean {
  if (!ok) problems.push(what);
  return ok;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const problem = sandboxPrerequisiteProblem("npm run demo");
  if (problem) {
    console.error(problem);
    process.exitCode = 2;
    return;
  }

  let sandbox: Sandbox | undefined;
  // The host loads @pulumi/pulumi (seconds on a small machine): start it while the sandbox comes up.
  const providerStarting = startSourceProviderHost(STACK);
  providerStarting.catch(() => undefined);
  const teardown = async () => {
    const results = await Promise.allSettled([providerStarting.then((p) => p.stop(), () => undefined), sandbox?.stop()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };
  const removeSignalHandlers = stopOnSignals(teardown, {
    onSignal: (signal) => console.error(`\n${signal}: stopping the provider host, the instances and the emulator, removing temp files...`),
  });

  try {
    step("1. Starting a sandbox: the Alibaba Cloud API emulator, two sshd \"ECS instances\", a RAM user");
    sandbox = await startSandbox({ onStarted: say });
    say(`secrets go to the embedded default: an encrypted local store in ${sandbox.dir}`);

    step("2. Starting @pulumi/pulumi's dynamic-provider host (what `pulumi up` runs for dynamic resources)");
    const provider = await providerStarting;
    await provider.host.configure(sandboxProviderConfig(sandbox));
    say(`host pid ${provider.host.pid}, configured with stack config: managed-secrets:store=local, managed-secrets:endpoint=${sandbox.cloud.endpoint}, ...`);
    say(`serialized provider (__provider) sizes: EcsSecret ${provider.serialized.EcsSecret.length} B, RamSecret ${provider.serialized.RamSecret.length} B`);

    step("3. Declaring four managed secrets (Check + Create over gRPC, as `pulumi up` does)");
    const declared = await declareAll(sandbox, provider);
    printTable(
      out,
      declared.map((d) => ({ secret: d.id, kind: kindOf(d), version: d.created.versionId, "rotation period": d.inputs.rotationPeriod, "next rotation": d.created.nextRotationAt })),
      ["secret", "kind", "version", "rotation period", "next rotation"],
    );
    const web1 = sandbox.instances[0]!;
    say(`authorized_keys of root on ${web1.name}: ${await keyComments(web1)}`);

    const store = await openStore(sandbox);
    const at = new Date(Date.now() + RUNNER_DAYS_AHEAD * DAY_MS);
    step(`4. ${RUNNER_DAYS_AHEAD} days later: one pass of the rotation runner (runOnce, judging what is due as of ${at.toISOString()})`);
    const report = await runRunner(sandbox, store, at);
    printTable(
      out,
      report.outcomes.map((o) => ({ secret: o.name, status: o.status, version: o.versionId ?? "", why: o.reason })),
      ["secret", "status", "version", "why"],
    );
    const rotated = new Set(report.outcomes.filter((o) => o.status === "rotated").map((o) => o.name));
    expect(report.outcomes.every((o) => o.status !== "failed"), "a rotation failed");
    for (const d of declared) expect(rotated.has(d.id) === (d.inputs.rotationPeriod === "30d"), `${d.id} should ${d.inputs.rotationPeriod === "30d" ? "" : "not "}have rotated`);
    say(`authorized_keys of root on ${web1.name}: ${await keyComments(web1)}`);

    step("5. Refreshing (Read, as `pulumi refresh` does) and proving who gets in");
    const refreshed = new Map<string, Props>();
    const rows = await Promise.all(
      declared.map(async (d) => {
        const now = (await provider.host.read(d.urn, d.id, d.created)).properties;
        refreshed.set(d.id, now);
        const wasRotated = rotated.has(d.id);
        const [newWorks, oldWorks] = await Promise.all([works(sandbox!, d, credentialOf(d, now)), wasRotated ? works(sandbox!, d, d.initial) : undefined]);
        expect(newWorks.ok, `the current credential of ${d.id} is refused`);
        if (oldWorks) expect(!oldWorks.ok, `the replaced credential of ${d.id} still works`);
        return {
          secret: d.id,
          version: `${d.created.versionId} -> ${now.versionId}`,
          "new logs in": `${yesNo(newWorks.ok)} (${newWorks.detail})`,
          "old logs in": oldWorks ? `${yesNo(oldWorks.ok)} (${oldWorks.detail})` : "- (not due, not rotated)",
        };
      }),
    );
    printTable(out, rows, ["secret", "version", "new logs in", "old logs in"]);

    const diffs = await Promise.all(declared.map((d) => provider.host.diff(d.urn, d.id, refreshed.get(d.id)!, d.inputs)));
    const quiet = diffs.every((x) => x.changes === "none");
    expect(quiet, "the refreshed state differs from the program");
    say(`Diff of refreshed state against the program: ${quiet ? "no changes for all four" : "CHANGES"}, so \`pulumi preview --refresh --expect-no-changes\``);
    say(`${quiet ? "stays green: rotation by the runner on schedule is not drift" : "would fail"}`);

    const victim = declared[0]!;
    const victimNow = refreshed.get(victim.id)!;
    step(`6. Deleting ${victim.id} (Delete, as removing it from the program would): a 7-day recovery window, the host left alone`);
    await provider.host.delete(victim.urn, victim.id, victimNow);
    const planned = (await store.describeSecret(victim.id))?.plannedDeleteAt;
    expect(planned !== undefined, "no deletion was scheduled");
    say(`deletion scheduled: planned delete time ${planned}`);
    const stillWorks = await works(sandbox, victim, credentialOf(victim, victimNow));
    expect(stillWorks.ok, "deletion changed the instance");
    say(`the current root password of ${victim.instance!.name} still logs in: ${yesNo(stillWorks.ok)}`);

    step(`7. Restoring it within the window by declaring it again (Create on a name pending deletion restores it)`);
    const checked = await provider.host.check(victim.urn, {}, victim.inputs);
    const restored = await provider.host.create(victim.urn, checked.inputs);
    const meta = await store.describeSecret(victim.id);
    expect(meta !== undefined && meta.plannedDeleteAt === undefined && restored.properties.versionId === victimNow.versionId, "the secret was not restored");
    say(`restored: ${restored.id} at version ${restored.properties.versionId}, planned delete time: ${meta?.plannedDeleteAt ?? "none"}`);

    await reportCredentials(sandbox, store);
  } finally {
    step("8. Tearing down");
    try {
      await teardown();
      say("teardown complete: provider host, sshd instances and emulator stopped; temp dir and store removed");
    } catch (e) {
      problems.push(`teardown: ${describeError(e)}`);
      say(`teardown failed: ${describeError(e)}`);
    }
    removeSignalHandlers();
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (problems.length > 0) {
    console.log(`\nThe demo found problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exitCode = 1;
  } else {
    console.log(`\nDemo complete in ${seconds} s: every step succeeded.`);
  }
}

/** The same four resources examples/managed-secrets declares for the sandbox. */
async function declareAll(sandbox: Sandbox, provider: SourceProviderHost): Promise<Declared[]> {
  const [web1, web2] = sandbox.instances as [SandboxInstance, SandboxInstance];
  const ecsCommon = (i: SandboxInstance) => ({ instanceId: i.instanceId, managedUser: "root", connection: { ...i.connection }, recoveryWindowDays: 7 });
  const specs: Array<Omit<Declared, "urn" | "id" | "created" | "inputs"> & { name: string; args: Props }> = [
    { label: "web1 root password", kind: "EcsSecret", name: "web1-root-password", instance: web1, initial: { password: web1.rootPassword },
      args: { ...ecsCommon(web1), credentialType: "password", initialValue: web1.rootPassword, rotationPeriod: "30d" } },
    { label: "web1 root key pair", kind: "EcsSecret", name: "web1-root-key", instance: web1, initial: { privateKey: web1.rootPrivateKey! },
      args: { ...ecsCommon(web1), credentialType: "keyPair", secretName: `ecs/${web1.instanceId}/root-key`, initialValue: web1.rootPrivateKey!, rotationPeriod: "30d" } },
    { label: "web2 root password", kind: "EcsSecret", name: "web2-root-password", instance: web2, initial: { password: web2.rootPassword },
      args: { ...ecsCommon(web2), credentialType: "password", initialValue: web2.rootPassword, rotationPeriod: "90d" } },
    { label: `RAM user ${sandbox.ramUser.userName}`, kind: "RamSecret", name: `${sandbox.ramUser.userName}-access-key`,
      initial: { accessKeyId: sandbox.ramUser.accessKeyId, accessKeySecret: sandbox.ramUser.accessKeySecret },
      args: { userName: sandbox.ramUser.userName, initialAccessKeyId: sandbox.ramUser.accessKeyId, initialAccessKeySecret: sandbox.ramUser.accessKeySecret,
        rotationPeriod: "30d", previousKeyAction: "deactivate", recoveryWindowDays: 7 } },
  ];
  // Independent resources: the engine creates them in parallel too.
  return Promise.all(
    specs.map(async ({ name, args, ...rest }): Promise<Declared> => {
      const urn = provider.urn(rest.kind, name);
      const inputs = { __provider: provider.serialized[rest.kind], ...args };
      const checked = await provider.host.check(urn, {}, inputs);
      if (checked.failures.length > 0) throw new Error(`check refused ${name}: ${JSON.stringify(checked.failures)}`);
      const created = await provider.host.create(urn, checked.inputs);
      return { ...rest, urn, inputs: checked.inputs, id: created.id, created: created.properties };
    }),
  );
}

function kindOf(d: Declared): string {
  return d.kind === "RamSecret" ? "RAM AccessKey" : `ECS ${d.inputs.credentialType === "keyPair" ? "key pair" : "password"}`;
}

/** The current credential, from the resource's (refreshed) outputs. */
function credentialOf(d: Declared, props: Props): Credential {
  if (d.kind === "RamSecret") return { accessKeyId: props.accessKeyId as string, accessKeySecret: props.accessKeySecret as string };
  return d.inputs.credentialType === "keyPair" ? { privateKey: props.value as string } : { password: props.value as string };
}

/** A fresh SSH login (host key pinned), or a call signed with the pair (STS GetCallerIdentity). */
async function works(sandbox: Sandbox, d: Declared, credential: Credential): Promise<{ ok: boolean; detail: string }> {
  if ("accessKeyId" in credential) {
    const { stsClient } = require("../testkit/emulator/sdk-clients") as typeof import("../testkit/emulator/sdk-clients");
    for (let attempt = 1; ; attempt++) {
      try {
        const body = (await stsClient(sandbox.emulator, credential).getCallerIdentity()).body;
        return { ok: true, detail: `STS: ${body?.arn}` };
      } catch (e) {
        const code = (e as { code?: string }).code ?? "refused";
        // A pooled keep-alive socket the server closed while idle is no answer about the key: ask again.
        if (NETWORK_ERRORS.has(code) && attempt < 3) continue;
        return { ok: false, detail: `STS: ${code}` };
      }
    }
  }
  const { tryLogin } = require("../testkit/ssh-client/ssh-client") as typeof import("../testkit/ssh-client/ssh-client");
  const ok = await tryLogin({ ...d.instance!.connection, username: "root", ...credential });
  return { ok, detail: `ssh root@${d.instance!.name}` };
}

/** The comments of root's authorized_keys lines (never the keys). */
async function keyComments(instance: SandboxInstance): Promise<string> {
  const lines = (await instance.host.readFile("/root/.ssh/authorized_keys")).split("\n").filter((l) => l.trim() !== "");
  // The last word says whose line it is: a person's comment, or the secret's marker (after the key's own comment).
  return lines.map((l) => l.trim().split(/\s+/).slice(2).pop() ?? "(no comment)").join(", ");
}

async function openStore(sandbox: Sandbox): Promise<SecretStore> {
  const { LocalSecretStore } = require("../provider/store/local/local-store") as typeof import("../provider/store/local/local-store");
  return new LocalSecretStore({ path: sandbox.store.path, passphrase: sandbox.store.passphrase });
}

async function runRunner(sandbox: Sandbox, store: SecretStore, at: Date): Promise<RunReport> {
  const { runOnce } = require("../provider/runner/run-once") as typeof import("../provider/runner/run-once");
  const { targetFromMetadata } = require("../provider/context/runtime-context") as typeof import("../provider/context/runtime-context");
  const ctx: RuntimeContext = { store, clock: () => new Date(), targets: targetRegistry(), owner: "demo-runner", cloud: () => sandbox.cloud };
  return runOnce({ store, clock: ctx.clock, owner: "runner:demo", targetFor: (meta) => targetFromMetadata(meta, ctx), at });
}

/** Test hook: every credential the demo made or rotated to, for the smoke test's leak check. */
async function reportCredentials(sandbox: Sandbox, store: SecretStore): Promise<void> {
  const file = process.env.MANAGED_SECRETS_DEMO_CREDENTIALS_FILE;
  if (!file) return;
  const values = new Set(sandbox.credentials());
  for (const meta of await store.listSecrets({ includePendingDeletion: true })) {
    for (const v of meta.versions) {
      const parsed = JSON.parse((await store.getValue(meta.name, { versionId: v.versionId })).value) as Record<string, string>;
      for (const key of ["Password", "PrivateKey", "AccessKeySecret"]) if (parsed[key]) values.add(parsed[key]);
    }
  }
  writeFileSync(file, JSON.stringify([...values]), { mode: 0o600 });
}

main().catch((e: unknown) => {
  console.error(`\ndemo failed: ${describeError(e)}`);
  process.exitCode = 1;
});
