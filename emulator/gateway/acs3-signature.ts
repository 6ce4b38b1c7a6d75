import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * ACS3-HMAC-SHA256 ("V3") request signing, recomputed server-side from what
 * actually arrived on the wire. Mirrors the algorithm in
 * @alicloud/openapi-core (utils.getAuthorization) and the public V3 spec:
 *
 *   CanonicalRequest = Method \n URI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 *   StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
 *
 * CanonicalHeaders ends with its own newline, so a blank line precedes the
 * signed-header list; getting that wrong is the classic V3 bug.
 */
export const ACS3_ALGORITHM = "ACS3-HMAC-SHA256";

export interface ParsedAuthorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; undefined when malformed. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const space = header.indexOf(" ");
  if (space <= 0) return undefined;
  const algorithm = header.slice(0, space);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { algorithm, accessKeyId, signedHeaders: signedHeaders.split(";"), signature };
}

/** RFC 3986 encoding as the V3 spec wants it: encodeURIComponent plus !'()*. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export interface CanonicalInput {
  method: string;
  /** The decoded path, e.g. "/". */
  path: string;
  /** Decoded query parameters as they arrived. */
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(input: CanonicalInput): string {
  const canonicalUri = input.path.replace(/\+/g, "%20").replace(/\*/g, "%2A").replace(/%7E/g, "~");
  const canonicalQuery = Object.keys(input.query)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(input.query[k] ?? "")}`)
    .join("&");
  const names = [...input.signedHeaders].map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names
    .map((name) => {
      const raw = input.headers[name];
      const value = Array.isArray(raw) ? raw.map((v) => v.trim()).sort().join(",") : (raw ?? "").trim();
      return `${name}:${value}\n`;
    })
    .join("");
  return [input.method, canonicalUri, canonicalQuery, canonicalHeaders, names.join(";"), input.payloadHash].join("\n");
}

export function stringToSign(canonical: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonical)}`;
}

export function signString(secret: string, toSign: string): string {
  return createHmac("sha256", secret).update(toSign).digest("hex");
}

export function signaturesEqual(expectedHex: string, givenHex: string): boolean {
  const a = Buffer.from(expectedHex, "utf8");
  const b = Buffer.from(givenHex.toLowerCase(), "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
