import { ManagedSecretsError } from "../../core/errors";
import type { PreparedApply, RotationTarget, TestedSession } from "../../rotation/rotation-target";
import { openSshSession, probeLogin, type ExecResult, type SshEndpoint, type SshSession } from "../../ssh/ssh-session";
import type { SshCredential } from "../../ssh/connect-config";
import { outputTail } from "../../ssh/command-output";
import { hasControlCharacter } from "../../validation/password";
import type { KeyAlgorithm } from "../../credentials/generate-key-pair";
import { shq } from "../../ssh/shell-quote";
import { APPEND_KEY, keyMarker, retireOlderKeys } from "../ecs-host/authorized-keys-scripts";
import { elevateWithSudo, type SudoElevation } from "../ecs-host/sudo-elevation";
import { requirePosixUser, suAs } from "../ecs-host/user-shell";
import { credentialOf, decodeEcsValue, generateEcsValue, type EcsValue } from "../ecs-host/ecs-value";

/**
 * An ECS instance user's password or key pair, changed over SSH.
 *
 * Secrets reach the host only on stdin (never argv, which `ps` shows).
 * Key lines this secret adds carry the comment `managed-secrets:<name>:<version>`
 * so retire can remove exactly the lines it added, leaving every other line
 * of authorized_keys byte for byte as it was.
 */

export interface EcsAdmin {
  readonly user: string;
  readonly credential: SshCredential;
}

export interface EcsSshTargetOptions {
  readonly secretName: string;
  readonly managedUser: string;
  readonly credentialType: "password" | "keyPair";
  readonly keyAlgorithm: KeyAlgorithm;
  readonly endpoint: SshEndpoint;
  readonly admin?: EcsAdmin;
}

/** A session that can change the managed user's credential, and whose login it is. */
type Acting = { session: SshSession; as: "self" | "admin"; sudo?: Promise<SudoElevation> };
/** The session prepareApply opened, which apply acts through. */
type SshPrepared = PreparedApply & { readonly acting: Acting };
/** The managed user's own login with the new credential, which retire acts through. */
type SshTested = TestedSession & { readonly session: SshSession };

export class EcsSshTarget implements RotationTarget<SshPrepared, SshTested> {
  constructor(private readonly options: EcsSshTargetOptions) {
    requirePosixUser(options.managedUser, options.secretName);
  }

  async accepts(value: string): Promise<boolean> {
    return probeLogin(this.options.endpoint, this.options.managedUser, credentialOf(decodeEcsValue(value)));
  }

  async test(value: string): Promise<SshTested | undefined> {
    try {
      const session = await openSshSession(this.options.endpoint, this.options.managedUser, credentialOf(decodeEcsValue(value)));
      return { session, close: () => session.close() };
    } catch (e) {
      if (e instanceof ManagedSecretsError && e.code === "AuthenticationFailed") return undefined;
      throw e;
    }
  }

  async generate(): Promise<string> {
    return generateEcsValue(this.options);
  }

  async prepareApply(current: string): Promise<SshPrepared> {
    const acting = await this.openActing(decodeEcsValue(current));
    return { acting, close: () => acting.session.close() };
  }

  async apply(current: string, pending: string, versionId: string, prepared?: SshPrepared): Promise<void> {
    const next = decodeEcsValue(pending);
    const reused = prepared?.acting;
    const acting = reused ?? (await this.openActing(decodeEcsValue(current)));
    try {
      if ("Password" in next) await this.setPassword(acting, decodeEcsValue(current), next.Password);
      else await this.run(acting, APPEND_KEY(this.options.managedUser), `${next.PublicKey} ${keyMarker(this.options.secretName, versionId)}\n`);
    } finally {
      // A prepared session belongs to the caller, which closes it.
      if (!reused) acting.session.close();
    }
  }

