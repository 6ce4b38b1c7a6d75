/**
 * Loopback addresses and ports for test hosts. Every address is in
 * 127.0.0.0/8, which the kernel routes to `lo` without configuring anything:
 * nothing here (or anywhere in the test hosts) adds an address to an interface.
 */
import { randomInt } from "node:crypto";
import { createServer } from "node:net";

/** A random 127.X.Y.Z with X in 100..199, away from 127.0.0.1 and friends. */
export function randomLoopbackAddress(): string {
  return `127.${randomInt(100, 200)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export function isLoopbackAddress(address: string): boolean {
  const parts = address.split(".");
  return (
    parts.length === 4 &&
    parts[0] === "127" &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)
  );
}

/** Binds port 0 on `address`, reads the port the kernel chose, and frees it. */
export function findFreePort(address: string): Promise<number> {
  if (!isLoopbackAddress(address)) {
    return Promise.reject(new Error(`refusing non-loopback address ${address}`));
  }
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: address, port: 0, exclusive: true }, () => {
      const bound = server.address();
      if (bound === null || typeof bound === "string") {
        server.close();
        reject(new Error(`could not read the port bound on ${address}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(bound.port)));
    });
  });
}
