import { connectError } from "./connect-error";
import type { Client, ClientChannel } from "ssh2";
import { ManagedSecretsError } from "../core/errors";
import { HOST_FORM, isValidHost } from "../validation/host";
import { pinnedConnectConfig, type SshCredential } from "./connect-config";
import { lazy } from "../core/lazy";

/** Loaded on first use: core/lazy.ts says what that buys. */
const ssh2 = lazy(() => require("ssh2") as typeof import("ssh2"));

/**
 * A jump host: the instance's SSH connection rides a direct-tcpip channel that
 * the bastion opens to it (ssh2 `forwardOut`, then the channel becomes the
 * `sock` of the instance's connection), so the instance needs no route from
 * us, and both host keys are pinned independently.
 *
 * The bastion's credential lives only in memory for the length of one
 * connection: it is never stored, returned or logged (see bastion-credentials.ts
 * for how the runner gets it).
 *
 * Each failure names the bastion, so "the bastion is down", "the bastion is
 * not the host we pinned" and "the bastion will not forward" read differently
 * from the same failures on the instance behind it.
 */

export interface BastionEndpoint {
  readonly host: string;
  readonly port: number;
  readonly hostKeyFingerprint: string;
  readonly user: string;
  readonly credential: SshCredential;
}

export interface BastionTunnel {
  /** The channel to the instance, to hand to ssh2 as `sock`. */
  readonly channel: ClientChannel;
  close(): void;
}

/**
 * One bastion connection serves every session of the same target (a rotation
 * opens two or three: apply, test, retire), each its own channel: a login to
 * the bastion per session would double a rotation's handshakes. It closes
 * once no channel has used it for IDLE_MS.
 */
interface SharedConnection {
  readonly client: Client;
  open: number;
  alive: boolean;
  idle?: NodeJS.Timeout;
}

const connections = new WeakMap<BastionEndpoint, Promise<SharedConnection>>();
const IDLE_MS = 500;

/** Opens a channel from the bastion to host:port. The caller closes the tunnel when its connection ends. */
export async function openBastionTunnel(bastion: BastionEndpoint, host: string, port: number): Promise<BastionTunnel> {
  // Rebuilt from store metadata by the runner too, where check never ran.
  if (!isValidHost(bastion.host)) {
    throw new ManagedSecretsError("InvalidInput", `connection.bastion.host must be ${HOST_FORM}`, { property: "connection.bastion.host" });
  }
  const where = `bastion ${bastion.user}@${bastion.host}:${bastion.port}`;
  const shared = await sharedConnection(bastion, where);
  shared.open++;
  clearTimeout(shared.idle);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (--shared.open > 0) return;
    shared.idle = setTimeout(() => shared.client.end(), IDLE_MS);
    shared.idle.unref();
  };
  let channel: ClientChannel;
  try {
    channel = await new Promise<ClientChannel>((resolve, reject) => {
      // The originator address is informational to sshd (it logs it); the bastion itself is the true source.
      shared.client.forwardOut("127.0.0.1", 0, host, port, (err, stream) => (err ? reject(forwardRefused(err, where, host, port)) : resolve(stream)));
    });
  } catch (e) {
    release();
    throw e;
  }
  channel.once("close", release);
  return {
    channel,
    close: () => {
      channel.destroy();
      release();
    },
  };
}

async function sharedConnection(bastion: BastionEndpoint, where: string): Promise<SharedConnection> {
  const known = connections.get(bastion);
  if (known) {
    const existing = await known.catch(() => undefined);
    if (existing?.alive) return existing;
  }
  const made = connectBastion(bastion, where);
  connections.set(bastion, made);
  made.catch(() => {
    if (connections.get(bastion) === made) connections.delete(bastion);
  });
  return made;
}

async function connectBastion(bastion: BastionEndpoint, where: string): Promise<SharedConnection> {
  const { Client: SshClient } = ssh2();
  const client = new SshClient();
  let presented: string | undefined;
  const config = pinnedConnectConfig(bastion, bastion.user, bastion.credential, (fingerprint) => (presented = fingerprint));
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", (err: Error & { level?: string; code?: string }) => {
      client.end();
      reject(
        connectError(err, where, bastion, presented, {
          refusing: "use bastion",
          hostKeyProperty: "connection.bastion.hostKeyFingerprint",
          rejected: "the bastion credential (connection.bastion.password / privateKey)",
          property: "connection.bastion",
        }),
      );
    });
    client.connect(config);
  });
  const shared: SharedConnection = { client, open: 0, alive: true };
  // A late socket error would otherwise be an unhandled 'error' event; each channel's close reports it to its session.
  client.on("error", () => undefined);
  client.once("close", () => {
    shared.alive = false;
    clearTimeout(shared.idle);
  });
  return shared;
}

function forwardRefused(err: Error & { reason?: number }, where: string, host: string, port: number): ManagedSecretsError {
  // ssh2 reports SSH_MSG_CHANNEL_OPEN_FAILURE as "(SSH) Channel open failure: <reason>": 1 is administratively prohibited (AllowTcpForwarding, PermitOpen), 2 is the bastion's own connect failing.
  const why = err.reason === 1 ? "administratively prohibited: allow TCP forwarding for this user on the bastion (sshd AllowTcpForwarding / PermitOpen)" : err.message.replace(/^\(SSH\) /, "");
  return new ManagedSecretsError("Unreachable", `${where} refused to forward a connection to ${host}:${port}: ${why}`, { property: "connection.bastion" });
}
