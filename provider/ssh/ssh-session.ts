import { connectError } from "./connect-error";
import type { Client, ConnectConfig } from "ssh2";
import { pinnedConnectConfig, type SshCredential } from "./connect-config";
import { ManagedSecretsError } from "../core/errors";
import { HOST_FORM, isValidHost } from "../validation/host";
import { openBastionTunnel, type BastionEndpoint, type BastionTunnel } from "./bastion";
import { lazy } from "../core/lazy";

/** Loaded on first use: core/lazy.ts says what that buys. */
const ssh2 = lazy(() => require("ssh2") as typeof import("ssh2"));

/**
 * One authenticated SSH connection with the host key pinned. Every failure is
 * translated into the product's error codes so callers can tell "the host
 * refused this credential" (AuthenticationFailed) from "we could not talk to
 * the host" (Unreachable) from "this is not the host we pinned"
 * (HostKeyMismatch): rotation decisions hinge on that difference.
 */

export interface SshEndpoint {
  readonly host: string;
  readonly port: number;
  /** "SHA256:<base64, unpadded>" as ssh-keygen -lf prints it. */
  readonly hostKeyFingerprint: string;
  /** When set, the connection is a channel through this jump host; host and port are then as the bastion sees them. */
  readonly bastion?: BastionEndpoint;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Written to the command's stdin, then closed. The only way secrets reach the host. */
  readonly stdin?: string;
}

export interface SshSession {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** An interactive exchange over a pty: waits for each prompt, then sends its answer. */
  converse(command: string, script: ReadonlyArray<{ readonly expect: RegExp; readonly send: string }>): Promise<ExecResult>;
  close(): void;
}

const COMMAND_TIMEOUT_MS = 60_000;

export async function openSshSession(endpoint: SshEndpoint, username: string, credential: SshCredential): Promise<SshSession> {
  // The runner and the CLI rebuild endpoints from stored metadata that check never saw (older versions, a hand-edited store).
  if (!isValidHost(endpoint.host)) {
    throw new ManagedSecretsError("InvalidInput", `connection.host must be ${HOST_FORM}`, { property: "connection.host" });
  }
  const { Client: SshClient } = ssh2();
  const client = new SshClient();
  let presented: string | undefined;
  const where = `${username}@${endpoint.host}:${endpoint.port}${endpoint.bastion ? ` (through bastion ${endpoint.bastion.host})` : ""}`;
  let tunnel: BastionTunnel | undefined;
  if (endpoint.bastion) {
    tunnel = await openBastionTunnel(endpoint.bastion, endpoint.host, endpoint.port);
  }

  const config: ConnectConfig = {
    ...(tunnel ? { sock: tunnel.channel } : {}),
    ...pinnedConnectConfig(endpoint, username, credential, (fingerprint) => (presented = fingerprint)),
  };

  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", (err: Error & { level?: string; code?: string }) => {
      client.end();
      tunnel?.close();
      reject(connectError(err, where, endpoint, presented, { refusing: "connect to", hostKeyProperty: "connection.hostKeyFingerprint", rejected: "the credential" }));
    });
    client.connect(config);
  });
  // The bastion connection exists only for this session: it goes when the session does.
  const opened = tunnel;
  if (opened) client.once("close", () => opened.close());
  return wrap(client, where);
}

/**
 * Does the host accept this credential? A fresh connection every time, so a
 * test never rides on a session that was authenticated some other way.
 */
export async function probeLogin(endpoint: SshEndpoint, username: string, credential: SshCredential): Promise<boolean> {
  try {
    const session = await openSshSession(endpoint, username, credential);
    session.close();
    return true;
  } catch (e) {
    if (e instanceof ManagedSecretsError && e.code === "AuthenticationFailed") return false;
    throw e;
  }
}

function wrap(client: Client, where: string): SshSession {
  const run = (command: string, pty: boolean, feed: (stream: import("ssh2").ClientChannel, output: () => string) => void) =>
    new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.end();
        reject(new ManagedSecretsError("TargetCommandFailed", `a command on ${where} did not finish within ${COMMAND_TIMEOUT_MS / 1000}s`));
      }, COMMAND_TIMEOUT_MS);
      client.exec(command, { pty }, (err, stream) => {
        if (err) {
          clearTimeout(timer);
          reject(new ManagedSecretsError("Unreachable", `cannot run a command on ${where}: ${err.message}`));
          return;
        }
        let stdout = "";
        let stderr = "";
        let code = -1;
        stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        stream.on("exit", (c: number | null) => (code = c ?? -1));
        stream.on("close", () => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        feed(stream, () => stdout);
      });
    });

  return {
    exec: (command, options = {}) =>
      run(command, false, (stream) => {
        if (options.stdin !== undefined) stream.end(options.stdin);
        else stream.end();
      }),
    converse: (command, script) =>
      run(command, true, (stream, output) => {
        let step = 0;
        let seen = 0;
        stream.on("data", () => {
          const next = script[step];
          if (!next) return;
          const fresh = output().slice(seen);
          if (next.expect.test(fresh)) {
            seen = output().length;
            step++;
            stream.write(`${next.send}\n`);
          }
        });
      }),
    close: () => client.end(),
  };
}