  async retire(current: string, versionId: string, older: () => Promise<readonly string[]>, tested?: SshTested): Promise<void> {
    const now = decodeEcsValue(current);
    if (!("PrivateKey" in now)) return; // A password has nothing left behind to revoke.
    const script = retireOlderKeys(this.options, versionId, now, await older());
    // The test step's session logged in with the current key as the managed user: reuse it.
    const reused = tested ? { session: tested.session, as: "self" as const } : undefined;
    const acting = reused ?? (await this.openActing(now));
    try {
      await this.run(acting, script, "");
    } finally {
      if (!reused) acting.session.close();
    }
  }

  /**
   * A session that can change the managed user's credential: the managed user
   * itself with the current credential, else the admin connection. For a
   * non-root password the admin is preferred, because `passwd` as the user
   * applies password-quality rules that a custom value might not meet.
   */
  private async openActing(current: EcsValue): Promise<Acting> {
    const { endpoint, managedUser, admin } = this.options;
    const preferAdmin = admin !== undefined && managedUser !== "root" && "Password" in current;
    if (!preferAdmin) {
      try {
        return { session: await openSshSession(endpoint, managedUser, credentialOf(current)), as: "self" };
      } catch (e) {
        if (!(e instanceof ManagedSecretsError && e.code === "AuthenticationFailed")) throw e;
        if (!admin) {
          throw new ManagedSecretsError(
            "AuthenticationFailed",
            `${managedUser}@${endpoint.host} rejected the current credential and no connection.admin is configured to reset it`,
          );
        }
      }
    }
    return this.openAdmin();
  }

  private async openAdmin(): Promise<Acting> {
    const { endpoint, admin } = this.options;
    try {
      return { session: await openSshSession(endpoint, admin!.user, admin!.credential), as: "admin" };
    } catch (e) {
      if (e instanceof ManagedSecretsError && e.code === "AuthenticationFailed") {
        throw new ManagedSecretsError("AuthenticationFailed", `the admin connection (${admin!.user}@${endpoint.host}) was rejected`);
      }
      throw e;
    }
  }

  /**
   * After a command failed in the managed user's own session: was it the
   * command, or does this login run no commands at all (a nologin or
   * otherwise restricted shell, where authentication still succeeds)? In the
   * latter case nothing ran, so the admin connection may do it instead;
   * without one, the error says so rather than "exit 1".
   */
  private async adminInsteadOfShell(session: SshSession, what: string): Promise<Acting | undefined> {
    const probe = await session.exec("true");
    if (probe.code === 0) return undefined;
    if (this.options.admin) return this.openAdmin();
    const { managedUser, endpoint } = this.options;
    const said = outputTail(probe);
    throw new ManagedSecretsError(
      "TargetCommandFailed",
      `${what} failed: ${managedUser} on ${endpoint.host} cannot run commands: its login shell ${said ? `answered "${said}"` : `exits ${probe.code} without running them`}; ` +
        `set connection.admin (root, or a user with sudo) to make the change for ${managedUser}`,
      { property: "connection.admin" },
    );
  }

  private async setPassword(acting: Acting, current: EcsValue, password: string): Promise<void> {
    const { managedUser } = this.options;
    if (acting.as === "self" && managedUser !== "root") {
      // Only root may use chpasswd; a user changes its own password through passwd's prompts.
      const old = "Password" in current ? current.Password : "";
      // Check refuses such a customValue, but a current password adopted as initialValue, or an older store, may still have one.
      const altered = hasControlCharacter(old) ? "current" : hasControlCharacter(password) ? "new" : undefined;
      if (altered) {
        throw new ManagedSecretsError(
          "TargetCommandFailed",
          `passwd was not run: the ${altered} password of ${managedUser} has a control character, which passwd's terminal on ${this.options.endpoint.host} would alter; ` +
            `set connection.admin (root, or a user with sudo) to change it with chpasswd`,
          { property: "connection.admin" },
        );
      }
      const result = await changeOwnPassword(acting.session, old, password);
      if (result.code === 0) return;
      const viaAdmin = await this.adminInsteadOfShell(acting.session, "passwd");
      if (!viaAdmin) throw this.commandFailed("passwd", result, [old, password]);
      return this.closingAfter(viaAdmin, () => this.run(viaAdmin, "chpasswd", `${managedUser}:${password}\n`, [password]));
    }
    await this.run(acting, "chpasswd", `${managedUser}:${password}\n`, [password]);
  }

