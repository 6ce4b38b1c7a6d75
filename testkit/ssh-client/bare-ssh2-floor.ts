/**
 * Benchmark floor: the least work one rotation can possibly do, with bare
 * ssh2 + node:crypto and no product code (no store, no lease, no retries, no
 * logging). The bench harness times these; the product's overhead is the
 * difference.
 *
 * Same rules as the product: host key verified against its SHA256
 * fingerprint on every connection, secrets only over stdin, and the new
 * credential proven on a fresh connection before the old key is removed.
 */
import { createHash, generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { Client, utils } from "ssh2";

const generateKeyPairAsync = promisify(generateKeyPair);
/** Connections whose socket has closed (so close() must not wait for it). */
const closed = new WeakSet<Client>();

export interface FloorTarget {
  host: string;
  port: number;
  /** "SHA256:..." as ssh-keygen -lf prints it. */
  hostKeyFingerprint: string;
}

export interface FloorPasswordRotationInput extends FloorTarget {
  /** Login user; chpasswd needs root, so in practice "root". */
  user: string;
  oldPassword: string;
  newPassword: string;
}

export interface FloorKeyRotationInput extends FloorTarget {
  user: string;
  /** Private key currently in ~user/.ssh/authorized_keys (OpenSSH or PEM). */
  oldPrivateKey: string;
  newKeyType: "rsa" | "ed25519";
}

export interface FloorKeyPair {
  /** Private key ssh2 accepts: OpenSSH format (ed25519) or PKCS#1 PEM (rsa). */
  privateKey: string;
  /** authorized_keys line. */
  publicKey: string;
}

/** Old password -> chpasswd (stdin) -> fresh login with the new password. */
export async function floorPasswordRotation(input: FloorPasswordRotationInput): Promise<void> {
  if (/[\r\n]/.test(input.newPassword)) throw new Error("new password must be a single line");
  const session = await connect(input, { username: input.user, password: input.oldPassword });
  try {
    await run(session, "chpasswd", `${input.user}:${input.newPassword}\n`);
  } finally {
    await close(session);
  }
  await close(await connect(input, { username: input.user, password: input.newPassword }, "new password"));
}

/**
 * New key pair (node:crypto) -> append its line with the old key -> fresh
 * login with the new key -> remove the old key's line. Returns the new pair so
 * rotations can be chained.
 */
export async function floorKeyRotation(input: FloorKeyRotationInput): Promise<FloorKeyPair> {
  const oldKey = utils.parseKey(input.oldPrivateKey);
  if (oldKey instanceof Error) throw new Error(`old private key: ${oldKey.message}`);
  const oldBlob = oldKey.getPublicSSH().toString("base64");

  const [next, session] = await Promise.all([
    generateFloorKeyPair(input.newKeyType),
    connect(input, { username: input.user, privateKey: input.oldPrivateKey }),
  ]);
  try {
    await run(session, APPEND_KEY, `${next.publicKey}\n`);
  } finally {
    await close(session);
  }

  const fresh = await connect(input, { username: input.user, privateKey: next.privateKey }, "new key");
  try {
    await run(fresh, REMOVE_KEY, `${oldBlob}\n`);
  } finally {
    await close(fresh);
  }
  return next;
}

/** RSA-2048 or ed25519 via node:crypto, converted to what ssh2 and sshd read. */
export async function generateFloorKeyPair(type: "rsa" | "ed25519", comment = "floor"): Promise<FloorKeyPair> {
  if (type === "rsa") {
    const { privateKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const parsed = utils.parseKey(pem);
    if (parsed instanceof Error) throw parsed;
    return { privateKey: pem, publicKey: `ssh-rsa ${parsed.getPublicSSH().toString("base64")} ${comment}` };
  }
  const { privateKey } = await generateKeyPairAsync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const pub = Buffer.from(jwk.x as string, "base64url");
  const seed = Buffer.from(jwk.d as string, "base64url");
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  return {
    privateKey: openSshPrivateKey(blob, [sshString("ssh-ed25519"), sshString(pub), sshString(Buffer.concat([seed, pub]))], comment),
    publicKey: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
  };
}

// Appends one line, first terminating a last line that lacks its newline.
const APPEND_KEY = `set -e
umask 077
mkdir -p "$HOME/.ssh"
f="$HOME/.ssh/authorized_keys"
if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then echo >> "$f"; fi
cat >> "$f"`;

// Removes the lines holding the key blob read from stdin; keeps everything else.
const REMOVE_KEY = `set -e
IFS= read -r old
[ -n "$old" ]
f="$HOME/.ssh/authorized_keys"
t="$f.floor.$$"
grep -vF -e "$old" "$f" > "$t" || [ $? -eq 1 ]
chmod 600 "$t"
mv -f "$t" "$f"`;

/** A bare ssh2 login with the host key pinned; shared by every floor. */
export function connect(
  target: FloorTarget,
  auth: { username: string; password?: string; privateKey?: string },
  what?: string,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("close", () => closed.add(client));
    let presented = "";
    client.once("ready", () => {
      client.on("error", () => {});
      resolve(client);
    });
    client.once("error", (err: Error & { level?: string }) => {
      client.on("error", () => {}); // later socket errors of a failed connection
      client.end();
      if (presented !== target.hostKeyFingerprint && presented !== "") {
        reject(new Error(`host key mismatch: expected ${target.hostKeyFingerprint}, got ${presented}`));
      } else if (what && err.level === "client-authentication") {
        reject(new Error(`${target.host}:${target.port} rejected the ${what} for ${auth.username}`));
      } else {
        reject(err);
      }
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: auth.username,
      password: auth.password,
      privateKey: auth.privateKey,
      authHandler: [auth.privateKey !== undefined ? "publickey" : "password"],
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) => {
        presented = "SHA256:" + createHash("sha256").update(key).digest("base64").replace(/=+$/, "");
        return presented === target.hostKeyFingerprint;
      },
    });
  });
}

function run(client: Client, command: string, stdin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      const stderr: Buffer[] = [];
      let code: number | null = null;
      channel.on("data", () => {});
      channel.stderr.on("data", (c: Buffer) => stderr.push(c));
      channel.on("exit", (c: number | null) => {
        code = c;
      });
      channel.on("close", () => {
        if (code === 0) resolve();
        else reject(new Error(`remote command failed (exit ${code}): ${Buffer.concat(stderr).toString().trim()}`));
      });
      channel.end(stdin);
    });
  });
}

export function close(client: Client): Promise<void> {
  if (closed.has(client)) return Promise.resolve();
  return new Promise((resolve) => {
    client.once("close", () => resolve());
    client.end();
  });
}

function sshString(data: string | Buffer): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

/** Unencrypted "openssh-key-v1" private key (PROTOCOL.key). */
function openSshPrivateKey(publicBlob: Buffer, privateFields: Buffer[], comment: string): string {
  const check = randomBytes(4);
  let body = Buffer.concat([check, check, ...privateFields, sshString(comment)]);
  const padding = (8 - (body.length % 8)) % 8;
  body = Buffer.concat([body, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const key = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    count,
    sshString(publicBlob),
    sshString(body),
  ]);
  const lines = key.toString("base64").match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
