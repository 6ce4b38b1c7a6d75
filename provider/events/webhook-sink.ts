import { createHmac } from "node:crypto";
import { request } from "node:https";
import type { Logger } from "pino";
import { ManagedSecretsError } from "../core/errors";
import { pendingDeliveries, type EventSink } from "./event-sink";
import type { RotationEvent } from "./rotation-event";

/**
 * Rotation events POSTed to an HTTPS endpoint, one JSON event per request.
 * The receiver verifies `X-Managed-Secrets-Signature: t=<unix seconds>,v1=<hex>`
 * where hex = HMAC-SHA256(secret, "<t>.<body>"): the timestamp inside the
 * signed text lets it refuse replays. Failed deliveries are retried with
 * exponential back-off; a receiver that stays down loses the event (logged),
 * never the rotation.
 */

export const SIGNATURE_HEADER = "x-managed-secrets-signature";
export const WEBHOOK_SECRET_MIN_LENGTH = 16;

export interface WebhookOptions {
  readonly url: URL;
  readonly secret: string;
  /** Extra CA certificates (PEM) to trust, e.g. a private CA. */
  readonly ca?: string;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const WEBHOOK_RETRY = { attempts: 4, baseDelayMs: 500, timeoutMs: 10_000 } as const;

/** Checks a webhook URL before anything runs; the error names the setting. */
export function parseWebhookUrl(text: string, property = "--webhook-url"): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ManagedSecretsError("InvalidInput", `${property} must be an https:// URL`, { property });
  }
  if (url.protocol !== "https:") throw new ManagedSecretsError("InvalidInput", `${property} must be an https:// URL (events are signed, not encrypted: plain http would show them to the network)`, { property });
  if (url.username || url.password) throw new ManagedSecretsError("InvalidInput", `${property} must not carry a user or password: the HMAC secret authenticates the sender`, { property });
  return url;
}

function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

type Delivery = { ok: true } | { ok: false; retry: boolean; why: string };

function post(o: WebhookOptions, body: string): Promise<Delivery> {
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve) => {
    const req = request(
      o.url,
      {
        method: "POST",
        ...(o.ca ? { ca: o.ca } : {}),
        timeout: o.timeoutMs ?? WEBHOOK_RETRY.timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), [SIGNATURE_HEADER]: signature(o.secret, timestamp, body), "user-agent": "managed-secrets-events/1" },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ ok: true });
        // 4xx other than timeout/too-many is the receiver saying no: sending it again will not change its mind.
        else resolve({ ok: false, retry: status >= 500 || status === 408 || status === 429, why: `HTTP ${status}` });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    // Only the error's code: a TLS or socket message may quote the peer.
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, retry: true, why: e.code ?? "network error" }));
    req.end(body);
  });
}

export function webhookSink(o: WebhookOptions): EventSink {
  const attempts = o.attempts ?? WEBHOOK_RETRY.attempts;
  const baseDelayMs = o.baseDelayMs ?? WEBHOOK_RETRY.baseDelayMs;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pending = pendingDeliveries();

  async function deliver(event: RotationEvent): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 1; ; attempt++) {
      const result = await post(o, body);
      if (result.ok) return;
      if (!result.retry || attempt >= attempts) {
        o.logger?.warn({ event: "webhook-undelivered", secret: event.secretName, host: o.url.host, attempts: attempt, why: result.why }, "rotation event not delivered to the webhook");
        return;
      }
      await sleep(baseDelayMs * 2 ** (attempt - 1));
    }
  }

  return {
    name: "webhook",
    emit: (event) => pending.track(deliver(event)),
    flush: () => pending.settle(),
  };
}
