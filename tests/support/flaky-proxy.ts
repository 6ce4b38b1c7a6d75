/**
 * A TCP relay on a loopback port that can drop the next connections the way
 * a flaky network does (a reset as soon as they arrive), then relays the
 * rest to a real server unchanged. It counts every connection it accepted.
 */
import { createConnection, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface StartedFlakyProxy extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far, dropped or relayed. */
  readonly connections: number;
  /** Resets the next `count` connections the moment they arrive. */
  drop(count: number): void;
  stop(): Promise<void>;
}

export async function startFlakyProxy(target: { host: string; port: number }, listenHost = "127.0.0.1"): Promise<StartedFlakyProxy> {
  const sockets = new Set<Socket>();
  let toDrop = 0;
  let connections = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = createServer((client) => {
    connections += 1;
    track(client);
    if (toDrop > 0) {
      toDrop -= 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenHost, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    host: listenHost,
    port,
    get connections() {
      return connections;
    },
    drop: (count) => {
      toDrop = count;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
