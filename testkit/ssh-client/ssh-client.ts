/**
 * Promise helpers over ssh2 for tests. Every connection verifies the host key
 * against the expected SHA256 fingerprint; there is no way to skip it.
 */
import { Client, type ConnectConfig } from "ssh2";
import { sha256Fingerprint } from "./ssh-key-format";

export interface SshTarget {
  host: string;
  port: number;
  /** "SHA256:..." as ssh-keygen -lf prints it. Required: host keys are always checked. */
  hostKeyFingerprint: string;
}

export interface SshLogin extends SshTarget {
  username: string;
  password?: string;
  /** OpenSSH or PEM private key. */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** Handshake + auth timeout; default 15 s. */
  readyTimeoutMs?: number;
}

export interface SshExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; null if the remote command died from a signal. */
  code: number | null;
  signal: string | null;
}

const closedClients = new WeakSet<Client>();

export class HostKeyMismatchError extends Error {
  override name = "HostKeyMismatchError";
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`host key mismatch: expected ${expected}, server presented ${actual}`);
  }
}

/** Opens an authenticated connection. Rejects on auth failure, mismatch, network errors. */
export function connectSsh(login: SshLogin): Promise<Client> {
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(login.hostKeyFingerprint)) {
    return Promise.reject(new Error(`not a SHA256 host key fingerprint: ${login.hostKeyFingerprint}`));
  }
  if (login.password === undefined && login.privateKey === undefined) {
    return Promise.reject(new Error("connectSsh needs a password or a privateKey"));
  }
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("close", () => closedClients.add(client));
    let presented: string | undefined;
    const methods: Array<"publickey" | "password"> = [];
    if (login.privateKey !== undefined) methods.push("publickey");
    if (login.password !== undefined) methods.push("password");
    const config: ConnectConfig = {
      host: login.host,
      port: login.port,
      username: login.username,
      password: login.password,
      privateKey: login.privateKey,
      passphrase: login.passphrase,
      readyTimeout: login.readyTimeoutMs ?? 15_000,
      authHandler: methods,
      hostVerifier: (key: Buffer) => {
        presented = sha256Fingerprint(key);
        return presented === login.hostKeyFingerprint;
      },
    };
    const onError = (err: Error) => {
      client.removeListener("ready", onReady);
      client.on("error", () => {}); // later socket errors of a failed connection
      client.end();
      if (presented !== undefined && presented !== login.hostKeyFingerprint) {
        reject(new HostKeyMismatchError(login.hostKeyFingerprint, presented));
      } else {
        reject(err);
      }
    };
    const onReady = () => {
      client.removeListener("error", onError);
      // Later errors (e.g. the host being stopped) must not crash the test process.
      client.on("error", () => {});
      resolve(client);
    };
    client.once("error", onError);
    client.once("ready", onReady);
    client.connect(config);
  });
}

export function isAuthFailure(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err as Error & { level?: string }).level === "client-authentication" &&
    /All configured authentication methods failed/.test(err.message)
  );
}

/**
 * true: the host accepted the credential. false: it rejected it.
 * Throws on anything else (unreachable, host key mismatch, timeout).
 */
export async function tryLogin(login: SshLogin): Promise<boolean> {
  let client: Client;
  try {
    client = await connectSsh(login);
  } catch (err) {
    if (isAuthFailure(err)) return false;
    throw err;
  }
  await closeSsh(client);
  return true;
}

/** Runs one command on an open connection; stdin (if any) is written then closed. */
export function execOn(client: Client, command: string, stdin?: string | Buffer): Promise<SshExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code: number | null = null;
      let signal: string | null = null;
      channel.on("data", (c: Buffer) => stdout.push(c));
      channel.stderr.on("data", (c: Buffer) => stderr.push(c));
      channel.on("exit", (exitCode: number | null, exitSignal?: string) => {
        code = exitCode;
        signal = exitSignal ?? null;
      });
      channel.on("close", () =>
        resolve({
          stdout: Buffer.concat(stdout).toString(),
          stderr: Buffer.concat(stderr).toString(),
          code,
          signal,
        }),
      );
      channel.end(stdin ?? "");
    });
  });
}

/** Log in, run one command (stdin optional), disconnect. */
export async function sshExec(login: SshLogin & { command: string; stdin?: string | Buffer }): Promise<SshExecResult> {
  const client = await connectSsh(login);
  try {
    return await execOn(client, login.command, login.stdin);
  } finally {
    await closeSsh(client);
  }
}

/** Ends the connection and waits until its socket is closed. */
export function closeSsh(client: Client): Promise<void> {
  if (closedClients.has(client)) return Promise.resolve();
  return new Promise((resolve) => {
    client.once("close", () => resolve());
    client.end();
  });
}
