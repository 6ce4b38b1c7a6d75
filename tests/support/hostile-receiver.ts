import { rm } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import { createServer, type TLSSocket } from "node:tls";
import { loopbackCertificate } from "./https-receiver";

/**
 * A webhook receiver that never lets a request finish, on loopback TLS with a
 * fresh self-signed certificate, speaking raw bytes so it can do what no
 * well-behaved HTTP server does:
 *
 * - `trickle-headers`: a status line, then one header line every `everyMs`
 *   (3 s by default), never the blank line that ends them;
 * - `silent`: reads the request and never answers;
 * - `trickle-body`: a 200 with a long Content-Length at once, then one byte of
 *   body every `everyMs`.
 *
 * Each keeps going until the client gives up or the receiver stops.
 */

export type HostileMode = "trickle-headers" | "silent" | "trickle-body";

export interface HostileReceiver extends AsyncDisposable {
  readonly url: string;
  readonly caFile: string;
  /** Connections that sent a whole request line (POST ...). */
  readonly requests: () => number;
  /** Connections still open: the client's sockets it has not closed. */
  readonly open: () => number;
  stop(): Promise<void>;
}

export async function startHostileReceiver(mode: HostileMode, everyMs = 3_000): Promise<HostileReceiver> {
  const { dir, key, cert, certFile } = await loopbackCertificate();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const server = createServer({ key, cert }, (socket: TLSSocket) => {
    sockets.add(socket);
    let started = false;
    const drip = (first: string, each: () => string) => {
      socket.write(first);
      const timer = setInterval(() => socket.write(each()), everyMs);
      timers.add(timer);
      socket.once("close", () => {
        clearInterval(timer);
        timers.delete(timer);
      });
    };
    socket.on("data", (chunk: Buffer) => {
      if (started || !chunk.toString("latin1").includes("\r\n\r\n")) return;
      started = true;
      requests++;
      let n = 0;
      if (mode === "trickle-headers") drip("HTTP/1.1 200 OK\r\n", () => `X-Trickle-${++n}: 1\r\n`);
      else if (mode === "trickle-body") drip("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n", () => "x");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    for (const timer of timers) clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  return { url: `https://127.0.0.1:${port}/hook`, caFile: certFile, requests: () => requests, open: () => sockets.size, stop, [Symbol.asyncDispose]: stop };
}
