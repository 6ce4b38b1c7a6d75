import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { connect, type AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { CONSUMER_CACHE, step } from "./consumer-install";

/**
 * A self-signed certificate for 127.0.0.1, made once into the cache. It
 * protects nothing: it lets clients that only speak https reach the
 * emulator on loopback.
 */
export async function loopbackCertificate(): Promise<{ cert: string; key: string; certPath: string }> {
  const dir = join(CONSUMER_CACHE, "tls");
  const certPath = join(dir, "loopback.crt");
  const keyPath = join(dir, "loopback.key");
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await step("openssl req (loopback certificate)", "openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certPath,
    ]);
  }
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath };
}

export interface TlsFront {
  readonly endpoint: string;
  readonly certPath: string;
  close(): Promise<void>;
}

/** TLS on 127.0.0.1 in front of the emulator's plain-http port. */
export async function tlsFront(emulatorPort: number): Promise<TlsFront> {
  const { cert, key, certPath } = await loopbackCertificate();
  const server: TlsServer = createTlsServer({ cert, key }, (tls) => {
    const plain = connect(emulatorPort, "127.0.0.1");
    tls.pipe(plain).pipe(tls);
    const end = () => {
      tls.destroy();
      plain.destroy();
    };
    tls.on("error", end);
    plain.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `127.0.0.1:${port}`,
    certPath,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