  /** Runs a script as the managed user (or root for chpasswd), from whichever session we hold. */
  private async run(acting: Acting, script: string, stdin: string, secrets: readonly string[] = []): Promise<void> {
    const { admin, managedUser } = this.options;
    const needsRoot = script === "chpasswd";
    const what = needsRoot ? "chpasswd" : "the authorized_keys update";
    let command: string;
    let input = stdin;
    if (acting.as === "self" || (needsRoot && admin!.user === "root")) {
      command = needsRoot ? "chpasswd" : `sh -c ${shq(script)}`;
    } else if (admin!.user === "root") {
      command = suAs(managedUser, script);
    } else {
      // A non-root admin goes through sudo, asked once per session how it wants its password.
      acting.sudo ??= elevateWithSudo(acting.session, admin!, this.options.endpoint.host);
      const wrapped = (await acting.sudo).wrap(needsRoot ? "chpasswd" : `sh -c ${shq(script)}`, needsRoot ? undefined : managedUser);
      command = wrapped.command;
      input = wrapped.stdinPrefix + stdin;
    }
    const result = await acting.session.exec(command, { stdin: input });
    if (result.code === 0) return;
    const viaAdmin = acting.as === "self" ? await this.adminInsteadOfShell(acting.session, what) : undefined;
    if (!viaAdmin) throw this.commandFailed(what, result, secrets);
    await this.closingAfter(viaAdmin, () => this.run(viaAdmin, script, stdin, secrets));
  }

  private async closingAfter(acting: Acting, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } finally {
      acting.session.close();
    }
  }

  private commandFailed(what: string, result: ExecResult, secrets: readonly string[]): ManagedSecretsError {
    const admin = this.options.admin?.credential;
    const detail = outputTail(result, admin && "password" in admin ? [...secrets, admin.password] : secrets);
    return new ManagedSecretsError(
      "TargetCommandFailed",
      `${what} failed on ${this.options.endpoint.host} for ${this.options.managedUser} (exit ${result.code})${detail ? `: ${detail}` : ""}`,
    );
  }
}

/** passwd's first question to a user changing their own password (Linux-PAM pam_unix: "Current password:", older "(current) UNIX password:"). */
const CURRENT_PROMPT = /current.*password[^:]*:/i;

/**
 * A user's own password through passwd. First with the three answers on
 * stdin, no pty: Linux-PAM's conversation reads them from a pipe line by
 * line (it turns echo off only on a terminal), one exec and no round trip
 * per prompt; a pty and its prompts cost the host about 6% more CPU per
 * rotation in the fleet bench. Only when that passwd never asked for the
 * current password (one that insists on a terminal) are the prompts
 * answered one by one on a pty; once it asked, the attempt counted as a
 * login (pam_faillock counts failures), and it is not made twice.
 */
async function changeOwnPassword(session: SshSession, old: string, password: string): Promise<ExecResult> {
  const piped = await session.exec("LC_ALL=C passwd", { stdin: `${old}\n${password}\n${password}\n` });
  if (piped.code === 0 || CURRENT_PROMPT.test(piped.stdout + piped.stderr)) return piped;
  return session.converse("LC_ALL=C passwd", [
    { expect: /current.*password[^:]*:\s*$/i, send: old },
    { expect: /new password[^:]*:\s*$/i, send: password },
    { expect: /new password[^:]*:\s*$/i, send: password },
  ]);
}
