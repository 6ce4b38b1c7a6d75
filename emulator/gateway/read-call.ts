import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

/** Far above any request this API subset sends; stops a runaway client from filling memory. */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** One RPC-style call as it arrived, before anything is trusted. */
export interface IncomingCall {
  method: string;
  path: string;
  /** Decoded URL query: this is what the V3 canonical query is built from. */
  query: Record<string, string>;
  body: Buffer;
  headers: IncomingHttpHeaders;
  /** Query and form body merged: RPC parameters may arrive in either. */
  params: Record<string, string>;
}

function decodePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function toIncomingCall(req: IncomingMessage, body: Buffer): IncomingCall {
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const query = decodePairs(url.search);
  const contentType = String(req.headers["content-type"] ?? "");
  const form = contentType.startsWith("application/x-www-form-urlencoded") ? decodePairs(body.toString("utf8")) : {};
  return {
    method: req.method ?? "GET",
    path: decodeURIComponent(url.pathname),
    query,
    body,
    headers: req.headers,
    params: { ...form, ...query },
  };
}
