import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * A real HTTPS endpoint on loopback with a fresh self-signed certificate,
 * keeping every request it gets. `answer` picks each response's status
 * (by arrival number, from 1), so tests can make it fail and recover.
 */

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  readonly status: number;
}

export interface HttpsReceiver extends AsyncDisposable {
  readonly url: string;
  /** The certificate (PEM), for the client to trust. */
  readonly caFile: string;
  readonly requests: ReceivedRequest[];
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** A fresh self-signed certificate for 127.0.0.1 in a new temporary folder (the caller removes `dir`). */
export async function loopbackCertificate(): Promise<{ dir: string; key: Buffer; cert: Buffer; certFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), "ms-https-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
  ]);
  return { dir, key: await readFile(key), cert: await readFile(cert), certFile: cert };
}

export async function startHttpsReceiver(answer: (n: number) => number = () => 200): Promise<HttpsReceiver> {
  const { dir, key, cert, certFile } = await loopbackCertificate();
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = answer(requests.length + 1);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await rm(dir, { recursive: true, force: true });
  };
  return { url: `https://127.0.0.1:${port}/hook`, caFile: certFile, requests, stop, [Symbol.asyncDispose]: stop };
}
